"""A phone pays for a ticket by card through the Stripe.js stand-in served by localstripe (test
mode, card 4242 4242 4242 4242) over a real server, and reaches the confirmation page with QR
tickets; localstripe is a real HTTP server, and the card number goes from the browser to it only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.harness import ServerProcess, committed_organization
from tests.operations.payments.localstripe import LocalStripeProcess

pytestmark = pytest.mark.committed


def _prepare(organization):
    from operations.events.models import Event
    from operations.ticketing.models import Quota, TicketType

    with schema_context(organization.schema_name):
        now = timezone.now()
        event = Event.objects.create(name="Card Night", slug="card-night", status=Event.Status.PUBLISHED, currency="KRW",
                                     starts_at=now + timedelta(days=10), ends_at=now + timedelta(days=10, hours=2),
                                     timezone="Asia/Seoul")
        ticket_type = TicketType.objects.create(event=event, name="Seat", price=55000)
        ticket_type.quotas.add(Quota.objects.create(event=event, name="Room", size=20))
    connection.set_schema_to_public()


def _pay(phone, base, number):
    phone.goto(f"{base}/register/card-night/")
    phone.get_by_label("Seat").select_option("1")
    phone.get_by_role("button", name="Reserve for 15 minutes").click()
    phone.wait_for_url("**/details/")
    phone.get_by_role("textbox", name="Full name:", exact=True).fill("Kim Minji")
    phone.locator('[name="buyer-email"]').fill("minji@example.com")
    phone.locator('[name="a1-same_as_buyer"]').check()
    assert phone.get_by_label("Pay by card now (KRW 55,000)").is_checked()
    phone.get_by_role("button", name="Complete registration").click()
    phone.wait_for_url("**/pay/")
    assert phone.get_by_test_id("test-mode").is_visible()
    _card_fill(phone, number)


def _card_fill(phone, number):
    phone.get_by_label("Card number").fill(number)
    phone.get_by_label("Expiry month").fill("12")
    phone.get_by_label("Expiry year (two digits)").fill("31")
    phone.get_by_label("Security code (CVC)").fill("123")
    phone.get_by_label("Postal code").fill("04524")
    phone.get_by_role("button", name="Pay KRW 55,000").click()


def test_phone_pays_by_card_and_gets_qr_tickets(django_db_setup, django_db_blocker, phone):
    from operations.payments.models import Payment
    from operations.ticketing.models import Order

    localstripe = LocalStripeProcess()
    try:
        with django_db_blocker.unblock(), committed_organization("e2e-pay") as organization:
            _prepare(organization)
            server = ServerProcess(extra_env=localstripe.env())
            try:
                base = server.url(organization, "").rstrip("/")
                # A declined card: the page says so and the attendee can try again.
                _pay(phone, base, "4000000000000341")
                phone.wait_for_url("**/register/order/**")
                assert "did not go through" in phone.get_by_test_id("payment-state").inner_text()
                phone.get_by_role("link", name="Try again").click()
                phone.wait_for_url("**/pay/")
                _card_fill(phone, "4242 4242 4242 4242".replace(" ", ""))
                phone.wait_for_url("**/register/order/**")
                phone.get_by_text("You're registered!").wait_for()
                code = phone.get_by_test_id("confirmation-number").inner_text()
                assert phone.locator(".qr svg").count() == 1
                with schema_context(organization.schema_name):
                    order = Order.objects.get(code=code)
                    assert order.status == Order.Status.CONFIRMED and order.paid == 55000
                    statuses = sorted(Payment.objects.filter(order=order).values_list("status", flat=True))
                    assert statuses == ["failed", "succeeded"]
                connection.set_schema_to_public()
            finally:
                server.stop()
    finally:
        localstripe.stop()
