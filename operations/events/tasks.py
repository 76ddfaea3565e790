"""Celery entry points for events."""

import logging

from celery import shared_task
from django_tenants.utils import schema_context

log = logging.getLogger(__name__)


@shared_task
def events_progress_all_organizations() -> int:
    """Beat entry point (runs in public): move due events on in every active organization.
    Returns how many events moved."""
    from operations.events.progress import events_progress
    from operations.organizations.models import Organization

    moved = 0
    for schema in Organization.objects.real().filter(is_active=True).values_list("schema_name", flat=True):
        try:
            with schema_context(schema):
                moved += events_progress()
        except Exception:  # noqa: BLE001 - one organization's failure must not hold back the others
            log.exception("events of %s could not move on", schema)
    return moved
