"""Check-in lists: the default list of an event, created on demand."""

from django.db import IntegrityError, transaction

from operations.audit.services import audit_record
from operations.checkin.models import CheckinList


def checkin_list_default(*, event, actor=None) -> CheckinList:
    """The event's default list (all ticket types, entry only, no re-entry, always open), created on
    first use. Safe under concurrency: a partial unique index allows one default per event."""
    existing = CheckinList.objects.filter(event=event, is_default=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            checkin_list = CheckinList.objects.create(event=event, name="Main entrance", is_default=True)
            audit_record("checkinlist.created", actor=actor, target=checkin_list, after={"default": True})
            return checkin_list
    except IntegrityError:
        return CheckinList.objects.get(event=event, is_default=True)
