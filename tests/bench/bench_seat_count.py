"""What counting an event's held seats costs as it sells: the reservation path counts them three
times per one-step registration (ticket page, pre-check, under the quota lock), and the rush
benchmark's 100 seats never show how that grows. An event in a committed organization beside 20
others of 2,000 sold seats each, counted at 100, 1,000, 5,000 and 10,000 seats sold: median
milliseconds of one count (operations.ticketing.queries.seats_held, as the reservation runs it,
prepared statements on). No DESIGN.md target: a probe for the team's decision on a running
count (BENCHMARKS.md)."""

import statistics
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.bench.report import record
from tests.harness import committed_organization

LEVELS = (100, 1_000, 5_000, 10_000)
NEIGHBOURS, NEIGHBOUR_SEATS = 20, 2_000
COUNTS = 50


def _event_with_quota(index: int):
    from operations.events.models import Event
    from operations.ticketing.models import Quota, TicketType

    now = timezone.now()
    event = Event.objects.create(name=f"Count {index}", slug=f"count-{index}", status=Event.Status.PUBLISHED,
                                 currency="KRW", starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=31))
    ticket_type = TicketType.objects.create(event=event, name="Seat", price=0)
    quota = Quota.objects.create(event=event, name="Hall", size=1_000_000)
    ticket_type.quotas.add(quota)
    return event, ticket_type, quota


def _sell(event, ticket_type, start: int, stop: int) -> None:
    from operations.ticketing.models import Order, OrderPosition

    now = timezone.now()
    orders = Order.objects.bulk_create([
        Order(event=event, code=f"REG-COUNT-{event.pk}-{i:06d}", status=Order.Status.CONFIRMED, currency="KRW",
              payment_method="free", created_at=now, confirmed_at=now) for i in range(start, stop)])
    OrderPosition.objects.bulk_create([OrderPosition(order=order, ticket_type=ticket_type, price=0) for order in orders])


def bench_seat_count(django_db_blocker, django_db_setup):
    from operations.ticketing.queries import seats_held

    figures = {}
    with django_db_blocker.unblock(), committed_organization("count") as organization:
        with schema_context(organization.schema_name):
            for index in range(NEIGHBOURS):
                _sell(*_event_with_quota(index)[:2], 0, NEIGHBOUR_SEATS)
            event, ticket_type, quota = _event_with_quota(NEIGHBOURS)
            sold = 0
            for level in LEVELS:
                _sell(event, ticket_type, sold, level)
                sold = level
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                timings = []
                for _ in range(COUNTS):
                    started = time.perf_counter()
                    held = seats_held([quota.pk], now=timezone.now())
                    timings.append((time.perf_counter() - started) * 1000)
                assert held == {quota.pk: level}
                figures[f"count_ms_at_{level}"] = round(statistics.median(timings), 2)
        connection.set_schema_to_public()
    record("seat_count", figures, {"count_ms": "none in DESIGN.md (a probe)"}, ok=True)
