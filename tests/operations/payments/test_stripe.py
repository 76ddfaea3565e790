"""The Stripe adapter against localstripe over HTTP: create, confirm, refund; minor units."""

import json
import urllib.request
from decimal import Decimal

import pytest
from django.core import mail

from operations.audit.models import AuditEntry
from operations.payments.errors import PaymentError
from operations.payments.models import Payment, Refund
from operations.payments.services.payments import payment_card_confirm, payment_start
from operations.payments.services.refunds import refund_request
from operations.ticketing.models import Order
from tests.operations.payments.builders import card_order
from tests.operations.payments.localstripe import SECRET_KEY


def _intent(localstripe, reference: str) -> dict:
    request = urllib.request.Request(f"{localstripe.url}/v1/payment_intents/{reference}",
                                     headers={"Authorization": f"Bearer {SECRET_KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.mark.parametrize(("currency", "price", "minor"), [("KRW", "55000", 55000), ("USD", "55.00", 5500)])
def test_payment_intent_carries_the_amount_in_minor_units(alpha, stripe_keys, currency, price, minor):
    order = card_order(currency=currency, price=price)
    assert order.status == Order.Status.AWAITING_PAYMENT and order.payment_method == "stripe"
    payment = payment_start(order=order)
    intent = _intent(stripe_keys, payment.provider_reference)
    assert intent["amount"] == minor and intent["currency"] == currency.lower()
    assert intent["metadata"]["order"] == order.code
    assert payment.client_secret.startswith(payment.provider_reference)
    assert payment_start(order=order).pk == payment.pk  # reopening the page reuses the payment


def test_a_test_card_pays_and_confirms_the_order_with_tickets(alpha, stripe_keys, django_capture_on_commit_callbacks):
    order = card_order(currency="KRW", price="55000")
    payment = payment_start(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = payment_card_confirm(payment=payment, payment_method=stripe_keys.card_token())
    order.refresh_from_db()
    assert outcome.payment.status == Payment.Status.SUCCEEDED and outcome.result == "order confirmed"
    assert order.status == Order.Status.CONFIRMED and order.paid == Decimal("55000")
    assert order.positions.get().tickets.filter(revoked_at__isnull=True).count() == 1
    assert AuditEntry.objects.filter(action="payment.succeeded").exists()
    assert any(order.code in message.subject for message in mail.outbox)


def test_a_declined_card_fails_and_can_be_retried(alpha, stripe_keys):
    order = card_order()
    payment = payment_start(order=order)
    outcome = payment_card_confirm(payment=payment, payment_method=stripe_keys.card_token("4000000000000341"))
    assert outcome.payment.status == Payment.Status.FAILED and outcome.payment.failure_message
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    again = payment_start(order=order)  # the retry gets a fresh payment intent
    assert again.pk != payment.pk and again.provider_reference != payment.provider_reference
    outcome = payment_card_confirm(payment=again, payment_method=stripe_keys.card_token())
    order.refresh_from_db()
    assert outcome.payment.status == Payment.Status.SUCCEEDED and order.status == Order.Status.CONFIRMED


def test_partial_then_full_refund_through_the_provider_moves_the_order(alpha, stripe_keys,
                                                                       django_capture_on_commit_callbacks):
    order = card_order(currency="USD", price="55.00")
    payment = payment_start(order=order)
    payment_card_confirm(payment=payment, payment_method=stripe_keys.card_token())
    with django_capture_on_commit_callbacks(execute=True):
        [refund] = refund_request(order=order, amount="5.50", reason="Parking not available", actor=None)
    order.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.provider_reference.startswith("re_")
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.paid == Decimal("49.50")
    refund_request(order=order, amount="49.50", reason="Cannot attend", actor=None)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.paid == 0
    assert not order.positions.get().tickets.filter(revoked_at__isnull=True).exists()
    assert any("refund" in message.subject.lower() for message in mail.outbox)


@pytest.mark.parametrize(("amount", "reason", "code"), [
    ("55.001", "x", "amount_invalid"), ("56", "x", "amount_invalid"), ("-1", "x", "amount_invalid"),
    ("abc", "x", "amount_invalid"), ("NaN", "x", "amount_invalid"), ("5", "", "reason_required"),
])
def test_bad_refunds_are_refused_and_write_nothing(alpha, stripe_keys, amount, reason, code):
    order = card_order(currency="USD", price="55.00")
    payment_card_confirm(payment=payment_start(order=order), payment_method=stripe_keys.card_token())
    with pytest.raises(PaymentError) as error:
        refund_request(order=order, amount=amount, reason=reason, actor=None)
    assert error.value.code == code and not Refund.objects.exists()


def test_a_provider_that_does_not_answer_is_a_clear_error(alpha, stripe_keys, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    order = card_order()
    with pytest.raises(PaymentError) as error:
        payment_start(order=order)
    assert error.value.code == "provider_unavailable" and error.value.http_status == 502


def test_a_card_asking_for_3d_secure_waits_for_authentication_then_confirms(alpha, stripe_keys):
    from operations.payments.services.payments import payment_refresh

    order = card_order(currency="EUR", price="12.50")
    payment = payment_start(order=order)
    outcome = payment_card_confirm(payment=payment, payment_method=stripe_keys.card_token("4000002500003155"))
    assert outcome.payment.status == Payment.Status.REQUIRES_ACTION
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    # What Stripe.js does when the attendee completes the 3-D Secure challenge.
    data = f"client_secret={payment.client_secret}&key=pk_test_x".encode()
    urllib.request.urlopen(urllib.request.Request(
        f"{stripe_keys.url}/v1/payment_intents/{payment.provider_reference}/_authenticate?success=true", data=data),
        timeout=10).read()
    outcome = payment_refresh(payment=outcome.payment)
    order.refresh_from_db()
    assert outcome.payment.status == Payment.Status.SUCCEEDED and order.status == Order.Status.CONFIRMED
