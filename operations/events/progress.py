"""Events move on with time: a published event becomes ongoing when it starts and completed when
it ends (Celery beat, every few minutes, in each organization). Cancelled, archived and draft
events are never moved. Each move is saved on its own, audited, and reaches the search index
through the usual signals."""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from operations.audit.services import audit_record
from operations.events.models import Event

S = Event.Status
log = logging.getLogger(__name__)


def events_progress(*, now=None) -> int:
    """Move every due event in the current organization; returns how many moved. An event whose
    move fails is logged and left for the next run; the others move."""
    now = now or timezone.now()
    moved = 0
    due = list(Event.objects.filter(Q(status=S.PUBLISHED, starts_at__lte=now) | Q(status=S.ONGOING, ends_at__lte=now))
               .order_by("pk").values_list("pk", flat=True))
    for event_id in due:
        try:
            moved += _event_progress(event_id, now)
        except Exception:  # noqa: BLE001 - one event's failure must not hold back the rest
            log.exception("event %s could not move on", event_id)
    return moved


def _event_progress(event_id: int, now) -> int:
    with transaction.atomic():
        event = (Event.objects.select_for_update(skip_locked=True)
                 .filter(Q(status=S.PUBLISHED, starts_at__lte=now) | Q(status=S.ONGOING, ends_at__lte=now))
                 .filter(pk=event_id).first())
        if event is None:  # moved meanwhile, or being edited: the next run sees it
            return 0
        before = event.status
        event.status = S.COMPLETED if event.ends_at <= now else S.ONGOING
        event.save(update_fields=["status"])
        audit_record("event.progressed", target=event, before={"status": before}, after={"status": event.status})
        return 1
