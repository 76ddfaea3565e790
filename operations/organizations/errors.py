from operations.core.errors import DomainError


class OrganizationError(DomainError):
    """Refused change to an organization, its domains or its members."""
