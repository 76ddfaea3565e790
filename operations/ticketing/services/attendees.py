"""Attendee self-service and organizer edits: change details or answers, transfer a ticket, resend."""

import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from operations.audit.services import audit_record
from operations.core.queue import after_commit
from operations.ticketing.answer_files import answer_files_delete_after_commit
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, OrderPosition, Ticket

log = logging.getLogger(__name__)

# An attendee may have their order sent again once a minute and a few times a day: more is a
# mailbox flooded (theirs or, with a leaked link, someone else's) and our sender's reputation.
RESEND_INTERVAL_SECONDS = 60
RESEND_PER_DAY = 5


def _clean(name: str, email: str) -> tuple[str, str]:
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name:
        raise OrderError("Enter the attendee's name.", code="name_required")
    try:
        validate_email(email)
    except ValidationError:
        raise OrderError("Enter a valid e-mail address.", code="email_invalid") from None
    return name[:200], email


def _position_locked(position: OrderPosition, *, by_attendee: bool, now, late: str) -> OrderPosition:
    """The position locked, with its order and event; attendees may change it only until the
    event's edit deadline (edit_not_allowed, with the message ``late``)."""
    position = OrderPosition.objects.select_for_update().select_related("order__event").get(pk=position.pk)
    if by_attendee:
        until = position.order.event.attendee_edit_until
        if until is None or now >= until:
            raise OrderError(late, code="edit_not_allowed")
    return position


def _active_check(position: OrderPosition) -> None:
    if position.order.status in (Order.Status.CANCELLED, Order.Status.EXPIRED, Order.Status.REFUNDED):
        raise OrderError("This order is no longer active.", code="invalid_transition")


def position_attendee_change(*, position: OrderPosition, name: str, email: str, actor=None, by_attendee: bool = False,
                             request=None, now=None) -> OrderPosition:
    """Correct an attendee's name or e-mail (the ticket stays valid). Attendees may do it until the
    event's edit deadline (code edit_not_allowed)."""
    name, email = _clean(name, email)
    now = now or timezone.now()
    with transaction.atomic():
        position = _position_locked(position, by_attendee=by_attendee, now=now,
                                    late="Attendee details can no longer be changed online.")
        _active_check(position)
        before = {"name": position.attendee_name, "email": position.attendee_email}
        position.attendee_name, position.attendee_email = name, email
        position.save(update_fields=["attendee_name", "attendee_email"])
        audit_record("order.attendee_changed", actor=actor, target=position.order, before=before,
                     after={"position": position.pk, "name": name, "email": email}, request=request)
    return position


def _answer_files(answers: dict) -> set[str]:
    return {a["file"] for a in answers.values() if isinstance(a, dict) and a.get("file")}


def position_answers_change(*, position: OrderPosition, answers: dict, keep: Iterable[str] = (), actor=None,
                            by_attendee: bool = False, request=None, now=None) -> OrderPosition:
    """Replace an attendee's answers to the event's questions with ``answers``: a snapshot the
    form builder validated and made (cms.registration.answers_snapshot, files already stored).
    The answers named in ``keep`` stay as stored (an uploaded file not sent again). Attendees may
    do it until the event's edit deadline (code edit_not_allowed); never for an order that is no
    longer active (invalid_transition); a kept answer that is no longer stored (changed
    meanwhile) raises answers_changed. Nothing is written when it raises. Files of answers
    replaced or dropped are deleted after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        position = _position_locked(position, by_attendee=by_attendee, now=now,
                                    late="Answers can no longer be changed online.")
        _active_check(position)
        if position.order.status == Order.Status.PENDING:  # the details page still asks them
            raise OrderError("Answer the questions when you complete your registration.", code="invalid_transition")
        before = dict(position.answers or {})
        after = dict(answers)
        for name in keep:
            if name not in before:
                raise OrderError("Your answers were changed meanwhile; please check them and send the file again.",
                                 code="answers_changed")
            after[name] = before[name]
        if after == before:
            return position
        position.answers = after
        position.save(update_fields=["answers"])
        audit_record("order.answers_changed", actor=actor, target=position.order,
                     before={"position": position.pk, "answers": before},
                     after={"position": position.pk, "answers": after, "by_attendee": by_attendee}, request=request)
        # Only once the new answers are committed: a rollback keeps the old files they point to.
        if dropped := sorted(_answer_files(before) - _answer_files(after)):
            answer_files_delete_after_commit(dropped)
    return position


def ticket_transfer(*, position: OrderPosition, name: str, email: str, actor=None, by_attendee: bool = False,
                    request=None, now=None) -> Ticket:
    """Give a ticket to another person: the old code is revoked and a new one issued. Attendees may
    do it until the event's edit deadline (code edit_not_allowed). After commit the new holder is
    e-mailed their ticket and the buyer a notice (once when they are the same person)."""
    from operations.ticketing.tasks import ticket_transferred_email

    name, email = _clean(name, email)
    now = now or timezone.now()
    with transaction.atomic():
        position = _position_locked(position, by_attendee=by_attendee, now=now,
                                    late="Tickets can no longer be transferred online.")
        if position.order.status != Order.Status.CONFIRMED:
            raise OrderError("Only confirmed tickets can be transferred.", code="invalid_transition")
        old = position.tickets.filter(revoked_at__isnull=True).first()
        if old:
            old.revoked_at = timezone.now()
            old.save(update_fields=["revoked_at"])
        ticket = Ticket.objects.create(position=position)
        before = {"name": position.attendee_name, "email": position.attendee_email}
        position.attendee_name, position.attendee_email = name, email
        position.save(update_fields=["attendee_name", "attendee_email"])
        audit_record("ticket.transferred", actor=actor, target=position.order, before=before,
                     after={"position": position.pk, "name": name, "email": email}, request=request)
        after_commit(ticket_transferred_email, ticket_id=ticket.pk, recipient="holder")
        if position.order.email and position.order.email.lower() != email:
            after_commit(ticket_transferred_email, ticket_id=ticket.pk, recipient="buyer",
                         previous_name=before["name"])
    return ticket


def _resend_allowed_check(order: Order) -> None:
    """Claim one of the order's resends (per organization: the cache keys carry the schema), or
    raise OrderError(rate_limited) with ``retry_after`` seconds. Counting is best effort: when
    Redis cannot be reached the resend goes ahead (a lost counter must not cost the ticket)."""
    recent, today = f"ticketing:resend:{order.pk}:recent", f"ticketing:resend:{order.pk}:day"
    try:
        if not cache.add(recent, 1, RESEND_INTERVAL_SECONDS):
            raise OrderError("We sent this order a moment ago. Please check your inbox (and spam folder) and try "
                             "again in a minute.", code="rate_limited", retry_after=RESEND_INTERVAL_SECONDS)
        cache.add(today, 0, 24 * 3600)
        if cache.incr(today) > RESEND_PER_DAY:
            raise OrderError(f"This order has been sent {RESEND_PER_DAY} times today. Please check your spam folder, "
                             "or try again tomorrow.", code="rate_limited", retry_after=24 * 3600)
    except (RedisError, ValueError):  # ValueError: the day's counter expired between add and incr
        log.warning("resend counter unavailable for order %s", order.pk, exc_info=True)


def order_resend(*, order: Order, actor=None, by_attendee: bool = False, request=None) -> None:
    """Send the order's e-mail again (with tickets when confirmed), after commit. Attendees may ask
    once a minute and RESEND_PER_DAY times a day (OrderError rate_limited); staff are not limited."""
    from operations.ticketing.tasks import order_email_send

    if by_attendee:
        _resend_allowed_check(order)
    with transaction.atomic():
        audit_record("order.resent", actor=actor, target=order, after={"email": order.email}, request=request)
        order_id = order.pk
        after_commit(order_email_send, order_id=order_id, kind="resend")
