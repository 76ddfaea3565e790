"""What an attendee receives (services.documents, the order e-mail): each attendee's chosen
sessions in the event's time zone, and the online link only once the order is confirmed."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.core import mail
from icalendar import Calendar
from django.utils import timezone
from pypdf import PdfReader

from operations.events.models import Event
from operations.ticketing.models import Order, Session
from operations.ticketing.services.documents import order_ics, session_when, tickets_pdf
from operations.ticketing.services.lifecycle import order_mark_paid
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from operations.ticketing.tasks import order_email_send
from tests.operations.ticketing.builders import event_make, ticket_type_make

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture
def program(org_a, in_schema):
    with in_schema(org_a):
        day = (timezone.now() + dt.timedelta(days=30)).astimezone(SEOUL).date()
        at = lambda hour, minute=0: dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SEOUL)  # noqa: E731
        event = event_make(slug="docs-program", starts_at=at(9), ends_at=at(18),
                           online_url="https://meet.example.com/docs")
        yield {"event": event, "at": at, "free": ticket_type_make(event, name="Free", price="0", seats=20),
               "paid": ticket_type_make(event, name="Paid", price="10", seats=20),
               "keynote": Session.objects.create(event=event, title="Keynote", room="Hall A",
                                                 starts_at=at(10), ends_at=at(11, 30))}


def _registered(program, ticket_type, sessions, *, count=1, method="offline"):
    items = [Item(ticket_type.pk, count, session_ids=[s.pk for s in sessions])]
    order = order_reserve(event=program["event"], items=items)
    return order_complete(order=order, name="Kim Minji", email="minji@example.com", payment_method=method,
                          attendees=[Attendee(f"Guest {n}", f"guest{n}@example.com") for n in range(count)])


def _when(program, hour, minute, end_hour, end_minute) -> str:
    starts = program["at"](hour, minute)
    return f"{starts:%a} {starts.day} {starts:%b %Y}, {hour:02d}:{minute:02d}–{end_hour:02d}:{end_minute:02d}"


def test_a_session_runs_in_the_event_time_zone_with_the_end_date_when_it_ends_another_day(program):
    keynote = program["keynote"]
    assert session_when(keynote, SEOUL) == _when(program, 10, 0, 11, 30)  # 01:00 UTC
    late = Session(title="Late", starts_at=program["at"](23), ends_at=program["at"](23) + dt.timedelta(hours=2))
    ends = late.ends_at.astimezone(SEOUL)
    assert session_when(late, SEOUL).endswith(f"– {ends:%a} {ends.day} {ends:%b %Y}, 01:00")


def test_the_pdf_ticket_lists_the_attendees_sessions(program):
    order = _registered(program, program["free"], [program["keynote"]], count=2)
    pages = PdfReader(io.BytesIO(tickets_pdf(order, organization_name="Alpha"))).pages
    assert len(pages) == 2
    for page in pages:
        text = page.extract_text()
        assert "Keynote" in text and _when(program, 10, 0, 11, 30) in text and "Hall A" in text
        assert "Sessions (Asia/Seoul)" in text


def test_a_pdf_ticket_with_many_sessions_counts_the_rest_and_keeps_its_qr_code(program):
    at = program["at"]
    sessions = [Session.objects.create(event=program["event"], title=f"Talk {n}", room="Room 1",
                                       starts_at=at(9) + dt.timedelta(minutes=30 * n),
                                       ends_at=at(9) + dt.timedelta(minutes=30 * n + 25)) for n in range(15)]
    order = _registered(program, program["free"], sessions)
    page = PdfReader(io.BytesIO(tickets_pdf(order))).pages[0]
    text = page.extract_text()
    assert "Talk 0" in text and "more: see your order page" in text and "Talk 14" not in text
    assert len(page.images) == 1


def test_the_order_email_lists_each_attendees_sessions(program):
    order = _registered(program, program["free"], [program["keynote"]], count=2)
    mail.outbox.clear()
    order_email_send(order_id=order.pk, kind="confirmed")
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert body.count("Keynote") == 2 and body.count(_when(program, 10, 0, 11, 30)) == 2
        assert "Hall A" in body and "Sessions (Asia/Seoul)" in body


@pytest.mark.parametrize("event_format", [Event.Format.ONLINE, Event.Format.HYBRID])
def test_the_order_email_gives_the_online_link_once_the_order_is_confirmed(program, event_format):
    Event.objects.filter(pk=program["event"].pk).update(format=event_format)
    order = _registered(program, program["paid"], [])
    mail.outbox.clear()
    order_email_send(order_id=order.pk, kind="awaiting_payment")
    waiting = mail.outbox[-1]
    # Not even in the calendar links' location: the link is the attendee's access.
    assert "meet.example.com" not in waiting.body and "meet.example.com" not in waiting.alternatives[0][0]
    order_mark_paid(order=order, actor=None)
    order_email_send(order_id=order.pk, kind="confirmed")
    confirmed = mail.outbox[-1]
    assert "Join online: https://meet.example.com/docs" in confirmed.body
    assert '<a href="https://meet.example.com/docs"' in confirmed.alternatives[0][0]
    Event.objects.filter(pk=program["event"].pk).update(format=Event.Format.IN_PERSON)
    order_email_send(order_id=order.pk, kind="resend")
    assert "Join online" not in mail.outbox[-1].body and "Join online" not in mail.outbox[-1].alternatives[0][0]


def test_the_calendar_entry_carries_the_online_link_only_for_a_confirmed_order(program):
    Event.objects.filter(pk=program["event"].pk).update(format=Event.Format.ONLINE)
    order = _registered(program, program["paid"], [])
    order.event.refresh_from_db()
    assert "location" not in next(iter(Calendar.from_ical(order_ics(order)).walk("VEVENT")))
    order = order_mark_paid(order=order, actor=None)
    entry = next(iter(Calendar.from_ical(order_ics(order)).walk("VEVENT")))
    assert str(entry["location"]) == "https://meet.example.com/docs"


def test_calendar_links_give_google_and_outlook_the_event_title_and_its_times_in_utc(program):
    from urllib.parse import parse_qs, urlsplit

    from operations.ticketing.services.documents import calendar_links

    order = _registered(program, program["free"], [])
    day = program["at"](9).date()  # 09:00 in Seoul is 00:00 UTC the same day; 18:00 is 09:00 UTC
    stored = Order.objects.select_related("event").get(pk=order.pk)
    local = Order.objects.select_related("event").get(pk=order.pk)
    local.event.starts_at, local.event.ends_at = program["at"](9), program["at"](18)  # as a form gives them
    for case, checked in (("stored", stored), ("local", local)):
        links = calendar_links(checked)
        google, outlook = urlsplit(links["google"]), urlsplit(links["outlook"])
        query = {name: values[0] for name, values in parse_qs(google.query).items()}
        assert (google.netloc, google.path, query["action"]) == ("calendar.google.com", "/calendar/render",
                                                                 "TEMPLATE"), case
        assert query["text"] == program["event"].name and order.code in query["details"], case
        assert query["dates"] == f"{day:%Y%m%d}T000000Z/{day:%Y%m%d}T090000Z", case
        query = {name: values[0] for name, values in parse_qs(outlook.query).items()}
        assert (outlook.netloc, outlook.path) == ("outlook.live.com", "/calendar/0/deeplink/compose"), case
        assert query["subject"] == program["event"].name, case
        for name, hour in (("startdt", 0), ("enddt", 9)):
            moment = dt.datetime.fromisoformat(query[name])
            assert moment.utcoffset() == dt.timedelta(0), case
            assert moment == dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone.utc), case
