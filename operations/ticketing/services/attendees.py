"""Attendee self-service and organizer edits: change details, transfer a ticket, resend."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from operations.audit.services import audit_record
from operations.core.queue import after_commit
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, OrderPosition, Ticket


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
    do it until the event's edit deadline (code edit_not_allowed)."""
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
    return ticket


def order_resend(*, order: Order, actor=None, request=None) -> None:
    """Send the order's e-mail again (with tickets when confirmed)."""
    from operations.ticketing.tasks import order_email_send

    with transaction.atomic():
        audit_record("order.resent", actor=actor, target=order, after={"email": order.email}, request=request)
        order_id = order.pk
        after_commit(order_email_send, order_id=order_id, kind="resend")
