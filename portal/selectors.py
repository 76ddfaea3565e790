import datetime as dt

from operations.organizations.models import Organization
from search.models import ListedEvent


def organizations_listed():
    """Active organizations shown on the portal (public schema only: no tenant data)."""
    return Organization.objects.real().filter(is_active=True).prefetch_related("domains")


def listed_events_upcoming(*, now: dt.datetime, organization_slug: str | None = None, limit: int = 50):
    """Upcoming listed events from the public schema's copy of the index (search.models), for
    when the search server cannot answer. Never reads an organization's schema."""
    active = Organization.objects.filter(is_active=True).values("schema_name")
    events = ListedEvent.objects.filter(ends_at__gte=now, schema_name__in=active)
    if organization_slug:
        events = events.filter(organization_slug=organization_slug)
    return list(events.order_by("starts_at", "id")[:limit])
