"""Waiting lists for a session: a full session keeps its own list; a freed place goes to the person
waiting longest for that session, held with a ticket; other lists are not held up by it."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from operations.audit.models import AuditEntry

from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, Session, WaitingListEntry
from operations.ticketing.services.lifecycle import order_cancel, order_expire_due
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from operations.ticketing.services.waitlist import waiting_list_join, waiting_list_offer_accept, waiting_list_offer_next
from tests.harness import at_once, committed_organization
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


def _offered(event, email="fan@example.com", **join):
    """A sold-out event (one seat, taken), ``email`` on its list, then the seat freed: ``email`` is
    offered it (the e-mails sent so far are cleared)."""
    general = ticket_type_make(event, seats=1)
    taken = _registered(event, general)
    entry = waiting_list_join(event=event, email=email, name="Fan", **join)
    order_cancel(order=taken, actor=None)
    assert waiting_list_offer_next(event_id=event.pk) == 1
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    mail.outbox.clear()
    return entry


def test_the_offer_email_is_html_and_text_with_the_hold_in_the_event_time_zone(alpha,
                                                                               django_capture_on_commit_callbacks):
    event = event_make(slug="tz", timezone="Asia/Seoul")
    general = ticket_type_make(event, seats=1)
    taken = _registered(event, general)
    waiting_list_join(event=event, email="fan@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=taken, actor=None)
    entry = WaitingListEntry.objects.get(email="fan@example.com")
    offer = next(m for m in mail.outbox if m.to == ["fan@example.com"])
    local = entry.offer_expires_at.astimezone(ZoneInfo("Asia/Seoul"))
    expected = f"{local:%Y-%m-%d %H:%M} (Asia/Seoul)"
    assert expected in offer.body and "UTC" not in offer.body
    (html_body, mimetype), = offer.alternatives
    assert mimetype == "text/html" and expected in html_body and entry.order.secret in html_body


def test_an_offer_whose_order_is_submitted_is_accepted_and_a_later_cancel_does_not_lapse_it(alpha):
    event = event_make(slug="taken")
    entry = _offered(event)
    order_complete(order=entry.order, name="Fan", email="fan@example.com", payment_method="",
                   attendees=[Attendee("Fan", "fan@example.com")])
    order_cancel(order=Order.objects.get(pk=entry.order_id), actor=None)
    waiting_list_offer_next(event_id=event.pk)  # what the cancellation queues
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.ACCEPTED
    assert AuditEntry.objects.filter(action="waiting_list.accepted", target_id=str(entry.pk)).exists()
    assert not [m for m in mail.outbox if "released" in m.subject]


def test_accepting_an_offer_at_submission_marks_it_at_once(alpha):
    event = event_make(slug="atonce")
    entry = _offered(event)
    order = order_complete(order=entry.order, name="Fan", email="fan@example.com", payment_method="",
                           attendees=[Attendee("Fan", "fan@example.com")])
    entry.refresh_from_db()  # order_complete accepted it, in its transaction
    assert entry.status == WaitingListEntry.Status.ACCEPTED
    assert AuditEntry.objects.filter(action="waiting_list.accepted", target_id=str(entry.pk)).count() == 1
    assert waiting_list_offer_accept(order=order) == 0  # once


def test_a_lapsed_offer_is_told_politely_and_the_seat_goes_to_the_next_in_line(alpha,
                                                                               django_capture_on_commit_callbacks):
    event = event_make(slug="lapse")
    entry = _offered(event, email="first@example.com")
    second = waiting_list_join(event=event, email="second@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert order_expire_due(now=entry.offer_expires_at + timedelta(minutes=1)) == 1
    entry.refresh_from_db()
    second.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.LAPSED and second.status == WaitingListEntry.Status.OFFERED
    lapsed = [m for m in mail.outbox if m.to == ["first@example.com"]]
    assert len(lapsed) == 1 and "released" in lapsed[0].subject and event.name in lapsed[0].body
    assert lapsed[0].alternatives[0][1] == "text/html"
    assert [m.to for m in mail.outbox if "seat is free" in m.subject] == [["second@example.com"]]


@pytest.mark.committed
def test_offer_runs_at_the_same_time_offer_each_waiting_person_once(django_db_setup, django_db_blocker):
    # Plenty of seats and three people waiting: eight runs at once (a burst of cancellations) must
    # make three offers, not one per run and person, each holding a seat for a day.
    with django_db_blocker.unblock(), committed_organization("wait") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="race")
            ticket_type_make(event, seats=50)
            for index in range(3):
                waiting_list_join(event=event, email=f"fan{index}@example.com")
        connection.set_schema_to_public()
        results = at_once(organization.schema_name, lambda index: waiting_list_offer_next(event_id=event.pk), 8)
        with schema_context(organization.schema_name):
            held = Order.objects.filter(event=event, status=Order.Status.PENDING).count()
            offered = AuditEntry.objects.filter(action="waiting_list.offered").count()
            statuses = set(WaitingListEntry.objects.values_list("status", flat=True))
        assert sum(r for r in results if isinstance(r, int)) == 3, results
        assert held == offered == 3 and statuses == {WaitingListEntry.Status.OFFERED}
