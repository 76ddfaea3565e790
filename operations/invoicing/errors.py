"""The invoicing module's one error type. Codes are stable: views and tests rely on them."""

from operations.core.errors import DomainError


class InvoicingError(DomainError):
    code = "invoicing_invalid"
