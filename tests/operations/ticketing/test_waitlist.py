"""Waiting lists for a session: a full session keeps its own list; a freed place goes to the person
waiting longest for that session, held with a ticket; other lists are not held up by it."""

import pytest
from django.core import mail
from django.test import Client

from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, Session, WaitingListEntry
from operations.ticketing.services.lifecycle import order_cancel
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from operations.ticketing.services.waitlist import waiting_list_join
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a


def _registered(event, ticket_type, *, sessions=(), email="buyer@example.com"):
    order = order_reserve(event=event, items=[Item(ticket_type.pk, 1, session_ids=list(sessions))])
    return order_complete(order=order, name="Buyer", email=email, payment_method="",
                          attendees=[Attendee("Buyer", email)])


def _workshop(event, places=1) -> Session:
    return Session.objects.create(event=event, title="Workshop", starts_at=event.starts_at, ends_at=event.ends_at,
                                  capacity=places)


def test_a_freed_session_place_is_offered_with_a_ticket_to_the_first_in_line(alpha, django_capture_on_commit_callbacks):
    event = event_make(slug="sessions")
    general = ticket_type_make(event, seats=10)
    workshop = _workshop(event)
    taken = _registered(event, general, sessions=[workshop.pk])
    with pytest.raises(OrderError) as full:
        order_reserve(event=event, items=[Item(general.pk, 1, session_ids=[workshop.pk])])
    assert full.value.code == "session_full"

    first = waiting_list_join(event=event, email="first@example.com", session_id=workshop.pk)
    second = waiting_list_join(event=event, email="second@example.com", session_id=workshop.pk)
    event_wide = waiting_list_join(event=event, email="first@example.com")  # a separate list: both may be open
    assert len({first.pk, second.pk, event_wide.pk}) == 3
    assert waiting_list_join(event=event, email="FIRST@example.com", session_id=workshop.pk).pk == first.pk

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=taken, actor=None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitingListEntry.Status.OFFERED and second.status == WaitingListEntry.Status.WAITING
    held = first.order
    assert held.status == Order.Status.PENDING and list(held.positions.get().sessions.all()) == [workshop]
    offer = next(m for m in mail.outbox if m.to == ["first@example.com"] and held.secret in m.body)
    assert "place in “Workshop”" in offer.body
    event_wide.refresh_from_db()  # the event had seats all along: its list was served too
    assert event_wide.status == WaitingListEntry.Status.OFFERED


def test_a_full_session_does_not_hold_up_the_event_list(alpha, django_capture_on_commit_callbacks):
    event = event_make(slug="busy")
    general = ticket_type_make(event, seats=1)
    workshop = _workshop(event, places=1)
    sold = _registered(event, general, sessions=[workshop.pk])
    early = waiting_list_join(event=event, email="early@example.com", session_id=workshop.pk)
    late = waiting_list_join(event=event, email="late@example.com")
    general_quota = general.quotas.get()
    general_quota.size = 2  # one more seat for the event, none for the workshop
    general_quota.save()
    from operations.ticketing.services.waitlist import waiting_list_offer_next

    assert waiting_list_offer_next(event_id=event.pk) == 1
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.status == WaitingListEntry.Status.WAITING and late.status == WaitingListEntry.Status.OFFERED
    assert sold.status == Order.Status.CONFIRMED


def test_an_unknown_session_or_one_without_a_list_is_refused(alpha):
    event = event_make(slug="nolist")
    other = event_make(slug="other")
    closed = Session.objects.create(event=event, title="Closed", starts_at=event.starts_at, ends_at=event.ends_at,
                                    capacity=1, has_waiting_list=False)
    for session in (closed, _workshop(other)):
        with pytest.raises(OrderError) as refused:
            waiting_list_join(event=event, email="a@example.com", session_id=session.pk)
        assert refused.value.code == "session_unknown"
    assert not WaitingListEntry.objects.exists()


def test_the_ticket_page_marks_a_full_session_and_lets_people_join_its_list(org_a, in_schema, site_client):
    with in_schema(org_a):
        event = event_make(slug="page")
        general = ticket_type_make(event, seats=5)
        workshop = _workshop(event)
        _registered(event, general, sessions=[workshop.pk])
    client: Client = site_client(org_a)
    page = client.get("/register/page/").text
    assert f'value="{workshop.pk}" id="session-{workshop.pk}" disabled' in page and "<strong>Full</strong>" in page
    joined = client.post("/register/page/waiting-list/", {"email": "fan@example.com", "session": str(workshop.pk)})
    assert joined.status_code == 302
    for wrong in ("999999", "abc", "-1"):  # unknown or malformed: refused, never the event's list instead
        refused = client.post("/register/page/waiting-list/", {"email": "other@example.com", "session": wrong})
        assert refused.status_code == 400 and "no waiting list" in refused.text, wrong
    with in_schema(org_a):
        assert WaitingListEntry.objects.get(email="fan@example.com").session == workshop
        assert not WaitingListEntry.objects.filter(email="other@example.com").exists()
