"""The seat counts written in SQL (operations/ticketing/queries.py) agree with the ORM's rule for
"holds a seat" (seat_holding_q) in every order state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from operations.ticketing.models import Order, OrderPosition, Quota, TicketType, seat_holding_q
from operations.ticketing.queries import listed_types_with_remaining, seats_held, types_with_quotas
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a


def _order(event, ticket_type, status, *, expires_in=None, cancelled=False, count=1):
    now = timezone.now()
    order = Order.objects.create(event=event, code=f"REG-T-{Order.objects.count():06d}", currency=event.currency,
                                 status=status, expires_at=now + expires_in if expires_in is not None else None)
    for _ in range(count):
        OrderPosition.objects.create(order=order, ticket_type=ticket_type, is_cancelled=cancelled)
    return order


def test_seats_held_count_exactly_what_seat_holding_q_counts_in_every_state(alpha):
    event = event_make(slug="states")
    hall = Quota.objects.create(event=event, name="Hall", size=100)
    students = Quota.objects.create(event=event, name="Students", size=10)
    general = ticket_type_make(event, quota=hall)
    student = ticket_type_make(event, name="Student", quota=hall)
    student.quotas.add(students)
    soon, past = timedelta(minutes=5), timedelta(minutes=-5)
    for status in Order.Status.values:
        _order(event, general, status, expires_in=soon)
        _order(event, student, status, expires_in=past, count=2)
        _order(event, student, status, expires_in=soon, cancelled=True)
    _order(event, student, Order.Status.CONFIRMED, count=3)
    now = timezone.now()
    held = seats_held([hall.pk, students.pk], now=now)
    for quota in (hall, students):
        expected = OrderPosition.objects.filter(seat_holding_q(now), is_cancelled=False, ticket_type__quotas=quota).count()
        assert held.get(quota.pk, 0) == expected > 0
    # The reservation's read of its ticket types carries the same counts (its check before any lock).
    types = types_with_quotas(event.pk, [student.pk], now=now)
    assert [(q.pk, q.held) for q in types[student.pk].counted_quotas] == [(hall.pk, held[hall.pk]),
                                                                          (students.pk, held[students.pk])]


def test_listed_types_carry_their_smallest_remainder_and_hidden_or_inactive_types_are_left_out(alpha):
    event = event_make(slug="listed")
    hall = Quota.objects.create(event=event, name="Hall", size=5)
    students = Quota.objects.create(event=event, name="Students", size=2)
    general = ticket_type_make(event, quota=hall, position=2)
    student = ticket_type_make(event, name="Student", quota=hall, position=1)
    student.quotas.add(students)
    ticket_type_make(event, name="No quota", seats=None, position=3)
    ticket_type_make(event, name="Hidden", visibility=TicketType.Visibility.HIDDEN, quota=hall)
    ticket_type_make(event, name="Retired", is_active=False, quota=hall)
    _order(event, student, Order.Status.CONFIRMED, count=2)
    _order(event, general, Order.Status.PENDING, expires_in=timedelta(minutes=-1))  # expired: frees its seat
    listed = listed_types_with_remaining(event.pk, now=timezone.now())
    assert [(t.name, remaining) for t, remaining in listed] == [("Student", 0), ("General", 3), ("No quota", None)]
    assert listed[1][0].pk == general.pk and listed[1][0].price == general.price


def test_the_ticket_page_reads_its_event_and_listed_types_in_one_query(alpha, django_assert_num_queries):
    from operations.events.models import Event
    from operations.ticketing.queries import event_by_slug, event_with_listed_types

    event = event_make(slug="page-offers", status=Event.Status.PUBLISHED)
    hall = Quota.objects.create(event=event, name="Hall", size=5)
    general = ticket_type_make(event, name="General", quota=hall)
    ticket_type_make(event, name="Hidden", quota=hall, visibility=TicketType.Visibility.HIDDEN)
    _order(event, general, Order.Status.CONFIRMED, count=2)
    now, public = timezone.now(), [Event.Status.PUBLISHED]
    with django_assert_num_queries(1):
        found, listed = event_with_listed_types("page-offers", public, now=now)
    assert found.pk == event_by_slug("page-offers", public).pk and found.has_sessions is False
    assert [(t.pk, left) for t, left in listed] == [(t.pk, left) for t, left in listed_types_with_remaining(event.pk, now=now)]
    assert [(t.name, left) for t, left in listed] == [("General", 3)]
    empty = event_make(slug="nothing-listed", status=Event.Status.PUBLISHED)
    assert event_with_listed_types("nothing-listed", public, now=now) == (empty, [])
    assert event_with_listed_types("page-offers", [Event.Status.DRAFT], now=now) is None


def test_an_order_is_read_by_its_secret_with_its_event_in_one_query(alpha, django_assert_num_queries):
    from operations.ticketing.queries import order_with_event

    event = event_make(slug="secret")
    order = _order(event, ticket_type_make(event), Order.Status.CONFIRMED)
    with django_assert_num_queries(1):
        found = order_with_event(order.secret)
        assert (found.pk, found.code, found.event.slug, found.event.currency) == (order.pk, order.code, "secret", "EUR")
    assert order_with_event("no-such-secret") is None


def test_valid_tickets_leave_out_revoked_tickets_and_cancelled_seats(alpha):
    from operations.ticketing.models import Ticket
    from operations.ticketing.queries import valid_tickets

    event = event_make(slug="tickets")
    general = ticket_type_make(event)
    order = _order(event, general, Order.Status.CONFIRMED, count=3)
    first, cancelled, last = order.positions.order_by("pk")
    OrderPosition.objects.filter(pk=cancelled.pk).update(is_cancelled=True)
    OrderPosition.objects.filter(pk=last.pk).update(answers={"diet": {"label": "Diet", "value": "vegan"}})
    revoked = Ticket.objects.create(position=first, revoked_at=timezone.now())
    kept = [Ticket.objects.create(position=first), Ticket.objects.create(position=last)]
    Ticket.objects.create(position=cancelled)
    tickets = valid_tickets(order)
    assert [t.pk for t in tickets] == [t.pk for t in kept] and revoked.pk not in [t.pk for t in tickets]
    assert tickets[1].position.answers["diet"]["value"] == "vegan" and tickets[1].position.ticket_type.name == "General"
    assert tickets[0].position.order is order


def test_the_order_page_reads_an_order_and_its_valid_tickets_in_one_query(alpha, django_assert_num_queries):
    from operations.ticketing.models import Ticket
    from operations.ticketing.queries import order_with_tickets, valid_tickets

    event = event_make(slug="page")
    order = _order(event, ticket_type_make(event), Order.Status.CONFIRMED, count=3)
    first, cancelled, last = order.positions.order_by("pk")
    OrderPosition.objects.filter(pk=cancelled.pk).update(is_cancelled=True)
    Ticket.objects.create(position=first, revoked_at=timezone.now())
    for position in (last, cancelled, first):
        Ticket.objects.create(position=position)
    with django_assert_num_queries(1):
        found, tickets = order_with_tickets(order.secret)
        assert (found.pk, found.event.slug) == (order.pk, "page") and tickets[0].position.order is found
    assert [t.pk for t in tickets] == [t.pk for t in valid_tickets(order)] and len(tickets) == 2
    untouched = _order(event, ticket_type_make(event, name="Later"), Order.Status.PENDING)
    assert order_with_tickets(untouched.secret)[1] == [] and order_with_tickets("no-such-secret") is None
