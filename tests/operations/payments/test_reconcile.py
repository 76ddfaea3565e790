"""Reconciliation: a paid order whose webhook never arrived is still confirmed."""

from datetime import timedelta

from django.utils import timezone

from operations.payments.models import Payment
from operations.payments.providers.stripe import stripe_client
from operations.payments.services.payments import payment_start
from operations.payments.services.reconcile import payments_reconcile, payments_unsettled
from operations.payments.tasks import payments_reconcile_all_organizations
from operations.ticketing.models import Order
from tests.operations.payments.builders import card_order


def _paid_without_webhook(localstripe, minutes_ago=10):
    order = card_order(currency="KRW", price="55000")
    payment = payment_start(order=order)
    client = stripe_client()
    client.v1.payment_intents.update(payment.provider_reference, params={"payment_method": localstripe.card_token()})
    client.v1.payment_intents.confirm(payment.provider_reference)  # paid; the webhook is dropped
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return order, payment


def test_dropped_webhook_reconciliation_confirms_the_paid_order(alpha, stripe_keys):
    order, payment = _paid_without_webhook(stripe_keys)
    report = payments_reconcile()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert report.checked == 1 and report.settled and not report.unsettled
    assert order.status == Order.Status.CONFIRMED and payment.status == Payment.Status.SUCCEEDED
    assert payments_reconcile().checked == 0  # settled payments are not asked again


def test_the_periodic_task_fans_out_over_organizations(alpha, stripe_keys, org_a):
    order, _ = _paid_without_webhook(stripe_keys)
    assert payments_reconcile_all_organizations() >= 1
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_recent_payments_are_left_to_the_webhook(alpha, stripe_keys):
    order, _ = _paid_without_webhook(stripe_keys, minutes_ago=0)
    assert payments_reconcile().checked == 0
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_unpaid_and_unreachable_payments_are_listed_as_unsettled(alpha, stripe_keys, settings):
    order = card_order()
    payment = payment_start(order=order)  # never paid
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    report = payments_reconcile()
    assert report.unsettled and list(payments_unsettled()) == [payment]
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    report = payments_reconcile()
    payment.refresh_from_db()
    assert report.unsettled and payment.reconcile_attempts == 2 and payment.reconcile_error
