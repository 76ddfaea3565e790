"""Stripe webhooks on an organization's site: real signatures, exactly-once processing, replays,
out-of-order delivery, amount checks, late payments."""

from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.utils import timezone

from operations.audit.models import AuditEntry
from operations.payments.models import Payment, ProviderEvent, Refund
from operations.payments.providers.stripe import stripe_client
from operations.payments.services.payments import payment_start
from operations.ticketing.models import Order
from operations.ticketing.services.lifecycle import order_expire_due
from operations.ticketing.services.orders import Item, order_reserve
from tests.operations.payments.builders import card_order
from tests.operations.payments.localstripe import event_body, intent, signature

URL = "/payments/webhook/stripe/"


@pytest.fixture
def post(site_client, org_a, stripe_keys):
    client = site_client(org_a)

    def send(body: bytes, header: str | None = None):
        header = signature(body) if header is None else header
        return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)

    return send


def _opened(**kwargs):
    order = card_order(**kwargs)
    return order, payment_start(order=order)


def _succeeded(payment, event_id="evt_1", amount=None, currency=None):
    minor = int((payment.amount if amount is None else amount) * (1 if payment.currency == "KRW" else 100))
    return event_body(event_id, "payment_intent.succeeded",
                      intent(payment.provider_reference, minor, currency or payment.currency))


def test_signed_success_confirms_the_order_and_is_logged(alpha, post):
    order, payment = _opened(currency="KRW", price="55000")
    response = post(_succeeded(payment))
    assert response.status_code == 200 and response.json()["result"] == "order confirmed"
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and order.paid == Decimal("55000")
    event = ProviderEvent.objects.get(event_id="evt_1")
    assert event.processed_at and event.type == "payment_intent.succeeded" and event.payment_id == payment.pk
    assert event.payload["data"]["object"]["id"] == payment.provider_reference


@pytest.mark.parametrize("header", ["missing", "t=1,v1=deadbeef", "garbage", "other body", "other secret"])
def test_wrong_or_missing_signatures_are_refused_with_400_and_store_nothing(alpha, post, header):
    order, payment = _opened()
    body = _succeeded(payment)
    header = {"missing": "", "other body": signature(b"another body"),
              "other secret": signature(body, secret="whsec_someone_else")}.get(header, header)
    response = post(body, header)
    assert response.status_code == 400 and response.json()["error"]["code"] == "signature_invalid"
    assert not ProviderEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_an_old_signature_is_refused(alpha, post):
    _, payment = _opened()
    body = _succeeded(payment)
    assert post(body, signature(body, timestamp=int(timezone.now().timestamp()) - 3600)).status_code == 400


def test_signed_garbage_is_a_400_not_a_500(alpha, post):
    for body in (b"not json", b'{"id": "evt_x"}', b"[]"):
        response = post(body)
        assert response.status_code == 400 and response.json()["error"]["code"] == "event_invalid"


def test_the_same_event_twice_confirms_once(alpha, post):
    order, payment = _opened()
    body = _succeeded(payment)
    assert post(body).status_code == 200
    assert post(body).status_code == 200
    assert AuditEntry.objects.filter(action="order.paid", target_id=str(order.pk)).count() == 1
    event = ProviderEvent.objects.get(event_id="evt_1")
    assert event.deliveries == 2
    order.refresh_from_db()
    assert order.paid == order.total


def test_two_success_events_for_one_payment_confirm_once(alpha, post):
    order, payment = _opened()
    post(_succeeded(payment, "evt_a"))
    post(_succeeded(payment, "evt_b"))
    order.refresh_from_db()
    assert order.paid == order.total and AuditEntry.objects.filter(action="order.paid").count() == 1
    assert ProviderEvent.objects.get(event_id="evt_b").result == "already succeeded"


def test_a_failure_delivered_after_the_success_changes_nothing(alpha, post):
    order, payment = _opened()
    post(_succeeded(payment, "evt_ok"))
    failed = event_body("evt_fail", "payment_intent.payment_failed", intent(
        payment.provider_reference, 5500, "USD", status="requires_payment_method",
        last_payment_error={"message": "Your card was declined."}))
    assert post(failed).status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and order.status == Order.Status.CONFIRMED


def test_a_failure_then_a_success_confirms(alpha, post):
    order, payment = _opened()
    failed = event_body("evt_fail", "payment_intent.payment_failed", intent(
        payment.provider_reference, 5500, "USD", status="requires_payment_method",
        last_payment_error={"message": "Your card was declined."}))
    post(failed)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and "declined" in payment.failure_message
    post(_succeeded(payment, "evt_ok"))
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_canceled_payment_is_recorded_and_the_order_still_waits(alpha, post):
    order, payment = _opened()
    post(event_body("evt_c", "payment_intent.canceled", intent(payment.provider_reference, 5500, "USD", status="canceled")))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED and order.status == Order.Status.AWAITING_PAYMENT


@pytest.mark.parametrize(("amount", "currency"), [(Decimal("5.00"), "USD"), (Decimal("55.00"), "EUR")])
def test_a_wrong_amount_or_currency_holds_the_order_for_review(alpha, post, amount, currency):
    order, payment = _opened(currency="USD", price="55.00")
    response = post(_succeeded(payment, amount=amount, currency=currency))
    assert response.status_code == 200 and response.json()["result"].startswith("held for review")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD and payment.status == Payment.Status.HELD
    assert not order.positions.get().tickets.exists()
    assert AuditEntry.objects.filter(action="order.held", target_id=str(order.pk)).exists()


def _pay_at_provider(payment, localstripe):
    client = stripe_client()
    client.v1.payment_intents.update(payment.provider_reference, params={"payment_method": localstripe.card_token()})
    client.v1.payment_intents.confirm(payment.provider_reference)


def test_late_payment_for_a_sold_out_event_is_refunded_and_the_attendee_told(
        alpha, post, stripe_keys, django_capture_on_commit_callbacks):
    order, payment = _opened(seats=1)
    later = timezone.now() + timedelta(hours=1)
    order_expire_due(now=later)
    order_reserve(event=order.event, items=[Item(order.positions.get().ticket_type_id, 1)])  # the seat is gone
    _pay_at_provider(payment, stripe_keys)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(_succeeded(payment))
    assert response.json()["result"].startswith("refunded automatically")
    order.refresh_from_db()
    refund = Refund.objects.get(order=order)
    assert order.status == Order.Status.EXPIRED and order.paid == 0
    assert refund.status == Refund.Status.SUCCEEDED and refund.automatic and refund.amount == payment.amount
    assert refund.provider_reference.startswith("re_")
    assert any("refund" in message.subject.lower() for message in mail.outbox)


def test_late_payment_with_seats_still_free_confirms(alpha, post):
    order, payment = _opened(seats=5)
    order_expire_due(now=timezone.now() + timedelta(hours=1))
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert post(_succeeded(payment)).json()["result"].startswith("late payment")
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and order.positions.get().tickets.exists()


@pytest.mark.parametrize("short", [0, 1], ids=["the amount asked", "a wrong amount"])
def test_payment_after_the_hold_ran_out_before_the_sweep_with_the_seat_taken_is_refunded(
        alpha, post, stripe_keys, django_capture_on_commit_callbacks, short):
    """A wrong amount is refunded too, not held for review: a held order keeps seats someone else has."""
    order, payment = _opened(seats=1)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    order_reserve(event=order.event, items=[Item(order.positions.get().ticket_type_id, 1)])  # the seat is gone
    _pay_at_provider(payment, stripe_keys)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(_succeeded(payment, amount=payment.amount - short))
    assert response.json()["result"].startswith("refunded automatically")
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and order.paid == 0
    assert not order.positions.get().tickets.exists()
    assert Refund.objects.get(order=order).automatic


def test_refund_made_in_the_stripe_dashboard_is_recorded(alpha, post):
    order, payment = _opened(currency="USD", price="55.00")
    post(_succeeded(payment))
    charge = {"id": "ch_1", "object": "charge", "payment_intent": payment.provider_reference, "amount": 5500,
              "amount_refunded": 1000, "currency": "usd"}
    post(event_body("evt_r", "charge.refunded", charge))
    post(event_body("evt_r", "charge.refunded", charge))  # replayed
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.paid == Decimal("45.00")
    assert Refund.objects.get(order=order).amount == Decimal("10.00")


def test_a_dispute_is_recorded_on_the_payment(alpha, post):
    _, payment = _opened()
    post(_succeeded(payment))
    post(event_body("evt_d", "charge.dispute.created", {"id": "dp_1", "object": "dispute", "reason": "fraudulent",
                                                        "payment_intent": payment.provider_reference}))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DISPUTED and "fraudulent" in payment.failure_message
    assert AuditEntry.objects.filter(action="payment.disputed").exists()


def test_events_for_unknown_payments_are_stored_with_an_error_and_answered_200(alpha, post):
    response = post(event_body("evt_u", "payment_intent.succeeded", intent("pi_unknown", 100, "USD")))
    assert response.status_code == 200
    assert ProviderEvent.objects.get(event_id="evt_u").error


def test_another_organizations_site_never_touches_this_payment(org_a, org_b, in_schema, site_client, stripe_keys):
    with in_schema(org_a):
        order, payment = _opened()
        body = _succeeded(payment)
    response = site_client(org_b).post(URL, data=body, content_type="application/json",
                                       HTTP_STRIPE_SIGNATURE=signature(body))
    assert response.status_code == 200 and response.json()["error"]
    with in_schema(org_a):
        order.refresh_from_db()
        assert order.status == Order.Status.AWAITING_PAYMENT


def test_stripe_library_accepts_our_test_signatures():
    body = b'{"id": "evt"}'
    stripe.WebhookSignature.verify_header(body.decode(), signature(body), "whsec_tessera_tests_0123456789")


def test_a_busy_database_answers_503_and_the_event_is_processed_on_redelivery(alpha, post, monkeypatch):
    from operations.payments.services import webhooks
    from operations.ticketing.errors import OrderError

    order, payment = _opened()
    real = webhooks.payment_apply

    def busy(**kwargs):
        raise OrderError("Busy.", code="busy")

    monkeypatch.setattr(webhooks, "payment_apply", busy)
    body = _succeeded(payment)
    assert post(body).status_code == 503
    event = ProviderEvent.objects.get(event_id="evt_1")
    assert event.processed_at is None and "retry" in event.error
    monkeypatch.setattr(webhooks, "payment_apply", real)
    assert post(body).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_late_payment_whose_session_filled_up_is_refunded(alpha, post, stripe_keys, django_capture_on_commit_callbacks):
    from operations.ticketing.models import Session

    order, payment = _opened(seats=10)
    seat = order.positions.get()
    workshop = Session.objects.create(event=order.event, title="Workshop", capacity=1,
                                      starts_at=timezone.now() + timedelta(days=30),
                                      ends_at=timezone.now() + timedelta(days=30, hours=1))
    seat.sessions.add(workshop)
    order_expire_due(now=timezone.now() + timedelta(hours=1))
    order_reserve(event=order.event, items=[Item(seat.ticket_type_id, 1, session_ids=[workshop.pk])])
    _pay_at_provider(payment, stripe_keys)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(_succeeded(payment)).json()["result"].startswith("refunded automatically")
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED and Refund.objects.get(order=order).status == Refund.Status.SUCCEEDED
