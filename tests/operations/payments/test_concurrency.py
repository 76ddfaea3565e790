"""Invariant 2 under real concurrency: ten simultaneous deliveries of one signed event (and a
second event for the same payment) confirm the order exactly once (committed data, own schema)."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from operations.audit.models import AuditEntry
from operations.payments.models import Payment, ProviderEvent
from operations.payments.services.webhooks import webhook_receive
from operations.ticketing.models import Order, Ticket
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.harness import at_once, committed_organization
from tests.operations.payments.localstripe import WEBHOOK_SECRET, event_body, intent, signature
from tests.operations.ticketing.builders import event_make, ticket_type_make

pytestmark = pytest.mark.committed
DELIVERIES = 10


def test_ten_concurrent_deliveries_confirm_exactly_once(django_db_setup, django_db_blocker, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_race", "pk_test_race"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    with django_db_blocker.unblock(), committed_organization("payrace") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="payrace", currency="KRW")
            general = ticket_type_make(event, price="55000", seats=5)
            order = order_reserve(event=event, items=[Item(general.pk, 2)])
            order = order_complete(order=order, name="B", email="b@example.com", payment_method="stripe",
                                   attendees=[Attendee("A", "a@example.com"), Attendee("C", "c@example.com")])
            payment = Payment.objects.create(order=order, provider="stripe", amount=order.total, currency="KRW",
                                             provider_reference="pi_race")
        connection.set_schema_to_public()
        bodies = [event_body("evt_same", "payment_intent.succeeded", intent("pi_race", 110000, "KRW"))] * (DELIVERIES - 2)
        bodies += [event_body("evt_other", "payment_intent.succeeded", intent("pi_race", 110000, "KRW"))] * 2

        def deliver(index):
            body = bodies[index]
            return webhook_receive(provider="stripe", body=body, headers={"Stripe-Signature": signature(body)}).result

        results = at_once(organization.schema_name, deliver, DELIVERIES)
        with schema_context(organization.schema_name):
            order.refresh_from_db()
            assert set(results) == {"order confirmed", "already succeeded"}, results
            assert order.status == Order.Status.CONFIRMED and order.paid == order.total
            assert AuditEntry.objects.filter(action="order.paid", target_id=str(order.pk)).count() == 1
            assert Ticket.objects.filter(position__order=order).count() == 2
            same = ProviderEvent.objects.get(event_id="evt_same")
            assert same.deliveries == DELIVERIES - 2 and same.processed_at is not None
            assert ProviderEvent.objects.count() == 2
        connection.set_schema_to_public()


def test_ten_concurrent_signed_deliveries_over_http_confirm_exactly_once(django_db_setup, django_db_blocker):
    import urllib.error
    import urllib.request

    from tests.harness import ServerProcess

    keys = {"STRIPE_SECRET_KEY": "sk_test_http_race", "STRIPE_PUBLISHABLE_KEY": "pk_test_http_race",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}
    with django_db_blocker.unblock(), committed_organization("payhttp") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="payhttp", currency="USD")
            general = ticket_type_make(event, price="55.00", seats=5)
            order = Order.objects.get(pk=order_reserve(event=event, items=[Item(general.pk, 1)]).pk)
            order.status, order.payment_method, order.email = Order.Status.AWAITING_PAYMENT, "stripe", "b@example.com"
            order.save()
            Payment.objects.create(order=order, provider="stripe", amount=order.total, currency="USD",
                                   provider_reference="pi_http_race")
        connection.set_schema_to_public()
        server = ServerProcess(extra_env=keys, workers=2, threads=8)
        try:
            body = event_body("evt_http", "payment_intent.succeeded", intent("pi_http_race", 5500, "USD"))
            barrier = threading.Barrier(DELIVERIES)
            statuses = [None] * DELIVERIES

            def deliver(index):
                request = urllib.request.Request(
                    f"http://127.0.0.1:{server.port}/payments/webhook/stripe/", data=body, method="POST",
                    headers={"Host": f"{organization.primary_host()}:{server.port}", "Content-Type": "application/json",
                             "Stripe-Signature": signature(body)})
                barrier.wait(timeout=30)
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        statuses[index] = response.status
                except urllib.error.HTTPError as error:
                    statuses[index] = error.code

            threads = [threading.Thread(target=deliver, args=(i,)) for i in range(DELIVERIES)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            wrong = urllib.request.Request(
                f"http://127.0.0.1:{server.port}/payments/webhook/stripe/", data=body, method="POST",
                headers={"Host": f"{organization.primary_host()}:{server.port}", "Content-Type": "application/json",
                         "Stripe-Signature": signature(body, secret="whsec_wrong")})
            try:
                urllib.request.urlopen(wrong, timeout=30)
                wrong_status = 200
            except urllib.error.HTTPError as error:
                wrong_status = error.code
        finally:
            server.stop()
        with schema_context(organization.schema_name):
            order.refresh_from_db()
            assert statuses == [200] * DELIVERIES and wrong_status == 400
            assert order.status == Order.Status.CONFIRMED
            assert AuditEntry.objects.filter(action="order.paid", target_id=str(order.pk)).count() == 1
            assert ProviderEvent.objects.get(event_id="evt_http").deliveries == DELIVERIES
        connection.set_schema_to_public()
