"""Celery entry points for events."""

from celery import shared_task
from django_tenants.utils import schema_context


@shared_task
def events_progress_all_organizations() -> int:
    """Beat entry point (runs in public): move due events on in every active organization.
    Returns how many events moved."""
    from operations.events.progress import events_progress
    from operations.organizations.models import Organization

    moved = 0
    for schema in Organization.objects.real().filter(is_active=True).values_list("schema_name", flat=True):
        with schema_context(schema):
            moved += events_progress()
    return moved
