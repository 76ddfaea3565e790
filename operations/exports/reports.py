"""Report figures (read only): registrations and revenue over time, by ticket type and promo code,
check-in rate and the registration funnel, for one event or the whole organization, in a date
range. Money is summed per currency (an organization may sell in several)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from operations.exports.errors import ExportError
from operations.exports.models import PageViewCount
from operations.ticketing.models import Order, OrderPosition, Ticket

S = Order.Status
SOLD = (S.CONFIRMED, S.PARTIALLY_REFUNDED)
REGISTERED = (S.CONFIRMED, S.PARTIALLY_REFUNDED, S.AWAITING_PAYMENT, S.AWAITING_APPROVAL, S.REFUNDED)
ZERO = Value(0, output_field=DecimalField(max_digits=14, decimal_places=3))


@dataclass
class Range:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def q_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return (dt.datetime.combine(self.start, dt.time.min, dt.UTC),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, dt.UTC))


def range_parse(start: str | None, end: str | None, *, today: dt.date | None = None) -> Range:
    """A date range (default: the last 30 days). Raises ExportError(filter_invalid)."""
    today = today or dt.datetime.now(dt.UTC).date()
    try:
        end_date = dt.date.fromisoformat(end) if end else today
        start_date = dt.date.fromisoformat(start) if start else end_date - dt.timedelta(days=29)
    except ValueError:
        raise ExportError("Dates must look like 2026-11-22.", code="filter_invalid") from None
    if start_date > end_date:
        raise ExportError("The start date must not be after the end date.", code="filter_invalid")
    if (end_date - start_date).days > 3660:
        raise ExportError("Choose a range of at most ten years.", code="filter_invalid")
    return Range(start_date, end_date)


def _orders(event_id, rng: Range):
    low, high = rng.q_bounds
    qs = Order.objects.filter(created_at__gte=low, created_at__lt=high)
    return qs.filter(event_id=event_id) if event_id else qs


def over_time(event_id, rng: Range) -> list[dict]:
    """One row per day and currency: registrations, tickets, revenue (amount paid of sold orders)."""
    rows = (_orders(event_id, rng).filter(status__in=REGISTERED).annotate(day=TruncDate("created_at"))
            .values("day", "currency")
            .annotate(registrations=Count("id", distinct=True),
                      revenue=Coalesce(Sum("paid", filter=Q(status__in=SOLD)), ZERO))
            .order_by("day", "currency"))
    tickets = {(day, currency): n for day, currency, n in (
        OrderPosition.objects.filter(order__in=_orders(event_id, rng).filter(status__in=REGISTERED), is_cancelled=False)
        .annotate(day=TruncDate("order__created_at")).values("day", "order__currency").annotate(n=Count("id"))
        .values_list("day", "order__currency", "n"))}
    by_day = {(r["day"], r["currency"]): r for r in rows}
    result = []
    currencies = sorted({c for _, c in by_day}) or [""]
    day = rng.start
    while day <= rng.end:
        for currency in currencies:
            r = by_day.get((day, currency), {})
            result.append({"day": day, "currency": currency, "registrations": r.get("registrations", 0),
                           "tickets": tickets.get((day, currency), 0), "revenue": r.get("revenue", 0)})
        day += dt.timedelta(days=1)
    return result


def by_ticket_type(event_id, rng: Range) -> list[dict]:
    rows = (OrderPosition.objects.filter(order__in=_orders(event_id, rng).filter(status__in=SOLD), is_cancelled=False)
            .values("ticket_type__event__name", "ticket_type__name", "order__currency")
            .annotate(tickets=Count("id"), revenue=Coalesce(Sum(F("price") - F("discount")), ZERO))
            .order_by("ticket_type__event__name", "ticket_type__name"))
    return [{"event": r["ticket_type__event__name"], "ticket_type": r["ticket_type__name"],
             "currency": r["order__currency"], "tickets": r["tickets"], "revenue": r["revenue"]} for r in rows]


def by_promo_code(event_id, rng: Range) -> list[dict]:
    rows = (_orders(event_id, rng).filter(status__in=SOLD, promo_code__isnull=False)
            .values("promo_code__code", "event__name", "currency")
            .annotate(orders=Count("id"), discount=Coalesce(Sum("discount"), ZERO), revenue=Coalesce(Sum("paid"), ZERO))
            .order_by("-orders", "promo_code__code"))
    return [{"code": r["promo_code__code"], "event": r["event__name"], "currency": r["currency"], "orders": r["orders"],
             "discount": r["discount"], "revenue": r["revenue"]} for r in rows]


def checkin_rate(event_id, rng: Range) -> dict:
    """Valid tickets of sold orders placed in the range, and how many of them were admitted."""
    from operations.checkin.models import ADMITTED, Scan

    tickets = Ticket.objects.filter(revoked_at__isnull=True, position__is_cancelled=False,
                                    position__order__in=_orders(event_id, rng).filter(status__in=SOLD))
    valid = tickets.count()
    admitted = (Scan.objects.filter(ADMITTED, kind=Scan.Kind.ENTRY, ticket__in=tickets)
                .values("ticket_id").distinct().count())
    return {"tickets": valid, "checked_in": admitted, "rate": round(admitted * 100 / valid, 1) if valid else 0.0}


def funnel(event_id, rng: Range) -> list[dict]:
    """Page views → registration started (orders created) → details completed (buyer details
    entered) → payment started (a payment row, or the order reached payment or confirmation) → paid."""
    from operations.exports.funnel import page_views_flush
    from operations.payments.models import Payment

    page_views_flush()
    low, high = rng.q_bounds
    views = PageViewCount.objects.filter(hour__gte=low, hour__lt=high)
    if event_id:
        views = views.filter(event_id=event_id)
    orders = _orders(event_id, rng)
    with_payment = Payment.objects.filter(order__in=orders).values("order_id")
    steps = [
        ("Event page views", views.aggregate(n=Coalesce(Sum("views"), 0))["n"]),
        ("Registration started", orders.count()),
        ("Details completed", orders.exclude(email="").count()),
        ("Payment started", orders.filter(Q(pk__in=with_payment) | Q(status__in=(*SOLD, S.AWAITING_PAYMENT, S.REFUNDED)))
         .count()),
        ("Paid", orders.filter(status__in=(*SOLD, S.REFUNDED)).count()),
    ]
    result, previous = [], None
    for label, n in steps:
        result.append({"step": label, "count": n,
                       "of_previous": round(n * 100 / previous, 1) if previous else None})
        previous = n
    return result


def report_build(*, event_id=None, rng: Range) -> dict:
    return {"over_time": over_time(event_id, rng), "by_ticket_type": by_ticket_type(event_id, rng),
            "by_promo_code": by_promo_code(event_id, rng), "checkin": checkin_rate(event_id, rng),
            "funnel": funnel(event_id, rng)}


# Column headings of each section, for the tables and the CSV export.
SECTIONS = {
    "over_time": [("day", "Day"), ("currency", "Currency"), ("registrations", "Registrations"), ("tickets", "Tickets"),
                  ("revenue", "Revenue")],
    "by_ticket_type": [("event", "Event"), ("ticket_type", "Ticket type"), ("currency", "Currency"),
                       ("tickets", "Tickets sold"), ("revenue", "Revenue")],
    "by_promo_code": [("code", "Promo code"), ("event", "Event"), ("currency", "Currency"), ("orders", "Orders"),
                      ("discount", "Discount given"), ("revenue", "Revenue")],
    "checkin": [("tickets", "Valid tickets"), ("checked_in", "Checked in"), ("rate", "Check-in rate (%)")],
    "funnel": [("step", "Step"), ("count", "Count"), ("of_previous", "% of previous step")],
}
