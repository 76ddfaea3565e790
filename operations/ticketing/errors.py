"""The ticketing module's one error type. Codes are stable: views, the API and tests rely on them."""

from operations.core.errors import STATUS_BY_CODE, DomainError

# Ticketing codes whose HTTP answer is not the default 400.
_STATUS = {"sold_out": 409, "hold_lapsed": 409, "reservation_expired": 410, "upload_too_large": 413, "rate_limited": 429}


class OrderError(DomainError):
    code = "order_invalid"

    @property
    def http_status(self) -> int:
        return _STATUS.get(self.code) or STATUS_BY_CODE.get(self.code, 400)
