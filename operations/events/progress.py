"""Events move on with time: a published event becomes ongoing when it starts and completed when
it ends (Celery beat, every few minutes, in each organization). Cancelled, archived and draft
events are never moved. Each move is saved on its own, audited, and reaches the search index
through the usual signals."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from operations.audit.services import audit_record
from operations.events.models import Event

S = Event.Status


def events_progress(*, now=None) -> int:
    """Move every due event in the current organization; returns how many moved."""
    now = now or timezone.now()
    moved = 0
    with transaction.atomic():
        due = (Event.objects.select_for_update(skip_locked=True)
               .filter(Q(status=S.PUBLISHED, starts_at__lte=now) | Q(status=S.ONGOING, ends_at__lte=now))
               .order_by("pk"))
        for event in due:
            before = event.status
            event.status = S.COMPLETED if event.ends_at <= now else S.ONGOING
            event.save(update_fields=["status"])
            audit_record("event.progressed", target=event, before={"status": before}, after={"status": event.status})
            moved += 1
    return moved
