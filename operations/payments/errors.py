"""The payments module's one error type. Codes are stable: views, the admin and tests rely on them."""

from operations.core.errors import STATUS_BY_CODE, DomainError

_STATUS = {"signature_invalid": 400, "provider_unavailable": 502, "not_configured": 409}


class PaymentError(DomainError):
    code = "payment_invalid"

    @property
    def http_status(self) -> int:
        return _STATUS.get(self.code) or STATUS_BY_CODE.get(self.code, 400)
