"""Invariant 1 under real concurrency: 40 connections race for the last seats and one single-use
promo code; exactly the capacity is sold and the code is used once (committed data, own schema)."""

import contextlib
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, OrderPosition, PromoCode
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.harness import at_once, committed_organization
from tests.operations.ticketing.builders import event_make, ticket_type_make

BUYERS = 40
SEATS = 7

pytestmark = pytest.mark.committed


def _until_not_busy(call, attempts: int = 10):
    """What a buyer's browser does with "busy, try again in a moment": try again. Under a fully
    loaded machine a lock wait can pass the lock timeout; the invariant must hold either way."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except OrderError as error:
            if error.code != "busy" or attempt == attempts:
                raise
            time.sleep(0.1 * attempt)


def _race(schema, work):
    return at_once(schema, work, BUYERS, refused=OrderError)


def test_forty_buyers_for_the_last_seats_and_a_single_use_code_never_oversell(django_db_setup, django_db_blocker):
    # Even buyers race for the last SEATS seats of the hall; odd buyers race for the single-use
    # code on a ticket type with seats to spare, so that each race has one certain outcome.
    with django_db_blocker.unblock(), committed_organization("race") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="race", currency="KRW")
            hall = ticket_type_make(event, name="Hall", price="30000", seats=SEATS)
            lawn = ticket_type_make(event, name="Lawn", price="10000", seats=BUYERS)
            promo = PromoCode.objects.create(event=event, code="ONCE", kind=PromoCode.Kind.PERCENT,
                                             value=Decimal(50), max_uses=1)
        connection.set_schema_to_public()

        def buy(index):
            with schema_context(organization.schema_name):
                with_code = index % 2 == 1
                order = _until_not_busy(lambda: order_reserve(
                    event=event, items=[Item((lawn if with_code else hall).pk, 1)],
                    promo_code="ONCE" if with_code else "",
                    idempotency_key=f"key-{index}"))  # the same key: a retry never makes a second order
                _until_not_busy(lambda: order_complete(
                    order=order, name=f"Buyer {index}", email=f"b{index}@example.com",
                    attendees=[Attendee(f"Buyer {index}", f"b{index}@example.com")], payment_method="offline"))
                return order.code

        results = _race(organization.schema_name, buy)
        with schema_context(organization.schema_name):
            sold = OrderPosition.objects.filter(order__status=Order.Status.AWAITING_PAYMENT, ticket_type=hall).count()
            promo.refresh_from_db()
            discounted = Order.objects.exclude(promo_code=None).count()
        hall_results, code_results = results[0::2], results[1::2]
        assert sold == SEATS == sum(str(r).startswith("REG-") for r in hall_results)
        assert sorted(r for r in hall_results if not str(r).startswith("REG-")) == ["sold_out"] * (BUYERS // 2 - SEATS)
        assert promo.used_count == 1 and discounted == 1
        assert sum(str(r).startswith("REG-") for r in code_results) == 1
        assert [r for r in code_results if not str(r).startswith("REG-")] == ["promo_exhausted"] * (BUYERS // 2 - 1)


def test_two_submissions_with_one_idempotency_key_make_one_order(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_organization("idem") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="idem")
            general = ticket_type_make(event, seats=50)
        connection.set_schema_to_public()

        def buy(index):
            with schema_context(organization.schema_name):
                return order_reserve(event=event, items=[Item(general.pk, 2)], idempotency_key="same-key").code

        results = _race(organization.schema_name, buy)
        with schema_context(organization.schema_name):
            assert Order.objects.count() == 1
            assert OrderPosition.objects.count() == 2
            assert set(results) == {Order.objects.get().code}


def test_builders_make_an_event_whose_tickets_are_on_sale(org_a, in_schema):
    # Also makes pytest-django set up the test database when this module runs alone: the
    # committed tests above do not use the ``db`` fixture (see tests/harness.py).
    with in_schema(org_a):
        event = event_make(slug="builders")
        general = ticket_type_make(event, seats=3)
        assert general.quotas.get().size == 3
        assert event.registration_is_open(general.event.starts_at.replace(year=general.event.starts_at.year - 1))


@contextlib.contextmanager
def _quotas_locked(schema: str, event):
    """The event's quotas held FOR UPDATE by another connection until the block ends."""
    from django.db import transaction

    from operations.ticketing.models import Quota

    locked, release = threading.Event(), threading.Event()

    def holder():
        try:
            with schema_context(schema), transaction.atomic():
                list(Quota.objects.select_for_update().filter(event=event))
                locked.set()
                release.wait(20)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert locked.wait(20)
        yield
    finally:
        release.set()
        thread.join(30)


def _reserve_in_thread(schema: str, event, ticket_type) -> list:
    """order_reserve from another connection: ["reserved"] or [(code, http status)]."""
    outcome: list = []

    def buyer():
        try:
            with schema_context(schema):
                order_reserve(event=event, items=[Item(ticket_type.pk, 1)])
                outcome.append("reserved")
        except OrderError as error:
            outcome.append((error.code, error.http_status))
        finally:
            connection.close()

    thread = threading.Thread(target=buyer)
    thread.start()
    thread.join(30)
    return outcome


@pytest.fixture
def short_lock_wait(monkeypatch):
    """Lock waits of 100 ms, tried twice: a held lock answers "busy" in a fraction of a second."""
    from operations.ticketing.services import capacity

    monkeypatch.setattr(capacity, "LOCK_TIMEOUT", "100ms")
    monkeypatch.setattr(capacity, "ATTEMPTS", 2)


def test_a_quota_locked_too_long_answers_busy_and_writes_nothing(django_db_setup, django_db_blocker, short_lock_wait):
    with django_db_blocker.unblock(), committed_organization("busy") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="busy")
            general = ticket_type_make(event, seats=5)
        connection.set_schema_to_public()
        with _quotas_locked(organization.schema_name, event):
            outcome = _reserve_in_thread(organization.schema_name, event, general)
        assert outcome == [("busy", 503)]
        with schema_context(organization.schema_name):
            assert not Order.objects.exists()


def test_a_sold_out_event_is_refused_without_waiting_for_the_quota_locks(django_db_setup, django_db_blocker,
                                                                         short_lock_wait):
    # Buyers who may still get a seat hold the locks; those who cannot are told at once.
    with django_db_blocker.unblock(), committed_organization("gone") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="gone")
            general = ticket_type_make(event, seats=1)
            order_reserve(event=event, items=[Item(general.pk, 1)])
        connection.set_schema_to_public()
        with _quotas_locked(organization.schema_name, event):
            outcome = _reserve_in_thread(organization.schema_name, event, general)
        assert outcome == [("sold_out", 409)]
        with schema_context(organization.schema_name):
            assert Order.objects.count() == 1


def _one_step_race(slug: str, email, limit_per_email=None):
    """BUYERS one-step registrations for SEATS free seats; the results and the committed orders."""
    from operations.ticketing.models import Ticket
    from operations.ticketing.services.orders import order_register

    with committed_organization(slug) as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug=slug)
            seat = ticket_type_make(event, name="Seat", price="0", seats=SEATS, max_per_order=1,
                                    limit_per_email=limit_per_email)
        connection.set_schema_to_public()

        def register(index):
            with schema_context(organization.schema_name):
                return _until_not_busy(lambda: order_register(
                    event=event, items=[Item(seat.pk, 1)], name=f"Buyer {index}", email=email(index),
                    idempotency_key=f"key-{index}")).code

        results = _race(organization.schema_name, register)
        with schema_context(organization.schema_name):
            confirmed = list(Order.objects.filter(status=Order.Status.CONFIRMED).values_list("email", flat=True))
            assert Ticket.objects.filter(revoked_at=None).count() == len(confirmed)
            # A refused one-step registration leaves no pending order behind.
            assert not Order.objects.exclude(status=Order.Status.CONFIRMED).exists()
        return results, confirmed


def test_forty_one_step_registrations_for_seven_free_seats_confirm_exactly_seven(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        results, confirmed = _one_step_race("onestep", lambda index: f"b{index}@example.com")
    assert len(confirmed) == SEATS == sum(str(r).startswith("REG-") for r in results)
    assert sorted(r for r in results if not str(r).startswith("REG-")) == ["sold_out"] * (BUYERS - SEATS)


def test_one_step_registrations_racing_from_three_addresses_get_one_seat_each(django_db_setup, django_db_blocker):
    # One seat per e-mail address, seven seats, forty buyers sharing three addresses.
    with django_db_blocker.unblock():
        results, confirmed = _one_step_race("permail", lambda index: f"b{index % 3}@example.com", limit_per_email=1)
    assert sorted(confirmed) == ["b0@example.com", "b1@example.com", "b2@example.com"]
    assert sorted(r for r in results if not str(r).startswith("REG-")) == ["email_limit"] * (BUYERS - 3)


def test_forty_buyers_for_a_session_with_seven_places_never_overfill_it(django_db_setup, django_db_blocker):
    from operations.ticketing.models import Session

    with django_db_blocker.unblock(), committed_organization("session") as organization:
        with schema_context(organization.schema_name):
            event = event_make(slug="session")
            general = ticket_type_make(event, seats=BUYERS)
            workshop = Session.objects.create(event=event, title="Workshop", starts_at=event.starts_at,
                                              ends_at=event.ends_at, capacity=SEATS)
        connection.set_schema_to_public()

        def buy(index):
            with schema_context(organization.schema_name):
                return _until_not_busy(lambda: order_reserve(
                    event=event, items=[Item(general.pk, 1, session_ids=[workshop.pk])])).code

        results = _race(organization.schema_name, buy)
        with schema_context(organization.schema_name):
            taken = OrderPosition.objects.filter(sessions=workshop).count()
        assert taken == SEATS == sum(str(r).startswith("REG-") for r in results)
        assert sorted(r for r in results if not str(r).startswith("REG-")) == ["session_full"] * (BUYERS - SEATS)
