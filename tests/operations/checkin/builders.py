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


def door_make(organization, *names: str):
    """For browser tests (committed data): a staff member of ``organization`` and, in its schema, an
    event "gate" with a default check-in list and one confirmed ticket per name.
    Returns (staff user, [tickets])."""
    from django_tenants.utils import schema_context

    from operations.checkin.services.lists import checkin_list_default
    from operations.organizations.services import membership_invite

    staff = membership_invite(organization=organization, email=f"door@{organization.slug}.test", role="staff",
                              actor=None).user
    with schema_context(organization.schema_name):
        event = event_make(slug="gate")
        ticket_type = ticket_type_make(event, name="Standing")
        tickets = [ticket_make(event, ticket_type, name=name) for name in names]
        checkin_list_default(event=event)
    return staff, tickets
