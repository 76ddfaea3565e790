"""Receipt numbers under real concurrency: 32 orders paid at the same moment, each on its own
connection, get receipts numbered 1..32 (no gaps, no duplicates). Committed data, own schema."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from operations.invoicing.models import Receipt, ReceiptCounter
from operations.ticketing.models import Order
from operations.ticketing.services.lifecycle import order_mark_paid
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.harness import committed_organization
from tests.operations.ticketing.builders import event_make, ticket_type_make

ORDERS = 32

pytestmark = pytest.mark.committed


def test_thirty_two_orders_paid_at_once_get_receipts_one_to_thirty_two(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_organization("receipts") as organization:
        with schema_context(organization.schema_name):
            orders = []
            for index in range(ORDERS):
                # One event per order: confirming locks the order's event row too, which would
                # queue the payments of one event and hide a race on the receipt counter.
                event = event_make(slug=f"rush-{index}", currency="KRW")
                general = ticket_type_make(event, price="30000", seats=1)
                order = order_reserve(event=event, items=[Item(general.pk, 1)])
                orders.append(order_complete(order=order, name=f"Buyer {index}", email=f"b{index}@example.com",
                                             attendees=[Attendee(f"Buyer {index}", f"b{index}@example.com")],
                                             payment_method="offline"))
        connection.set_schema_to_public()
        barrier = threading.Barrier(ORDERS)
        errors: list = []

        def pay(order):
            try:
                with schema_context(organization.schema_name):
                    barrier.wait(timeout=30)
                    order_mark_paid(order=order, actor=None)  # the receipt is issued as it commits
            except Exception as error:  # noqa: BLE001 - the assertion below shows it
                errors.append(repr(error))
            finally:
                connection.close()

        threads = [threading.Thread(target=pay, args=(order,)) for order in orders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        with schema_context(organization.schema_name):
            assert Order.objects.filter(status=Order.Status.CONFIRMED).count() == ORDERS
            numbers = sorted(Receipt.objects.values_list("number", flat=True))
            assert numbers == list(range(1, ORDERS + 1))
            assert Receipt.objects.values("order").distinct().count() == ORDERS
            assert ReceiptCounter.objects.get().last_number == ORDERS
