"""Builders for check-in tests (call inside the organization's schema)."""

import itertools

from operations.ticketing.models import Order, OrderPosition, Ticket
from tests.operations.ticketing.builders import event_make, ticket_type_make  # noqa: F401

_numbers = itertools.count(1)


def ticket_make(event, ticket_type, *, status=Order.Status.CONFIRMED, name=None, email=None, sessions=()) -> Ticket:
    number = next(_numbers)
    name = name or f"Attendee {number}"
    order = Order.objects.create(event=event, code=f"REG-T-{event.pk}-{number:06d}", status=status, currency=event.currency,
                                 name=name, email=email or f"a{number}@example.com")
    position = OrderPosition.objects.create(order=order, ticket_type=ticket_type, attendee_name=name,
                                            attendee_email=order.email)
    if sessions:
        position.sessions.set(sessions)
    return Ticket.objects.create(position=position)
