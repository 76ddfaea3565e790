"""The public registration flow over HTTP (Django test client): every bad input of issue 4 gets a
clear message, a 4xx and writes nothing; the happy paths reach a confirmed order with tickets."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.audit.models import AuditEntry
from operations.events.models import Event
from operations.ticketing.models import Order, PromoCode, Ticket, TicketType
from operations.ticketing.services.orders import Item, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def shop(org_a, in_schema, site_client):
    with in_schema(org_a):
        event = event_make(slug="summit", currency="KRW", max_per_order=10)
        general = ticket_type_make(event, name="General", price="30000", seats=5, max_per_order=10)
        free = ticket_type_make(event, name="Community", price="0", seats=5)
        yield {"event": event, "general": general, "free": free, "client": site_client(org_a)}


def _post_choose(shop, **data):
    return shop["client"].post("/register/summit/", data)


def _nothing_written():
    return Order.objects.count() == 0 and not AuditEntry.objects.filter(action__startswith="order.").exists()


def test_choose_page_lists_tickets_with_labels(shop):
    response = shop["client"].get("/register/summit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="qty_%d"' % shop["general"].pk in html and "KRW 30,000" in html and "idempotency_key" in html


def test_the_kept_ticket_page_gives_each_visitor_a_token_and_key_and_follows_every_change(rsvp):
    """The plain ticket page is kept per process (views._choose_kept): each visitor still gets a
    CSRF token that works and a key of their own, and a ticket's new name, the seats left and sold
    out show at once."""
    client = rsvp["client"]
    first = client.get("/register/meetup/").content.decode()
    keys = [re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
            for page in (first, client.get("/register/meetup/").content.decode())]
    assert keys[0] != keys[1] and "\ue011" not in first and "Only 2 left" in first
    TicketType.objects.filter(pk=rsvp["seat"].pk).update(name="Front row")  # no signal: offers are read live
    assert "Front row" in client.get("/register/meetup/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', first).group(1)
    strict = Client(enforce_csrf_checks=True, HTTP_HOST=client.defaults["HTTP_HOST"])
    strict.cookies = client.cookies
    registered = strict.post("/register/meetup/", _one_step_data(rsvp, csrfmiddlewaretoken=token, idempotency_key=keys[0]))
    assert registered.status_code == 302
    assert "Only 1 left" in client.get("/register/meetup/").content.decode()
    order_reserve(event=rsvp["event"], items=[Item(rsvp["seat"].pk, 1)])
    assert 'id="waitlist-title"' in client.get("/register/meetup/").content.decode()


@pytest.mark.parametrize("quantity, code", [("0", "quantity_invalid"), ("-1", "quantity_invalid"),
                                            ("abc", "quantity_invalid"), ("11", "quantity_invalid")])
def test_bad_quantities_are_refused_and_nothing_is_written(shop, quantity, code):
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": quantity})
    assert response.status_code == 400
    assert response.context["error"].code == code
    assert 'role="alert"' in response.content.decode()
    assert _nothing_written()


def test_more_than_the_event_maximum_per_order_is_refused(shop):
    shop["event"].max_per_order = 3
    shop["event"].save()
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "2", f"qty_{shop['free'].pk}": "2"})
    assert response.status_code == 400 and response.context["error"].code == "too_many"
    assert _nothing_written()


@pytest.mark.parametrize("window", ["not_yet", "over"])
def test_sale_not_open_or_closed_is_refused(shop, window):
    now = timezone.now()
    general = shop["general"]
    if window == "not_yet":
        general.sale_starts_at = now + timedelta(days=1)
    else:
        general.sale_ends_at = now - timedelta(minutes=1)
    general.save()
    response = _post_choose(shop, **{f"qty_{general.pk}": "1"})
    assert response.status_code == 400 and response.context["error"].code == "sale_closed"
    assert _nothing_written()


def test_registration_window_closed_is_refused(shop):
    shop["event"].registration_closes_at = timezone.now() - timedelta(hours=1)
    shop["event"].save()
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1"})
    assert response.status_code == 400 and response.context["error"].code == "sale_closed"


def test_sold_out_is_refused_with_409_and_the_waiting_list_is_offered(shop):
    order_reserve(event=shop["event"], items=[Item(shop["general"].pk, 5)])
    before = Order.objects.count()
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1"})
    assert response.status_code == 409 and response.context["error"].code == "sold_out"
    assert Order.objects.count() == before


def test_invalid_promo_code_is_refused(shop):
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1", "promo_code": "NOPE"})
    assert response.status_code == 400 and response.context["error"].code == "promo_invalid"
    assert _nothing_written()


def test_exhausted_promo_code_is_refused_and_its_count_is_unchanged(shop):
    promo = PromoCode.objects.create(event=shop["event"], code="ONCE", value=Decimal(10), max_uses=1)
    PromoCode.objects.filter(pk=promo.pk).update(used_count=1)
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1", "promo_code": "once"})
    assert response.status_code == 400 and response.context["error"].code == "promo_exhausted"
    promo.refresh_from_db()
    assert promo.used_count == 1 and _nothing_written()


def test_tampered_price_is_refused(shop):
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1", f"price_{shop['general'].pk}": "1"})
    assert response.status_code == 400 and response.context["error"].code == "price_mismatch"
    assert _nothing_written()


@pytest.mark.parametrize("price", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999"])
def test_a_price_that_is_not_a_number_is_refused_as_tampered(shop, price):
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1", f"price_{shop['general'].pk}": price})
    assert response.status_code == 400 and response.context["error"].code == "price_mismatch"
    assert _nothing_written()


def test_tampered_ticket_type_id_is_refused(shop, org_a, in_schema):
    other = event_make(slug="other")
    foreign = ticket_type_make(other, seats=5)
    for type_id in (999999, foreign.pk, 10**30):  # 10**30: beyond any integer column
        response = _post_choose(shop, **{f"qty_{type_id}": "1"})
        assert response.status_code == 400 and response.context["error"].code == "ticket_type_unknown"
    assert _nothing_written()


@pytest.mark.parametrize("field", ["idempotency_key", "promo_code", "qty_\x00"])
def test_a_nul_character_in_the_form_is_refused_with_400_and_nothing_written(shop, field):
    data = {f"qty_{shop['free'].pk}": "1", field: "ab\x00c"}
    response = _post_choose(shop, **data)
    assert response.status_code == 400 and "NUL character" in response.content.decode()
    assert _nothing_written()


def test_a_nul_character_in_a_query_string_is_dropped_not_a_500(shop):
    assert shop["client"].get("/register/summit/?promo_code=a%00b").status_code == 200


def test_hidden_ticket_needs_a_code_that_unlocks_it(shop):
    hidden = ticket_type_make(shop["event"], name="Speaker", seats=3, visibility=TicketType.Visibility.HIDDEN)
    response = _post_choose(shop, **{f"qty_{hidden.pk}": "1"})
    assert response.status_code == 400 and response.context["error"].code == "ticket_type_hidden"
    assert _nothing_written()
    promo = PromoCode.objects.create(event=shop["event"], code="SPEAK", value=0)
    promo.unlocks.add(hidden)
    assert str(hidden.pk) in shop["client"].get("/register/summit/?promo_code=speak").content.decode()
    response = _post_choose(shop, **{f"qty_{hidden.pk}": "1", "promo_code": "speak"})
    assert response.status_code == 302 and Order.objects.count() == 1


def test_double_submission_with_one_idempotency_key_makes_one_order(shop):
    data = {f"qty_{shop['general'].pk}": "2", "idempotency_key": "form-123"}
    first = _post_choose(shop, **data)
    second = _post_choose(shop, **data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Order.objects.count() == 1 and Order.objects.get().positions.count() == 2


def _reserve(shop, quantity=2, type_key="free", **kwargs) -> Order:
    return order_reserve(event=shop["event"], items=[Item(shop[type_key].pk, quantity)], **kwargs)


def _details_data(count=2, **overrides):
    data = {"buyer-name": "Kim Minji", "buyer-email": "minji@example.com", "buyer-phone": ""}
    for i in range(1, count + 1):
        data.update({f"a{i}-name": f"Attendee {i}", f"a{i}-email": f"a{i}@example.com"})
    data.update(overrides)
    return data


def test_expired_reservation_is_refused_with_410(shop):
    order = _reserve(shop, now=timezone.now() - timedelta(minutes=16))
    response = shop["client"].post(f"/register/order/{order.secret}/details/", _details_data())
    assert response.status_code == 410 and response.context["error"].code == "reservation_expired"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and not order.email


def test_malformed_email_is_refused_and_nothing_is_written(shop):
    order = _reserve(shop)
    response = shop["client"].post(f"/register/order/{order.secret}/details/", _details_data(**{"buyer-email": "nope@"}))
    assert response.status_code == 400 and "Enter a valid email address" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and not order.email
    assert not order.positions.exclude(attendee_name="").exists()


def test_missing_required_answers_are_refused(shop):
    order = _reserve(shop)
    response = shop["client"].post(f"/register/order/{order.secret}/details/", _details_data(**{"a2-name": ""}))
    assert response.status_code == 400 and "Enter the attendee" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_oversized_upload_is_refused_with_413(shop):
    order = _reserve(shop)
    big = SimpleUploadedFile("cv.pdf", b"x" * (5 * 1024 * 1024 + 1), content_type="application/pdf")
    response = shop["client"].post(f"/register/order/{order.secret}/details/", {**_details_data(), "a1-q-cv": big})
    assert response.status_code == 413 and response.context["error"].code == "upload_too_large"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and not order.email


def test_unknown_order_secret_is_404(shop):
    assert shop["client"].get("/register/order/not-a-real-secret/").status_code == 404


def test_free_group_registration_with_copy_buyer_details_is_confirmed_with_tickets_and_email(
        shop, django_capture_on_commit_callbacks):
    client = shop["client"]
    response = client.post("/register/summit/", {f"qty_{shop['free'].pk}": "2", "idempotency_key": "k1"})
    assert response.status_code == 302 and "/details/" in response["Location"]
    details = client.get(response["Location"])
    assert details.status_code == 200 and 'id="countdown"' in details.content.decode()
    data = _details_data(**{"a1-same_as_buyer": "on", "a1-name": "", "a1-email": ""})
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response["Location"], data)
    assert done.status_code == 302
    order = Order.objects.get()
    assert order.status == Order.Status.CONFIRMED and order.code.startswith("REG-")
    assert [p.attendee_name for p in order.positions.order_by("pk")] == ["Kim Minji", "Attendee 2"]
    assert Ticket.objects.filter(position__order=order).count() == 2
    page = client.get(done["Location"]).content.decode()
    assert order.code in page
    _tickets_show_verifiable_qr_codes(client, order, page)
    assert client.get(f"/register/order/{order.secret}/tickets.pdf").content.startswith(b"%PDF")
    assert b"BEGIN:VCALENDAR" in client.get(f"/register/order/{order.secret}/event.ics").content
    assert len(mail.outbox) == 1
    names = [a[0] for a in mail.outbox[0].attachments]
    assert names == [f"tickets-{order.code}.pdf", f"{order.code}.ics"]


def _tickets_show_verifiable_qr_codes(client, order, page):
    """The page carries each valid ticket's signed payload (drawn as a QR code by tickets.js) and,
    for browsers without JavaScript, an image of the same code from the server."""
    from operations.ticketing.services.signing import signing_public_key_pem, ticket_payload_verify

    tickets = list(Ticket.objects.filter(position__order=order, revoked_at=None).order_by("position_id"))
    payloads = re.findall(r'data-payload="([^"]+)"', page)
    assert len(payloads) == len(tickets) >= 1
    for ticket, payload in zip(tickets, payloads, strict=True):
        assert ticket_payload_verify(html.unescape(payload), signing_public_key_pem())["o"] == order.code
        image = client.get(f"/register/order/{order.secret}/ticket-{ticket.pk}.svg")
        assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"
        assert f"ticket-{ticket.pk}.svg" in page and image.content.startswith(b"<svg")


def test_paid_order_with_offline_payment_awaits_payment(shop, django_capture_on_commit_callbacks):
    order = _reserve(shop, quantity=1, type_key="general")
    with django_capture_on_commit_callbacks(execute=True):
        response = shop["client"].post(f"/register/order/{order.secret}/details/",
                                       _details_data(count=1, payment_method="offline"))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and order.total == Decimal("30000")
    assert mail.outbox and not mail.outbox[0].attachments


def test_waiting_list_join_when_sold_out(shop):
    from operations.ticketing.models import WaitingListEntry

    response = shop["client"].post("/register/summit/waiting-list/", {"email": "wait@example.com", "name": "W"})
    assert response.status_code == 302
    assert WaitingListEntry.objects.filter(email="wait@example.com").count() == 1
    bad = shop["client"].post("/register/summit/waiting-list/", {"email": "nope"})
    assert bad.status_code == 400


def test_registration_pages_show_their_own_title_and_waiting_messages_around_a_kept_frame(shop):
    """The frame of registration pages is kept per process (portal/shell.py): titles and messages
    are still each page's own."""
    client = shop["client"]
    client.get("/register/summit/")  # the frame is kept from here on
    shop["event"].name = "Summit <2027>"
    shop["event"].save()
    page = client.get("/register/summit/").content.decode()
    assert "<title>Register · Summit &lt;2027&gt; · " in page
    client.post("/register/summit/waiting-list/", {"email": "wait@example.com", "name": "W"})
    page = client.get("/register/summit/").content.decode()
    assert "You are on the waiting list" in page and page.count("<title>") == 1


def test_custom_questions_required_answer_missing_is_refused_then_stored_with_definition(shop):
    from cms.models.registration import RegistrationForm, RegistrationQuestion

    form = RegistrationForm.objects.create(event=shop["event"])
    question = RegistrationQuestion(form=form, label="Dietary needs", field_type="short_text", required=True)
    question.save()
    order = _reserve(shop, quantity=1)
    url = f"/register/order/{order.secret}/details/"
    assert f'name="a1-q-{question.clean_name}"' in shop["client"].get(url).content.decode()
    missing = shop["client"].post(url, _details_data(count=1))
    assert missing.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and not order.positions.get().answers
    done = shop["client"].post(url, _details_data(count=1, **{f"a1-q-{question.clean_name}": "Vegetarian"}))
    assert done.status_code == 302
    answers = order.positions.get().answers
    assert answers[question.clean_name]["value"] == "Vegetarian" and answers[question.clean_name]["label"] == "Dietary needs"


def test_a_completed_events_ticket_page_says_registration_is_closed_and_refuses_orders(shop):
    shop["event"].status = Event.Status.COMPLETED
    shop["event"].save()
    page = shop["client"].get("/register/summit/")
    assert page.status_code == 200 and "Registration for this event is not open." in page.content.decode()
    response = _post_choose(shop, **{f"qty_{shop['free'].pk}": "1"})
    assert response.status_code == 400 and response.context["error"].code == "sale_closed"
    assert _nothing_written()


def test_a_completed_event_takes_no_one_on_its_waiting_list(shop):
    from operations.ticketing.models import WaitingListEntry

    shop["event"].status = Event.Status.COMPLETED
    shop["event"].save()
    response = shop["client"].post("/register/summit/waiting-list/", {"email": "late@example.com", "name": "L"})
    assert response.status_code == 400 and response.context["error"].code == "sale_closed"
    assert not WaitingListEntry.objects.exists()


def test_a_used_up_code_unlocks_nothing(shop):
    secret = ticket_type_make(shop["event"], name="Secret VIP", price="0", seats=5,
                              visibility=TicketType.Visibility.HIDDEN)
    promo = PromoCode.objects.create(event=shop["event"], code="VIP", value=Decimal(0), max_uses=1)
    promo.unlocks.add(secret)
    assert "Secret VIP" in shop["client"].get("/register/summit/?promo_code=vip").content.decode()
    PromoCode.objects.filter(pk=promo.pk).update(used_count=1)
    page = shop["client"].get("/register/summit/?promo_code=vip").content.decode()
    assert "Secret VIP" not in page and "not valid" in page


def _cv_question(shop):
    from cms.models.registration import RegistrationForm, RegistrationQuestion

    form = RegistrationForm.objects.create(event=shop["event"])
    question = RegistrationQuestion(form=form, label="CV", field_type="file", allowed_extensions="pdf", max_upload_mb=1)
    question.save()
    return question


def _cv():
    return SimpleUploadedFile("cv.pdf", b"%PDF-1.4 my career", content_type="application/pdf")


def test_an_uploaded_answer_is_kept_with_the_order(shop):
    from operations.ticketing.answer_files import answer_files_storage

    question = _cv_question(shop)
    order = _reserve(shop, quantity=1)
    done = shop["client"].post(f"/register/order/{order.secret}/details/",
                               _details_data(count=1, **{f"a1-q-{question.clean_name}": _cv()}))
    assert done.status_code == 302
    answer = order.positions.get().answers[question.clean_name]
    assert answer["value"] == "cv.pdf"
    with answer_files_storage().open(answer["file"]) as kept:
        assert kept.read() == b"%PDF-1.4 my career"


def test_the_files_of_a_refused_registration_are_not_kept(shop, monkeypatch):
    from operations.ticketing.answer_files import answer_files_storage

    from cms import registration

    question = _cv_question(shop)
    stored = []
    keep = registration.answer_files_store
    monkeypatch.setattr(registration, "answer_files_store", lambda *args: stored.extend(keep(*args)) or stored)
    order = _reserve(shop, quantity=1, now=timezone.now() - timedelta(minutes=16))  # its hold ran out
    response = shop["client"].post(f"/register/order/{order.secret}/details/",
                                   _details_data(count=1, **{f"a1-q-{question.clean_name}": _cv()}))
    assert response.status_code == 410
    assert stored and not any(answer_files_storage().exists(path) for path in stored)


def test_attendee_transfers_a_ticket_before_the_deadline_and_the_old_code_is_revoked(shop):
    from operations.ticketing.services.orders import Attendee, order_complete

    shop["event"].attendee_edit_until = timezone.now() + timedelta(days=1)
    shop["event"].save()
    order = order_complete(order=_reserve(shop, quantity=1), name="Kim", email="kim@example.com",
                           attendees=[Attendee("Kim", "kim@example.com")])
    position = order.positions.get()
    old = position.tickets.get()
    assert "Transfer to this person" in shop["client"].get(f"/register/order/{order.secret}/").content.decode()
    response = shop["client"].post(f"/register/order/{order.secret}/attendee/{position.pk}/",
                                   {"action": "transfer", "name": "Park", "email": "park@example.com"})
    assert response.status_code == 302
    old.refresh_from_db()
    new = position.tickets.get(revoked_at=None)
    assert old.revoked_at is not None and new.code != old.code
    assert shop["client"].get(f"/register/order/{order.secret}/ticket-{old.pk}.svg").status_code == 404
    assert shop["client"].get(f"/register/order/{order.secret}/ticket-{new.pk}.svg").status_code == 200
    position.refresh_from_db()
    assert position.attendee_name == "Park"


def test_attendee_cannot_edit_after_the_deadline(shop):
    from operations.ticketing.services.orders import Attendee, order_complete

    order = order_complete(order=_reserve(shop, quantity=1), name="Kim", email="kim@example.com",
                           attendees=[Attendee("Kim", "kim@example.com")])
    position = order.positions.get()
    response = shop["client"].post(f"/register/order/{order.secret}/attendee/{position.pk}/",
                                   {"action": "edit", "name": "X", "email": "x@example.com"})
    assert response.status_code == 400 and response.context["error"].code == "edit_not_allowed"
    position.refresh_from_db()
    assert position.attendee_name == "Kim"


def test_another_organizations_site_cannot_open_the_order_or_its_tickets(shop, org_b, site_client):
    from operations.ticketing.services.orders import Attendee, order_complete

    order = order_complete(order=_reserve(shop, quantity=1), name="Kim", email="kim@example.com",
                           attendees=[Attendee("Kim", "kim@example.com")])
    other = site_client(org_b)
    ticket = Ticket.objects.get(position__order=order)
    for path in ("/", "/tickets.pdf", "/event.ics", f"/ticket-{ticket.pk}.svg"):
        assert other.get(f"/register/order/{order.secret}{path}").status_code == 404
    assert other.get("/register/summit/").status_code == 404


def test_partly_available_quantity_says_how_many_are_left(shop):
    order_reserve(event=shop["event"], items=[Item(shop["general"].pk, 4)])
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "2"})
    assert response.status_code == 409 and "Only 1 seat is left." in response.content.decode()


@pytest.fixture
def rsvp(org_a, in_schema, site_client):
    """An event with one free seat per person and nothing to ask: registration in one step."""
    with in_schema(org_a):
        event = event_make(slug="meetup", currency="KRW")
        seat = ticket_type_make(event, name="Seat", price="0", seats=2, max_per_order=1)
        yield {"event": event, "seat": seat, "client": site_client(org_a)}


def _one_step_data(rsvp, **overrides):
    data = {"flow": "one_step", "idempotency_key": "one", f"qty_{rsvp['seat'].pk}": "1",
            "buyer-name": "Kim Minji", "buyer-email": "minji@example.com", "buyer-phone": ""}
    return {**data, **overrides}


def test_one_free_seat_with_nothing_to_ask_is_registered_in_one_step(rsvp, django_capture_on_commit_callbacks):
    client = rsvp["client"]
    page = client.get("/register/meetup/").content.decode()
    assert 'name="flow" value="one_step"' in page and 'for="id_buyer-email"' in page and ">Register</button>" in page
    assert re.search(r'<option value="1" selected>', page)  # the only ticket there is comes chosen
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/register/meetup/", _one_step_data(rsvp))
    assert response.status_code == 302 and "/details/" not in response["Location"]
    order = Order.objects.get()
    assert order.status == Order.Status.CONFIRMED and (order.name, order.email) == ("Kim Minji", "minji@example.com")
    assert [(p.attendee_name, p.attendee_email) for p in order.positions.all()] == [("Kim Minji", "minji@example.com")]
    _tickets_show_verifiable_qr_codes(client, order, client.get(response["Location"]).content.decode())
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["minji@example.com"]
    again = client.post("/register/meetup/", _one_step_data(rsvp))  # the same form sent twice
    assert again["Location"] == response["Location"] and Order.objects.count() == 1


def test_a_broker_outage_after_the_registration_commits_still_shows_the_confirmation(rsvp, monkeypatch, caplog,
                                                                                     django_capture_on_commit_callbacks):
    """The confirmation e-mail is queued after the commit; a broker that cannot be reached then
    leaves the order standing and the buyer on their confirmation (it answered 500), and says so."""
    from kombu.exceptions import OperationalError

    from operations.ticketing.tasks import order_email_send

    def unreachable(**kwargs):
        raise OperationalError("Error 111 connecting to broker")

    monkeypatch.setattr(order_email_send, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        response = rsvp["client"].post("/register/meetup/", _one_step_data(rsvp))
    assert response.status_code == 302 and Order.objects.get().status == Order.Status.CONFIRMED
    assert "broker unreachable" in caplog.text and "order_email_send" in caplog.text
    assert rsvp["client"].get(response["Location"]).status_code == 200


def test_tickets_not_emailed_because_the_broker_was_down_go_out_with_the_catch_up_once(
        rsvp, monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from operations.ticketing.services.lifecycle import order_emails_catch_up
    from operations.ticketing.tasks import order_email_send

    def unreachable(**kwargs):
        raise OperationalError("Error 111 connecting to broker")

    with monkeypatch.context() as outage:
        outage.setattr(order_email_send, "apply_async", unreachable)
        with django_capture_on_commit_callbacks(execute=True):
            rsvp["client"].post("/register/meetup/", _one_step_data(rsvp))
    order = Order.objects.get()
    assert order.status == Order.Status.CONFIRMED and order.tickets_emailed_at is None and not mail.outbox
    assert order_emails_catch_up() == 0  # its first e-mail may still be on its way
    later = timezone.now() + timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        assert order_emails_catch_up(now=later) == 1
    (sent,) = mail.outbox
    assert order.code in sent.subject and any(name.endswith(".pdf") for name, _, _ in sent.attachments)
    order.refresh_from_db()
    assert order.tickets_emailed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert order_emails_catch_up(now=later) == 0
        order_email_send(order_id=order.pk, kind="confirmed")  # a late first task sends nothing more
    assert len(mail.outbox) == 1
    assert order_emails_catch_up(now=timezone.now() + timedelta(days=2)) == 0  # past the day: the organizer resends


def test_a_tickets_email_that_fails_to_send_is_left_for_the_catch_up(rsvp, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    from operations.ticketing.services.lifecycle import order_emails_catch_up
    from operations.ticketing.tasks import order_email_send

    rsvp["client"].post("/register/meetup/", _one_step_data(rsvp))  # (its e-mail was not run here)
    order = Order.objects.get()

    def refused(self, fail_silently=False):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(ConnectionRefusedError):
        order_email_send.run(order_id=order.pk, kind="confirmed")
    order.refresh_from_db()
    assert order.tickets_emailed_at is None
    assert order_emails_catch_up(now=timezone.now() + timedelta(minutes=6)) == 1


def test_the_last_seat_sent_twice_gives_the_first_order_not_sold_out(rsvp):
    """The repeated form is refused like any other (its own seat fills the event) and answered with
    the order of the first submission."""
    order_reserve(event=rsvp["event"], items=[Item(rsvp["seat"].pk, 1)])
    first = rsvp["client"].post("/register/meetup/", _one_step_data(rsvp))
    again = rsvp["client"].post("/register/meetup/", _one_step_data(rsvp))
    assert first.status_code == again.status_code == 302 and again["Location"] == first["Location"]
    order = Order.objects.get(idempotency_key="one")
    assert Order.objects.count() == 2 and order.status == Order.Status.CONFIRMED


def test_a_one_step_registration_writes_its_order_once_already_confirmed_and_audits_it_once(rsvp):
    """No pending order that is then updated: one INSERT of the confirmed order, one audit entry
    (nothing before it, the confirmed order after), and the attendee's copy for "My tickets"."""
    from operations.accounts.models import AttendeeOrder

    with CaptureQueriesContext(connection) as queries:
        response = rsvp["client"].post("/register/meetup/", _one_step_data(rsvp))
    assert response.status_code == 302
    order = Order.objects.get()
    order_writes = [q["sql"].split(" (")[0] for q in queries.captured_queries if '"ticketing_order"' in q["sql"].split(" (")[0]
                    and q["sql"].startswith(("INSERT", "UPDATE"))]
    assert order_writes == ['INSERT INTO "ticketing_order"'], order_writes
    entry = AuditEntry.objects.get(target_id=str(order.pk))
    assert (entry.action, entry.before, entry.after["status"]) == ("order.confirmed", None, "confirmed")
    assert AttendeeOrder.objects.get(order_id=order.pk).status == "confirmed"


def test_events_with_group_tickets_keep_the_steps(shop):
    page = shop["client"].get("/register/summit/").content.decode()
    assert 'value="one_step"' not in page and "Reserve for 15 minutes" in page


@pytest.mark.parametrize("overrides, status, code", [
    ({"buyer-email": "not-an-address"}, 400, "form_invalid"),
    ({"buyer-name": ""}, 400, "form_invalid"),
    ({"qty_SEAT": "0"}, 400, "quantity_invalid"),
    ({"qty_SEAT": "2"}, 400, "quantity_invalid"),
])
def test_one_step_bad_input_is_refused_and_nothing_is_written(rsvp, overrides, status, code):
    overrides = {key.replace("SEAT", str(rsvp["seat"].pk)): value for key, value in overrides.items()}
    response = rsvp["client"].post("/register/meetup/", _one_step_data(rsvp, **overrides))
    assert response.status_code == status and response.context["error"].code == code
    assert 'role="alert"' in response.content.decode()
    assert _nothing_written()


def test_one_step_when_sold_out_is_refused_with_409_and_writes_nothing(rsvp):
    for index in range(2):
        order_reserve(event=rsvp["event"], items=[Item(rsvp["seat"].pk, 1)])
    response = rsvp["client"].post("/register/meetup/", _one_step_data(rsvp))
    assert response.status_code == 409 and response.context["error"].code == "sold_out"
    assert "Sold out" in response.content.decode() and Order.objects.count() == 2


def test_a_one_step_form_for_a_paid_ticket_is_refused_and_rolled_back(shop):
    """A crafted form: the seat and the promo code's use taken inside the transaction are given back."""
    promo = PromoCode.objects.create(event=shop["event"], code="HALF", kind=PromoCode.Kind.PERCENT, value=50, max_uses=5)
    response = shop["client"].post("/register/summit/", {
        "flow": "one_step", f"qty_{shop['general'].pk}": "1", "promo_code": "HALF",
        "buyer-name": "Kim Minji", "buyer-email": "minji@example.com"})
    assert response.status_code == 400 and response.context["error"].code == "one_step_unavailable"
    promo.refresh_from_db()
    assert _nothing_written() and promo.used_count == 0


def test_a_one_step_form_cannot_skip_a_tickets_required_questions(rsvp):
    from cms.models.registration import RegistrationForm, RegistrationQuestion

    form = RegistrationForm.objects.create(event=rsvp["event"])
    RegistrationQuestion(form=form, label="Dietary needs", field_type="short_text", required=True).save()
    page = rsvp["client"].get("/register/meetup/").content.decode()
    assert 'value="one_step"' not in page and "Reserve for 15 minutes" in page
    response = rsvp["client"].post("/register/meetup/", _one_step_data(rsvp))
    assert response.status_code == 400 and response.context["error"].code == "one_step_unavailable"
    assert _nothing_written()


def test_the_ticket_page_shows_and_charges_the_early_price_until_it_ends(shop):
    general = shop["general"]
    general.early_price, general.early_until = Decimal("25000"), timezone.now() + timedelta(days=1)
    general.save()
    page = shop["client"].get("/register/summit/").content.decode()
    assert '<p class="price">KRW 25,000</p>' in page and "Early-bird price until" in page and "then KRW 30,000" in page
    shown = re.search(rf'name="price_{general.pk}" value="([^"]+)"', page).group(1)
    response = _post_choose(shop, **{f"qty_{general.pk}": "1", f"price_{general.pk}": shown})
    assert response.status_code == 302 and Order.objects.get().total == Decimal("25000")
    TicketType.objects.filter(pk=general.pk).update(early_until=timezone.now() - timedelta(seconds=1))
    page = shop["client"].get("/register/summit/").content.decode()
    assert "KRW 30,000" in page and "KRW 25,000" not in page and "Early-bird" not in page


def test_a_ticket_not_yet_on_sale_says_from_when_and_is_not_called_sold_out(shop):
    starts = timezone.now() + timedelta(days=2)
    TicketType.objects.filter(event=shop["event"]).update(sale_starts_at=starts)
    page = shop["client"].get("/register/summit/").content.decode()
    assert page.count("On sale from") == 2 and 'id="waitlist-title"' not in page and "Sold out" not in page


def test_applying_a_promo_code_says_what_it_does_and_carries_it_into_the_order(shop):
    promo = PromoCode.objects.create(event=shop["event"], code="SPRING", kind=PromoCode.Kind.PERCENT, value=Decimal(10))
    promo.ticket_types.add(shop["general"])
    page = shop["client"].get("/register/summit/?promo_code=spring").content.decode()  # a link with the code
    assert "Code SPRING applied: 10% off General." in page and 'name="promo_code" value="spring"' in page
    applied = _post_choose(shop, **{f"qty_{shop['general'].pk}": "2", "promo_code": "spring", "apply_promo": "1"})
    assert applied.status_code == 200 and "Code SPRING applied" in applied.content.decode()
    assert applied.context["offers"][0]["quantity"] == "2" and not Order.objects.exists()  # kept, nothing held
    # Enter in a field presses "Apply" (the first button): with no code the visitor goes on.
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1", "promo_code": "", "apply_promo": "1"})
    assert response.status_code == 302
    Order.objects.all().delete()
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1", "promo_code": "spring"})
    assert response.status_code == 302 and Order.objects.get().discount == Decimal("3000")
    PromoCode.objects.filter(pk=promo.pk).update(max_uses=1, used_count=1)
    page = shop["client"].get("/register/summit/?promo_code=SPRING").content.decode()
    assert "This promo code is not valid for this event, or it has been used up." in page
    assert "not valid" in shop["client"].get("/register/summit/?promo_code=NOPE").content.decode()


@pytest.mark.parametrize("visibility", [TicketType.Visibility.PROMO_ONLY, TicketType.Visibility.HIDDEN])
def test_a_ticket_only_a_code_unlocks_is_not_listed_without_it_nor_sold(shop, visibility):
    special = ticket_type_make(shop["event"], name="Speaker pass", seats=3, visibility=visibility)
    promo = PromoCode.objects.create(event=shop["event"], code="SPEAK", value=0)
    promo.unlocks.add(special)
    PromoCode.objects.create(event=shop["event"], code="TENOFF", value=10)  # a code that unlocks nothing
    for query in ("", "?promo_code=tenoff"):
        page = shop["client"].get(f"/register/summit/{query}").content.decode()
        assert "General" in page and "Speaker pass" not in page and f"qty_{special.pk}" not in page, query
    assert "Speaker pass" in shop["client"].get("/register/summit/?promo_code=speak").content.decode()
    response = _post_choose(shop, **{f"qty_{special.pk}": "1", "promo_code": "tenoff"})
    assert response.status_code == 400 and response.context["error"].code == "ticket_type_hidden"
    assert _nothing_written()


def test_fewer_tickets_than_the_minimum_per_order_are_refused_and_nothing_is_written(shop):
    TicketType.objects.filter(pk=shop["general"].pk).update(min_per_order=2)
    response = _post_choose(shop, **{f"qty_{shop['general'].pk}": "1"})
    assert response.status_code == 400 and response.context["error"].code == "quantity_invalid"
    assert _nothing_written()
