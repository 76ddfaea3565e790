"""Celery entry points for events."""

from celery import shared_task


@shared_task
def events_progress_all_organizations() -> int:
    """Beat entry point (runs in public): move due events on in every active organization.
    Returns how many events moved."""
    from operations.events.progress import events_progress
    from operations.organizations.selectors import in_each_organization

    return in_each_organization(events_progress, name="events progress")
