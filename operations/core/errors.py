"""The one error type of the domain. Each module subclasses it; surfaces map it to HTTP in one place."""


class DomainError(Exception):
    """A refused operation. ``code`` is stable (tests and API clients rely on it); ``message`` is
    written for the person who asked, and safe to show them."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, **details):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return self.message
