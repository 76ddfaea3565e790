"""What the registration pages show: sessions (when, where, who) on the ticket page and each
attendee's chosen sessions after registration, the hold in the event's time zone with a timer that
screen readers hear only at thresholds, the online link for confirmed orders only, and the script
that shows conditional questions only while their condition holds."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from operations.events.models import Event
from operations.ticketing.models import Order, Session
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SEOUL)


def _day(moment: dt.datetime) -> str:
    """As the pages print a day: "Sat 22 Nov 2026"."""
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


@pytest.fixture
def program(org_a, in_schema, site_client):
    """An event in Seoul with two sessions on its day, one ticket type."""
    with in_schema(org_a):
        day = (timezone.now() + dt.timedelta(days=30)).astimezone(SEOUL).date()
        event = event_make(slug="program", starts_at=_local(day, 9), ends_at=_local(day, 18),
                           online_url="https://meet.example.com/program")
        general = ticket_type_make(event, name="General", price="0", seats=20)
        keynote = Session.objects.create(event=event, title="Keynote", room="Hall A", speakers="Ada Lovelace",
                                         starts_at=_local(day, 10), ends_at=_local(day, 11, 30))
        workshop = Session.objects.create(event=event, title="Workshop", room="Room 3",
                                          starts_at=_local(day, 13), ends_at=_local(day, 14, 15))
        yield {"event": event, "general": general, "keynote": keynote, "workshop": workshop, "day": day,
               "client": site_client(org_a)}


def _registered(program, count: int, sessions: list[Session]) -> Order:
    order = order_reserve(event=program["event"],
                          items=[Item(program["general"].pk, count, session_ids=[s.pk for s in sessions])])
    return order_complete(order=order, name="Kim Minji", email="minji@example.com",
                          attendees=[Attendee(f"Guest {n}", f"guest{n}@example.com") for n in range(count)])


def _page_queries(client, url: str) -> tuple[str, list[str]]:
    client.get(url)  # warm: the host's route and the signing key are kept after the first page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries
                                       if not q["sql"].startswith("SET search_path")]


def test_the_ticket_page_shows_each_sessions_day_start_end_room_and_speakers(program):
    page = program["client"].get("/register/program/").content.decode()
    day = _day(_local(program["day"], 10))
    assert f"{day}, 10:00–11:30" in page and "Hall A" in page and "with Ada Lovelace" in page
    assert f"{day}, 13:00–14:15" in page and "Room 3" in page
    assert "Times in Asia/Seoul" in page


def test_the_details_page_lists_the_sessions_each_attendee_chose(program):
    order = order_reserve(event=program["event"],
                          items=[Item(program["general"].pk, 2, session_ids=[program["workshop"].pk])])
    page = program["client"].get(reverse("registration:details", args=[order.secret])).content.decode()
    fieldsets = re.findall(r"<fieldset><legend>Attendee \d.*?</fieldset>", page, re.S)
    assert len(fieldsets) == 2
    for fieldset in fieldsets:
        assert "Workshop" in fieldset and f"{_day(_local(program['day'], 13))}, 13:00–14:15" in fieldset
        assert "Room 3" in fieldset and "Keynote" not in fieldset


def test_the_order_page_lists_chosen_sessions_in_one_query_whatever_the_attendees(program):
    """The sessions of all attendees are read at once: three attendees with two sessions each cost
    what one attendee with one session costs."""
    client = program["client"]
    small = _registered(program, 1, [program["keynote"]])
    large = _registered(program, 3, [program["keynote"], program["workshop"]])
    small_url, large_url = (reverse("registration:order", args=[o.secret]) for o in (small, large))
    client.get(large_url)
    small_page, small_queries = _page_queries(client, small_url)
    large_page, large_queries = _page_queries(client, large_url)
    assert len(large_queries) == len(small_queries), "\n".join(large_queries)
    day = _day(_local(program["day"], 10))
    assert f"{day}, 10:00–11:30" in small_page and "Hall A" in small_page and "Workshop" not in small_page
    assert large_page.count(f"{day}, 13:00–14:15") == 3 and large_page.count("Keynote") == 3
    assert "Asia/Seoul" in large_page


def test_the_order_page_lists_sessions_of_an_order_without_tickets_yet(program):
    order = order_reserve(event=program["event"], items=[Item(program["general"].pk, 1,
                                                              session_ids=[program["keynote"].pk])])
    page = program["client"].get(reverse("registration:order", args=[order.secret])).content.decode()
    assert "Keynote" in page and "Hall A" in page


def test_the_hold_ends_in_the_event_time_zone_and_the_timer_is_never_a_live_region(program):
    order = order_reserve(event=program["event"], items=[Item(program["general"].pk, 1)])
    page = program["client"].get(reverse("registration:details", args=[order.secret])).content.decode()
    local_end = order.expires_at.astimezone(SEOUL)
    assert f">{local_end:%H:%M}</time> (Asia/Seoul)" in page and " UTC" not in page
    timer = re.search(r'<span id="countdown"[^>]*>', page).group(0)
    assert 'role="timer"' in timer and 'aria-live="off"' in timer
    assert re.search(r'<p class="visually-hidden" id="hold-announce" role="status" aria-live="polite"', page)
    # The script announces at thresholds in the separate region and never makes the timer live.
    assert 'setAttribute("aria-live"' not in page and "[300, 120, 60]" in page
    assert re.search(r'id="countdown"[^>]*>\d+ min</span> left', page)  # without JavaScript


@pytest.mark.parametrize("event_format", [Event.Format.ONLINE, Event.Format.HYBRID])
def test_the_online_link_is_shown_to_confirmed_orders_of_online_and_hybrid_events_only(program, event_format):
    Event.objects.filter(pk=program["event"].pk).update(format=event_format)
    client, link = program["client"], 'href="https://meet.example.com/program"'
    pending = order_reserve(event=program["event"], items=[Item(program["general"].pk, 1)])
    assert link not in client.get(reverse("registration:order", args=[pending.secret])).content.decode()
    confirmed = _registered(program, 1, [])
    url = reverse("registration:order", args=[confirmed.secret])
    assert link in client.get(url).content.decode()
    Event.objects.filter(pk=program["event"].pk).update(format=Event.Format.IN_PERSON)
    assert 'data-testid="online-access"' not in client.get(url).content.decode()


def test_the_admin_order_shows_each_attendees_sessions(program, member, site_client, org_a):
    order = _registered(program, 2, [program["keynote"]])
    client = site_client(org_a, member(org_a, "admin"))
    page = client.get(reverse("ticketing_order", args=[order.pk])).content.decode()
    assert page.count("Keynote") == 2 and page.count(f"{_day(_local(program['day'], 10))}, 10:00–11:30") == 2
    assert "Hall A" in page


def test_two_sessions_at_the_same_time_cannot_both_be_chosen(program):
    from operations.ticketing.errors import OrderError

    day = program["day"]
    clash = Session.objects.create(event=program["event"], title="Lab", starts_at=_local(day, 11),
                                   ends_at=_local(day, 12))
    with pytest.raises(OrderError) as error:
        _registered(program, 1, [program["keynote"], clash])
    assert error.value.code == "session_overlap" and "Keynote" in error.value.message
    assert not Order.objects.exists()
    assert _registered(program, 1, [program["keynote"], program["workshop"]]).positions.get().sessions.count() == 2


def test_the_details_page_loads_the_conditional_questions_script_from_our_static_files(program):
    from django.contrib.staticfiles import finders

    from cms.models.registration import RegistrationForm, RegistrationQuestion

    form = RegistrationForm.objects.create(event=program["event"])
    diet = RegistrationQuestion(form=form, label="Diet", field_type="radio", choices="None\nOther")
    diet.save()
    RegistrationQuestion(form=form, label="Which diet", show_if_question=diet.clean_name, show_if_value="Other").save()
    order = order_reserve(event=program["event"], items=[Item(program["general"].pk, 2)])
    page = program["client"].get(reverse("registration:details", args=[order.secret])).content.decode()
    assert '<script src="/static/cms/registration.js" defer></script>' in page and finders.find("cms/registration.js")
    assert re.search(r'<form [^>]*class="[^"]*\bregistration\b', page)  # the forms the script looks after
    for attendee in ("a1", "a2"):  # each condition names its own attendee's field, inside a hideable holder
        assert re.search(rf'<div class="field" data-question="which_diet">\s*<label[^>]*>Which diet:</label>'
                         rf'<input [^>]*data-show-if="{attendee}-q-{diet.clean_name}" data-show-value="Other"', page)


def test_the_order_page_of_an_order_without_sessions_does_not_look_for_them(program):
    order = _registered(program, 2, [])
    page, queries = _page_queries(program["client"], f"/register/order/{order.secret}/")
    picks = 'SELECT "ticketing_orderposition_sessions"'  # the read of the chosen sessions
    assert "Guest 1" in page and not [q for q in queries if q.startswith(picks)]
    chosen = _registered(program, 1, [program["keynote"]])
    page, queries = _page_queries(program["client"], f"/register/order/{chosen.secret}/")
    assert "Keynote" in page and len([q for q in queries if q.startswith(picks)]) == 1


def test_the_details_page_of_a_reservation_without_sessions_does_not_look_for_them(program):
    order = order_reserve(event=program["event"], items=[Item(program["general"].pk, 2)])
    page, queries = _page_queries(program["client"], f"/register/order/{order.secret}/details/")
    assert "Attendee 2" in page or "attendee 2" in page.lower()
    assert not [q for q in queries if q.startswith('SELECT "ticketing_orderposition_sessions"')]
