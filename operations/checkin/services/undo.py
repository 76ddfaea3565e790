"""Undoing an admission, and checking someone in by hand from the admin."""

from django.db import transaction
from django.utils import timezone

from operations.audit.services import audit_record
from operations.checkin.errors import CheckInError
from operations.checkin.models import CheckinList, Scan
from operations.checkin.services.live import marker_bump
from operations.checkin.services.redeem import checkin_redeem
from operations.ticketing.models import Ticket


def checkin_undo(*, scan_id: int, actor, reason: str) -> Scan:
    """Withdraw an admission (the ticket may then be admitted again). Needs a reason; audited.
    Raises CheckInError: not_found, reason_required, not_admitted (a refusal or already undone)."""
    reason = (reason or "").strip()
    if not reason:
        raise CheckInError("Say why the check-in is undone.", code="reason_required")
    with transaction.atomic():
        scan = Scan.objects.select_related("checkin_list").filter(pk=scan_id).first()
        if scan is None or scan.ticket_id is None:
            raise CheckInError("No such check-in.", code="not_found")
        # The same lock as redeem: an undo and a scan of the same ticket never interleave.
        Ticket.objects.select_for_update().filter(pk=scan.ticket_id).first()
        scan.refresh_from_db()
        if not scan.is_admission:
            raise CheckInError("This scan is not a standing admission.", code="not_admitted")
        scan.undone_at = timezone.now()
        scan.undone_by = getattr(actor, "email", "") or ""
        scan.undo_reason = reason[:300]
        scan.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        audit_record("checkin.undone", actor=actor, target=scan.ticket, before={"scan": scan.pk, "admitted": True},
                     after={"scan": scan.pk, "admitted": False, "reason": scan.undo_reason})
        event_id = scan.checkin_list.event_id
        transaction.on_commit(lambda: marker_bump(event_id))
    return scan


def checkin_manual(*, checkin_list: CheckinList, ticket_code: str, actor, nonce: str = "") -> dict:
    """An admin checks a ticket in by hand (lost phone, unreadable code): the same rules as a scan,
    recorded with source 'manual' and the admin's name."""
    return checkin_redeem(checkin_list=checkin_list, scanned=ticket_code, actor=actor, nonce=nonce,
                          source=Scan.Source.MANUAL)
