"""Attendee self-service and organizer edits: change details, transfer a ticket, resend."""

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from operations.audit.services import audit_record
from operations.core.queue import after_commit
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


def position_attendee_change(*, position: OrderPosition, name: str, email: str, actor=None, by_attendee: bool = False,
                             request=None, now=None) -> OrderPosition:
    """Correct an attendee's name or e-mail (the ticket stays valid). Attendees may do it until the
    event's edit deadline (code edit_not_allowed)."""
    name, email = _clean(name, email)
    now = now or timezone.now()
    with transaction.atomic():
        position = OrderPosition.objects.select_for_update().select_related("order__event").get(pk=position.pk)
        if by_attendee:
            until = position.order.event.attendee_edit_until
            if until is None or now >= until:
                raise OrderError("Attendee details can no longer be changed online.", code="edit_not_allowed")
        if position.order.status in (Order.Status.CANCELLED, Order.Status.EXPIRED, Order.Status.REFUNDED):
            raise OrderError("This order is no longer active.", code="invalid_transition")
        before = {"name": position.attendee_name, "email": position.attendee_email}
        position.attendee_name, position.attendee_email = name, email
        position.save(update_fields=["attendee_name", "attendee_email"])
        audit_record("order.attendee_changed", actor=actor, target=position.order, before=before,
                     after={"position": position.pk, "name": name, "email": email}, request=request)
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
        position = OrderPosition.objects.select_for_update().select_related("order__event").get(pk=position.pk)
        if by_attendee:
            until = position.order.event.attendee_edit_until
            if until is None or now >= until:
                raise OrderError("Tickets can no longer be transferred online.", code="edit_not_allowed")
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
