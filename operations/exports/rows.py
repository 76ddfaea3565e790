"""Reading what an export holds: the filtered querysets and flat row dicts, a chunk at a time.

Rows are read in primary-key order through a server-side cursor, CHUNK rows at a time, so memory
stays bounded whatever the size; each chunk adds its sessions, check-ins and payments with one
query each, selected by the chunk's key range. Times are given in the event's time zone, without
tzinfo (spreadsheets have none).
"""

import datetime as dt
import itertools
import time
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils.dateparse import parse_date

from operations.exports.errors import ExportError
from operations.ticketing.models import Order, OrderPosition, WaitingListEntry

CHUNK = 2000  # rows per query; settings.EXPORTS_CHUNK_ROWS overrides (tests use small chunks)
S = Order.Status


def filters_clean(raw: dict) -> dict:
    """Validated filters: event, ticket_type (ids), status, date_from, date_to (ISO dates)."""
    cleaned = {}
    for key in ("event", "ticket_type"):
        value = str(raw.get(key) or "").strip()
        if value:
            if not value.isdigit():
                raise ExportError(f"Choose a valid {key.replace('_', ' ')}.", code="filter_invalid")
            cleaned[key] = int(value)
    status = str(raw.get("status") or "").strip()
    if status:
        cleaned["status"] = status[:30]
    for key in ("date_from", "date_to"):
        value = str(raw.get(key) or "").strip()
        if value:
            try:
                parsed = parse_date(value)
            except ValueError:
                parsed = None
            if parsed is None:
                raise ExportError("Dates must look like 2026-11-22.", code="filter_invalid")
            cleaned[key] = parsed.isoformat()
    if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
        raise ExportError("The start date must not be after the end date.", code="filter_invalid")
    return cleaned


def _date_q(field: str, filters: dict) -> Q:
    q = Q()
    if "date_from" in filters:
        q &= Q(**{f"{field}__gte": dt.datetime.combine(parse_date(filters["date_from"]), dt.time.min, dt.UTC)})
    if "date_to" in filters:
        end = parse_date(filters["date_to"]) + dt.timedelta(days=1)
        q &= Q(**{f"{field}__lt": dt.datetime.combine(end, dt.time.min, dt.UTC)})
    return q


def _payments():
    from operations.payments.models import Payment, Refund

    return Payment, Refund


def queryset_for(kind: str, filters: dict):
    """The rows an export of ``kind`` holds under ``filters`` (the current organization only)."""
    f = filters
    if kind == "attendees":
        qs = OrderPosition.objects.filter(_date_q("order__created_at", f))
        path = {"event": "order__event_id", "ticket_type": "ticket_type_id", "status": "order__status"}
    elif kind == "orders":
        qs = Order.objects.filter(_date_q("created_at", f))
        if "ticket_type" in f:
            qs = qs.filter(pk__in=OrderPosition.objects.filter(ticket_type_id=f["ticket_type"]).values("order_id"))
        path = {"event": "event_id", "status": "status"}
    elif kind in ("payments", "refunds"):
        model = _payments()[0 if kind == "payments" else 1]
        qs = model.objects.filter(_date_q("created_at", f))
        if "ticket_type" in f:
            qs = qs.filter(order__in=OrderPosition.objects.filter(ticket_type_id=f["ticket_type"]).values("order_id"))
        path = {"event": "order__event_id", "status": "status"}
    elif kind == "checkins":
        from operations.checkin.models import Scan

        qs = Scan.objects.filter(_date_q("scanned_at", f))
        path = {"event": "checkin_list__event_id", "ticket_type": "ticket__position__ticket_type_id", "status": "result"}
    elif kind == "waiting_list":
        qs = WaitingListEntry.objects.filter(_date_q("created_at", f))
        path = {"event": "event_id", "ticket_type": "ticket_type_id", "status": "status"}
    else:
        raise ExportError("Choose what to export.", code="kind_invalid")
    for key, field in path.items():
        if key in f:
            qs = qs.filter(**{field: f[key]})
    return qs.order_by("pk")


def questions_for(filters: dict) -> list[tuple[str, str]]:
    """(clean_name, label) of every question answered in the filtered positions, in the order the
    questions first appear; the label is the one of the newest answer (the question's current one)."""
    qs = queryset_for("attendees", filters).exclude(answers={})
    sql, params = qs.values("pk").query.sql_with_params()
    table = OrderPosition._meta.db_table
    with connection.cursor() as cursor:
        # Keys only (jsonb_object_keys) and one label lookup per question: no sort of every answer.
        cursor.execute(
            f"WITH k AS (SELECT q.key, min(p.id) AS first, max(p.id) AS last FROM {table} p "
            f"CROSS JOIN LATERAL jsonb_object_keys(p.answers) AS q(key) WHERE p.id IN ({sql}) GROUP BY q.key) "
            f"SELECT k.key, p.answers -> k.key ->> 'label' FROM k JOIN {table} p ON p.id = k.last "
            f"ORDER BY k.first, k.key", params)
        return [(key, label or key) for key, label in cursor.fetchall()]


def _local(value, tz_name: str):
    if value is None:
        return None
    return value.astimezone(_zone(tz_name)).replace(tzinfo=None)


_ZONES: dict[str, zoneinfo.ZoneInfo] = {}


def _zone(name: str) -> zoneinfo.ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = zoneinfo.ZoneInfo(name or "UTC")
    return zone


def payment_status(status: str, total: Decimal, paid: Decimal, latest_payment: str | None = None) -> str:
    """What finance reads: refunded, free, paid, partly paid or unpaid (with the provider's state)."""
    if status == S.REFUNDED:
        return "refunded"
    if status == S.PARTIALLY_REFUNDED:
        return "partly refunded"
    if not total:
        return "free"
    if paid >= total:
        return "paid"
    if paid > 0:
        return "partly paid"
    return f"unpaid ({latest_payment})" if latest_payment else "unpaid"


def _latest_payments(**where) -> dict[int, str]:
    Payment, _ = _payments()
    latest = {}
    for order_id, status in Payment.objects.filter(**where).order_by("order_id", "created_at", "pk") \
            .values_list("order_id", "status"):
        latest[order_id] = status
    return latest


def _chunks(qs, fields: list[str]) -> Iterator[list[dict]]:
    """Rows in primary-key order, ``size`` at a time, from one server-side cursor (one plan for
    the whole export; the database streams, we hold one chunk)."""
    size = int(getattr(settings, "EXPORTS_CHUNK_ROWS", CHUNK))
    pause = getattr(settings, "EXPORTS_CHUNK_PAUSE", 0)  # browser tests only: let progress be seen
    rows = qs.values(*fields).iterator(chunk_size=size)
    while chunk := list(itertools.islice(rows, size)):
        yield chunk
        if pause:
            time.sleep(pause)


_ATTENDEE_FIELDS = ["pk", "order_id", "order__code", "order__status", "order__created_at", "order__name",
                    "order__email", "order__phone", "order__currency", "order__total", "order__paid",
                    "order__promo_code__code", "order__event__name", "order__event__timezone", "ticket_type__name",
                    "price", "discount", "attendee_name", "attendee_email"]


# Per-chunk lookups select by the chunk's primary-key range, not by a list of ids: a list of
# 2,000 parameters costs more to send than the rows it finds.

def _admissions(low: int, high: int) -> dict[int, dt.datetime]:
    from operations.checkin.models import ADMITTED, Scan

    rows = (Scan.objects.filter(ADMITTED, kind=Scan.Kind.ENTRY, ticket__position__gte=low, ticket__position__lte=high)
            .values_list("ticket__position_id").annotate(first=Min("scanned_at")))
    return dict(rows)


def _sessions(low: int, high: int) -> dict[int, list[str]]:
    through = OrderPosition.sessions.through
    found: dict[int, list[str]] = {}
    for position_id, title in (through.objects.filter(orderposition__gte=low, orderposition__lte=high)
                               .order_by("session__starts_at").values_list("orderposition_id", "session__title")):
        found.setdefault(position_id, []).append(title)
    return found


def attendee_rows(filters: dict, questions: list[str] = ()) -> Iterator[list[dict]]:
    """``questions``: the question names whose answers to read. PostgreSQL extracts each answer's
    value as text (no JSON decoding per row here); multiple choices arrive as a JSON array text."""
    qs = queryset_for("attendees", filters)
    answer_keys = {f"answer_{i}": name for i, name in enumerate(questions)}
    qs = qs.annotate(**{key: KeyTextTransform("value", KeyTransform(name, "answers"))
                        for key, name in answer_keys.items()})
    labels = dict(S.choices)
    for chunk in _chunks(qs, _ATTENDEE_FIELDS + list(answer_keys)):
        low, high = chunk[0]["pk"], chunk[-1]["pk"]
        sessions, admitted = _sessions(low, high), _admissions(low, high)
        latest = _latest_payments(order__positions__pk__range=(low, high))
        rows = []
        for r in chunk:
            tz = r["order__event__timezone"]
            first_in = admitted.get(r["pk"])
            rows.append({
                "event": r["order__event__name"], "order_code": r["order__code"],
                "attendee_name": r["attendee_name"], "attendee_email": r["attendee_email"],
                "ticket_type": r["ticket_type__name"], "sessions": "; ".join(sessions.get(r["pk"], ())),
                "order_status": labels.get(r["order__status"], r["order__status"]),
                "payment_status": payment_status(r["order__status"], r["order__total"], r["order__paid"],
                                                 latest.get(r["order_id"])),
                "price": r["price"], "discount": r["discount"], "order_total": r["order__total"],
                "order_paid": r["order__paid"], "currency": r["order__currency"],
                "promo_code": r["order__promo_code__code"] or "", "buyer_name": r["order__name"],
                "buyer_email": r["order__email"], "buyer_phone": r["order__phone"],
                "registered_at": _local(r["order__created_at"], tz),
                "checked_in": "yes" if first_in else "no", "checked_in_at": _local(first_in, tz),
                "answers": {name: r[key] for key, name in answer_keys.items()},
            })
        yield rows


def order_rows(filters: dict) -> Iterator[list[dict]]:
    fields = ["pk", "event__name", "event__timezone", "code", "status", "payment_method", "name", "email", "phone",
              "subtotal", "discount", "total", "paid", "currency", "promo_code__code", "created_at", "confirmed_at"]
    labels = dict(S.choices)
    for chunk in _chunks(queryset_for("orders", filters), fields):
        low, high = chunk[0]["pk"], chunk[-1]["pk"]
        counts = dict(OrderPosition.objects.filter(order__gte=low, order__lte=high, is_cancelled=False)
                      .values_list("order_id").annotate(n=Count("id")).order_by())
        latest = _latest_payments(order__gte=low, order__lte=high)
        yield [{
            "event": r["event__name"], "code": r["code"], "status": labels.get(r["status"], r["status"]),
            "payment_status": payment_status(r["status"], r["total"], r["paid"], latest.get(r["pk"])),
            "payment_method": r["payment_method"], "name": r["name"], "email": r["email"], "phone": r["phone"],
            "tickets": counts.get(r["pk"], 0), "subtotal": r["subtotal"], "discount": r["discount"],
            "total": r["total"], "paid": r["paid"], "currency": r["currency"], "promo_code": r["promo_code__code"] or "",
            "created_at": _local(r["created_at"], r["event__timezone"]),
            "confirmed_at": _local(r["confirmed_at"], r["event__timezone"]),
        } for r in chunk]


def money_rows(kind: str, filters: dict) -> Iterator[list[dict]]:
    extra = ["provider", "provider_reference"] if kind == "payments" else ["reason"]
    fields = ["pk", "order__event__name", "order__event__timezone", "order__code", "status", "amount", "currency",
              "created_at", "settled_at", *extra]
    for chunk in _chunks(queryset_for(kind, filters), fields):
        yield [{
            "event": r["order__event__name"], "order_code": r["order__code"], "status": r["status"],
            "amount": r["amount"], "currency": r["currency"],
            "created_at": _local(r["created_at"], r["order__event__timezone"]),
            "settled_at": _local(r["settled_at"], r["order__event__timezone"]),
            **{key: r[key] for key in extra},
        } for r in chunk]


def checkin_rows(filters: dict) -> Iterator[list[dict]]:
    fields = ["pk", "checkin_list__event__name", "checkin_list__event__timezone", "checkin_list__name",
              "ticket__position__attendee_name", "ticket__position__attendee_email",
              "ticket__position__ticket_type__name", "ticket__position__order__code", "kind", "result", "source",
              "scanned_at", "actor_label", "undone_at"]
    for chunk in _chunks(queryset_for("checkins", filters), fields):
        yield [{
            "event": r["checkin_list__event__name"], "checkin_list": r["checkin_list__name"],
            "attendee_name": r["ticket__position__attendee_name"] or "",
            "attendee_email": r["ticket__position__attendee_email"] or "",
            "ticket_type": r["ticket__position__ticket_type__name"] or "",
            "order_code": r["ticket__position__order__code"] or "", "kind": r["kind"], "result": r["result"],
            "source": r["source"], "scanned_at": _local(r["scanned_at"], r["checkin_list__event__timezone"]),
            "staff": r["actor_label"], "undone": "yes" if r["undone_at"] else "no",
        } for r in chunk]


def waiting_list_rows(filters: dict) -> Iterator[list[dict]]:
    fields = ["pk", "event__name", "event__timezone", "email", "name", "ticket_type__name", "status", "created_at",
              "offered_at"]
    for chunk in _chunks(queryset_for("waiting_list", filters), fields):
        yield [{
            "event": r["event__name"], "email": r["email"], "name": r["name"], "ticket_type": r["ticket_type__name"] or "",
            "status": r["status"], "created_at": _local(r["created_at"], r["event__timezone"]),
            "offered_at": _local(r["offered_at"], r["event__timezone"]),
        } for r in chunk]


def rows_for(kind: str, filters: dict, questions: list[str] = ()) -> Iterator[list[dict]]:
    if kind == "attendees":
        return attendee_rows(filters, questions)
    if kind == "orders":
        return order_rows(filters)
    if kind in ("payments", "refunds"):
        return money_rows(kind, filters)
    if kind == "checkins":
        return checkin_rows(filters)
    if kind == "waiting_list":
        return waiting_list_rows(filters)
    raise ExportError("Choose what to export.", code="kind_invalid")
