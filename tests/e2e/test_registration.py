"""A phone registers two attendees with custom questions, for a free event and for an offline
payment event, over a real server; tickets carry a QR code whose signed payload verifies, and the
e-mail captured by a real SMTP server carries the PDF tickets and an .ics that icalendar parses.
A free event with one seat per person and no questions registers in one step. A conditional
question shows only while its controlling answer is chosen, on the details page and when the
attendee changes their answers on the order page. A promo code is applied on the ticket page, and
self-cancellation asks first."""

import email
import io
import threading
import time
import urllib.request
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.harness import ServerProcess, _free_port, committed_organization

pytestmark = pytest.mark.committed


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, predicate, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [m for m in self.messages if predicate(m)]
            if found:
                return found[0]
            time.sleep(0.2)
        raise AssertionError(f"no matching e-mail; got {[m['Subject'] for m in self.messages]}")


def _smtp_server(port: int) -> ServerProcess:
    """The harness's server with settings that send real SMTP."""
    return ServerProcess(extra_env={"DJANGO_SETTINGS_MODULE": "tests.e2e.registration_settings",
                                    "EMAIL_URL": f"smtp://127.0.0.1:{port}"})


def _prepare(organization):
    from cms.models.registration import RegistrationForm, RegistrationQuestion
    from operations.events.models import Event
    from operations.ticketing.models import Quota, TicketType

    events = {}
    with schema_context(organization.schema_name):
        now = timezone.now()
        for slug, price in (("free-meetup", 0), ("paid-workshop", 25)):
            event = Event.objects.create(name=slug.replace("-", " ").title(), slug=slug, status=Event.Status.PUBLISHED,
                                         currency="EUR", starts_at=now + timedelta(days=10),
                                         ends_at=now + timedelta(days=10, hours=2), timezone="Europe/Berlin",
                                         offline_payment_instructions="IBAN DE00 1234")
            ticket_type = TicketType.objects.create(event=event, name="Seat", price=price)
            ticket_type.quotas.add(Quota.objects.create(event=event, name="Room", size=20))
            form = RegistrationForm.objects.create(event=event)
            question = RegistrationQuestion(form=form, label="Company", field_type="short_text", required=True)
            question.save()
            events[slug] = (event, question.clean_name)
        rsvp = Event.objects.create(name="Open Lecture", slug="open-lecture", status=Event.Status.PUBLISHED,
                                    currency="EUR", starts_at=now + timedelta(days=12),
                                    ends_at=now + timedelta(days=12, hours=1), timezone="Europe/Berlin")
        seat = TicketType.objects.create(event=rsvp, name="Seat", price=0, max_per_order=1)
        seat.quotas.add(Quota.objects.create(event=rsvp, name="Lecture hall", size=20))
    return events


def _register(phone, base, slug, clean_name):
    phone.goto(f"{base}/register/{slug}/")
    phone.get_by_label("Seat").select_option("2")
    phone.get_by_role("button", name="Reserve for 15 minutes").click()
    phone.wait_for_url("**/details/")
    assert phone.locator("#countdown").is_visible()
    phone.get_by_role("textbox", name="Full name:", exact=True).fill("Kim Minji")
    phone.locator("[name=\"buyer-email\"]").fill("minji@example.com")
    phone.locator('[name="a1-same_as_buyer"]').check()
    phone.locator('[name="a2-name"]').fill("Aroha Ngata")
    phone.locator('[name="a2-email"]').fill("aroha@example.com")
    phone.locator(f'[name="a1-q-{clean_name}"]').fill("Tessera Ltd")
    phone.locator(f'[name="a2-q-{clean_name}"]').fill("Jazz Club")
    phone.get_by_role("button", name="Complete registration").click()
    phone.wait_for_url("**/register/order/**")


def _qr_payload_verifies(phone, public_key_pem, tickets=2):
    import zxingcpp
    from PIL import Image

    from operations.ticketing.services.signing import ticket_payload_verify

    qrs = phone.locator(".qr")
    assert qrs.count() == tickets
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(qrs.first.screenshot())))
    assert results, "the QR code did not decode"
    return ticket_payload_verify(results[0].text, public_key_pem)


def _attachments_check(message, code):
    from icalendar import Calendar

    parts = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(parts) == {f"tickets-{code}.pdf", f"{code}.ics"}
    assert parts[f"tickets-{code}.pdf"].get_content().startswith(b"%PDF")
    ics = parts[f"{code}.ics"].get_content()
    calendar = Calendar.from_ical(ics if isinstance(ics, (bytes, str)) else bytes(ics))
    assert len(calendar.walk("VEVENT")) == 1
    assert message.get_body(preferencelist=("html",)) is not None and message.get_body(preferencelist=("plain",)) is not None


def test_phone_registers_two_attendees_for_a_free_and_an_offline_payment_event(django_db_setup, django_db_blocker, phone):
    from operations.ticketing.models import Order
    from operations.ticketing.services.lifecycle import order_mark_paid

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    try:
        with django_db_blocker.unblock(), committed_organization("e2e-reg") as organization:
            events = _prepare(organization)
            connection.set_schema_to_public()
            server = _smtp_server(smtp.port)
            try:
                base = server.url(organization, "").rstrip("/")
                public_key = urllib.request.urlopen(
                    urllib.request.Request(f"http://127.0.0.1:{server.port}/register/signing-key.pem",
                                           headers={"Host": f"{organization.primary_host()}:{server.port}"})).read().decode()

                # Free event: confirmed at once, with QR codes and the e-mail with PDF + .ics.
                _register(phone, base, "free-meetup", events["free-meetup"][1])
                assert phone.get_by_text("You're registered!").is_visible()
                code = phone.get_by_test_id("confirmation-number").inner_text()
                assert code.startswith("REG-")
                data = _qr_payload_verifies(phone, public_key)
                assert data["o"] == code
                _attachments_check(inbox.wait_for(lambda m: code in m["Subject"] and "tickets" in m["Subject"]), code)
                with schema_context(organization.schema_name):
                    order = Order.objects.get(code=code)
                    answers = [p.answers for p in order.positions.order_by("pk")]
                    assert [a["company"]["value"] for a in answers] == ["Tessera Ltd", "Jazz Club"] or \
                        [next(iter(a.values()))["value"] for a in answers] == ["Tessera Ltd", "Jazz Club"]

                # Offline payment: awaiting payment, then the organizer records the payment.
                _register(phone, base, "paid-workshop", events["paid-workshop"][1])
                code = phone.get_by_test_id("confirmation-number").inner_text()
                assert phone.get_by_test_id("order-status").inner_text() == "Awaiting payment"
                inbox.wait_for(lambda m: code in m["Subject"] and "please pay" in m["Subject"])
                with schema_context(organization.schema_name):
                    order_mark_paid(order=Order.objects.get(code=code), actor=None)
                connection.set_schema_to_public()
                phone.reload()
                assert phone.get_by_text("You're registered!").is_visible()
                assert _qr_payload_verifies(phone, public_key)["o"] == code

                # One seat per person, nothing to ask: ticket and details on one page, no hold.
                phone.goto(f"{base}/register/open-lecture/")
                phone.get_by_role("textbox", name="Full name:", exact=True).fill("Lena Vogel")
                phone.get_by_role("textbox", name="E-mail:").fill("lena@example.com")
                phone.get_by_role("button", name="Register").click()
                phone.wait_for_url("**/register/order/**")
                assert phone.get_by_text("You're registered!").is_visible()
                code = phone.get_by_test_id("confirmation-number").inner_text()
                assert _qr_payload_verifies(phone, public_key, tickets=1)["o"] == code
                _attachments_check(inbox.wait_for(lambda m: code in m["Subject"] and "tickets" in m["Subject"]), code)
            finally:
                server.stop()
    finally:
        smtp.stop()


def _prepare_conditional(organization):
    from cms.models.registration import RegistrationForm, RegistrationQuestion
    from operations.events.models import Event
    from operations.ticketing.models import Quota, TicketType

    with schema_context(organization.schema_name):
        now = timezone.now()
        event = Event.objects.create(name="Supper Club", slug="supper-club", status=Event.Status.PUBLISHED,
                                     currency="EUR", starts_at=now + timedelta(days=10),
                                     ends_at=now + timedelta(days=10, hours=2), timezone="Europe/Berlin",
                                     attendee_edit_until=now + timedelta(days=9))
        seat = TicketType.objects.create(event=event, name="Seat", price=0)
        seat.quotas.add(Quota.objects.create(event=event, name="Tables", size=20))
        form = RegistrationForm.objects.create(event=event)
        diet = RegistrationQuestion(form=form, label="Diet", field_type="radio", required=True,
                                    choices="None\nOther")
        diet.save()
        which = RegistrationQuestion(form=form, label="Which diet", required=True, show_if_question=diet.clean_name,
                                     show_if_value="Other")
        which.save()
        return event, diet.clean_name, which.clean_name


def test_a_conditional_question_shows_only_after_its_controlling_answer_is_chosen(django_db_setup, django_db_blocker,
                                                                                 phone):
    from operations.ticketing.models import Order

    with django_db_blocker.unblock(), committed_organization("e2e-cond") as organization:
        event, diet, which = _prepare_conditional(organization)
        connection.set_schema_to_public()
        server = ServerProcess()
        try:
            phone.goto(server.url(organization, "/register/supper-club/"))
            phone.get_by_label("Seat").select_option("1")
            phone.get_by_role("button", name="Reserve for 15 minutes").click()
            phone.wait_for_url("**/details/")
            which_field = phone.locator(f'[name="a1-q-{which}"]')
            assert which_field.is_hidden() and phone.get_by_text("Which diet").is_hidden()
            phone.get_by_label("Other", exact=True).check()
            assert which_field.is_visible()
            phone.get_by_label("None", exact=True).check()
            assert which_field.is_hidden()
            phone.get_by_label("Other", exact=True).check()
            which_field.fill("Vegan")
            phone.get_by_role("textbox", name="Full name:", exact=True).fill("Kim Minji")
            phone.locator('[name="buyer-email"]').fill("minji@example.com")
            phone.locator('[name="a1-same_as_buyer"]').check()
            phone.get_by_role("button", name="Complete registration").click()
            phone.wait_for_url("**/register/order/**")
            assert phone.get_by_text("You're registered!").is_visible()

            # On the order page: the same rule in the form that changes the answers.
            phone.get_by_text("Change Kim Minji's answers").click()
            edit = phone.locator("form.registration")
            assert edit.locator(f'[name$="-q-{which}"]').input_value() == "Vegan"
            assert edit.locator(f'[name$="-q-{which}"]').is_visible()
            edit.get_by_label("None", exact=True).check()
            assert edit.locator(f'[name$="-q-{which}"]').is_hidden()
            edit.get_by_role("button", name="Save answers").click()
            assert phone.get_by_text("Your answers are saved.").is_visible()
            with schema_context(organization.schema_name):
                answers = Order.objects.get(event=event).positions.get().answers
            assert answers[diet]["value"] == "None" and which not in answers
        finally:
            server.stop()


def test_public_key_is_published_as_pem(org_a, site_client):
    # Also makes pytest-django set up the test database when this module runs alone (the browser
    # test above commits through the harness and does not use the ``db`` fixture).
    response = site_client(org_a).get("/register/signing-key.pem")
    assert response.status_code == 200 and response.content.startswith(b"-----BEGIN PUBLIC KEY-----")


def test_a_phone_applies_a_promo_code_registers_and_cancels_after_confirming(django_db_setup, django_db_blocker, phone):
    """The ticket page's promo code (Apply, then the discounted order) and self-cancellation, which
    asks first and says what happens."""
    from decimal import Decimal

    from operations.events.models import Event
    from operations.ticketing.models import Order, PromoCode, Quota, TicketType

    with django_db_blocker.unblock(), committed_organization("e2e-promo") as organization:
        with schema_context(organization.schema_name):
            now = timezone.now()
            event = Event.objects.create(name="Design Night", slug="design-night", status=Event.Status.PUBLISHED,
                                         currency="EUR", starts_at=now + timedelta(days=10),
                                         ends_at=now + timedelta(days=10, hours=3), timezone="Europe/Berlin",
                                         self_cancel_until=now + timedelta(days=5))
            seat = TicketType.objects.create(event=event, name="Seat", price=Decimal("40"))
            seat.quotas.add(Quota.objects.create(event=event, name="Hall", size=20))
            PromoCode.objects.create(event=event, code="FRIENDS", kind="percent", value=Decimal(25))
        connection.set_schema_to_public()
        server = ServerProcess()
        try:
            base = server.url(organization, "").rstrip("/")
            phone.goto(f"{base}/register/design-night/")
            phone.get_by_label("Seat").select_option("1")
            phone.get_by_label("Promo code (optional)").fill("friends")
            phone.get_by_role("button", name="Apply").click()
            assert phone.get_by_role("status").inner_text().startswith("Code FRIENDS applied: 25% off")
            assert phone.get_by_label("Seat").input_value() == "1"  # what was chosen stays
            phone.get_by_role("button", name="Reserve for 15 minutes").click()
            phone.wait_for_url("**/details/")
            phone.get_by_role("textbox", name="Full name:", exact=True).fill("Kim Minji")
            phone.locator('[name="buyer-email"]').fill("minji@example.com")
            phone.locator('[name="a1-same_as_buyer"]').check()
            phone.get_by_role("button", name="Complete registration").click()
            phone.wait_for_url("**/register/order/**")
            code = phone.get_by_test_id("confirmation-number").inner_text()
            with schema_context(organization.schema_name):
                assert Order.objects.get(code=code).total == Decimal("30.00")
            connection.set_schema_to_public()

            phone.get_by_role("link", name="Cancel this order…").click()
            assert phone.get_by_role("heading", name="If you cancel").is_visible()
            phone.get_by_role("link", name="No, keep my order").click()
            phone.wait_for_url("**/register/order/**")
            phone.get_by_role("link", name="Cancel this order…").click()
            phone.get_by_role("button", name="Yes, cancel my order").click()
            phone.wait_for_url("**/register/order/**")
            with schema_context(organization.schema_name):
                assert Order.objects.get(code=code).status == Order.Status.CANCELLED
            connection.set_schema_to_public()
        finally:
            server.stop()
