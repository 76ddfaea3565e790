"""Imports take seats under the same quota locks as buyers: the same file imported twice at once
creates its tickets once, and imports racing buyers for the last seats never oversell
(committed data, own schema)."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from operations.exports.errors import ExportError
from operations.exports.services.importing import import_apply
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, OrderPosition
from operations.ticketing.services.orders import Item, order_reserve
from tests.harness import committed_organization
from tests.operations.ticketing.builders import event_make, ticket_type_make

pytestmark = pytest.mark.committed
SEATS = 5


def _race(schema, works):
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def run(index, work):
        try:
            with schema_context(schema):
                barrier.wait(timeout=30)
                results[index] = work()
        except (ExportError, OrderError) as error:
            results[index] = error.code
        except Exception as error:  # noqa: BLE001 - the assertion shows it
            results[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _content(n: int) -> bytes:
    return b"email,name\n" + "".join(f"p{i}@example.com,Person {i}\n" for i in range(n)).encode()


def test_the_same_file_imported_twice_at_once_creates_its_tickets_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_organization("imptwice") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="twice")
            seat = ticket_type_make(event, name="Seat", seats=10)

        def importing():
            return import_apply(event=event, content=_content(3), filename="p.csv", ticket_type=seat,
                                complimentary=True)

        results = _race(organization.schema_name, [importing] * 4)
        with schema_context(organization.schema_name):
            assert Order.objects.count() == 3, results
        created = [r["created"] for r in results if isinstance(r, dict)]
        assert sorted(created)[-1] == 3 and sum(created) == 3, results
        assert all(isinstance(r, dict) or r == "busy" for r in results), results


def test_imports_racing_buyers_for_the_last_seats_never_oversell(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_organization("imprace") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="race")
            seat = ticket_type_make(event, name="Seat", seats=SEATS)

        def importing():
            return import_apply(event=event, content=_content(3), filename="p.csv", ticket_type=seat,
                                complimentary=True)

        def buying():
            return order_reserve(event=event, items=[Item(seat.pk, 1)]).code

        results = _race(organization.schema_name, [importing, *[buying] * 6])
        with schema_context(organization.schema_name):
            imported = Order.objects.filter(idempotency_key__startswith="imp:").count()
            held = OrderPosition.objects.filter(order__event=event).count()
        assert imported in (0, 3), results  # the whole file or nothing
        assert isinstance(results[0], dict) or results[0] in ("capacity_exceeded", "busy"), results
        assert all(r == "sold_out" or r == "busy" or str(r).startswith("REG-") for r in results[1:]), results
        assert held <= SEATS, results
