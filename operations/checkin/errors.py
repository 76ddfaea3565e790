"""The check-in module's one error type. Codes are stable: the scanner page, the API and tests rely on them.

Refusals of a scan are not errors (the door gets an answer with a reason code, see services.redeem);
CheckInError is for requests that cannot be answered that way: no permission, a list of another
event, bad input."""

from operations.core.errors import STATUS_BY_CODE, DomainError

_STATUS = {"unauthenticated": 401, "csrf_failed": 403, "method_not_allowed": 405, "too_large": 413}


class CheckInError(DomainError):
    code = "checkin_invalid"

    @property
    def http_status(self) -> int:
        return _STATUS.get(self.code) or STATUS_BY_CODE.get(self.code, 400)
