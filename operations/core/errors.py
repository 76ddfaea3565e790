"""The one error type of the domain. Each module subclasses it; surfaces map it to HTTP in one place
(operations.core.http)."""

# Codes that mean something other than "your input was wrong" (400).
STATUS_BY_CODE = {"forbidden": 403, "not_found": 404, "conflict": 409, "busy": 503}


class DomainError(Exception):
    """A refused operation. ``code`` is stable (tests and API clients rely on it); ``message`` is
    written for the person who asked, and safe to show them."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **details):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return self.message

    @property
    def http_status(self) -> int:
        return STATUS_BY_CODE.get(self.code, 400)


def refuse_without(user, permission: str) -> None:
    """Raise a 403 DomainError unless ``user`` holds ``permission`` in the current organization.
    (Wagtail would turn a PermissionDenied into a redirect to its dashboard.)"""
    if not user.has_perm(permission):
        raise DomainError("Your role in this organization does not include this screen.", code="forbidden")
