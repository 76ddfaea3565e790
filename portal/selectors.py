from operations.organizations.models import Organization


def organizations_listed():
    """Active organizations shown on the portal (public schema only: no tenant data)."""
    return Organization.objects.real().filter(is_active=True).prefetch_related("domains")
