"""Migration from an older system: events and their registrations from one CSV/XLSX file
(REQUIREMENTS.md, "Migration of ... events and registrations from an older system").

One row per registration: ``event_ref, event_name, event_starts_at, event_ends_at, event_timezone,
currency, ticket_type, price, registration_ref, email, name, status, registered_at, amount_paid``
(``event_capacity`` optional). Events are found or created by ``event_ref`` (slug
``legacy-<ref>``), ticket types by name, and each registration becomes one order whose
idempotency key is its ``registration_ref``: re-running the file creates nothing new. Historic
registrations are kept as they were (no sale window or capacity refusal: each imported type gets a
quota at least as large as its imported seats). All or nothing; a dry run writes nothing.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from operations.audit.services import audit_record
from operations.events.models import Event
from operations.exports.errors import ExportError
from operations.exports.services.importing import Problem, problem_sentence, table_read
from operations.ticketing.models import Order, OrderPosition, Quota, Ticket, TicketType
from operations.ticketing.services.orders import order_code_new

REQUIRED = ["event_ref", "event_name", "event_starts_at", "ticket_type", "registration_ref", "email", "name"]
STATUSES = {"confirmed": Order.Status.CONFIRMED, "paid": Order.Status.CONFIRMED, "cancelled": Order.Status.CANCELLED,
            "canceled": Order.Status.CANCELLED, "refunded": Order.Status.REFUNDED, "pending": Order.Status.AWAITING_PAYMENT}


@dataclass
class LegacyPreview:
    rows: int = 0
    events_new: set = field(default_factory=set)
    registrations_new: list = field(default_factory=list)
    existing: int = 0
    problems: list[Problem] = field(default_factory=list)
    fits = True  # historic registrations are kept as they were (see _quota_cover)


def _when(value: str, tz: zoneinfo.ZoneInfo):
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value or "").strip().replace("/", "-")
        if len(text) == 10:
            text = f"{text} 00:00"  # a date alone: midnight
        try:
            parsed = parse_datetime(text) if text else None
        except ValueError:  # well formed but impossible, e.g. 2024-13-01
            parsed = None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def legacy_check(*, content: bytes, filename: str) -> LegacyPreview:
    """Validate the whole file; writes nothing."""
    headers, data = table_read(content, filename)
    lower = [h.lower().replace(" ", "_") for h in headers]
    missing = [c for c in REQUIRED if c not in lower]
    if missing:
        raise ExportError(f"The file needs the columns: {', '.join(missing)}.", code="columns_missing")
    preview = LegacyPreview(rows=len(data))
    seen: dict[str, int] = {}
    for offset, values in enumerate(data):
        line = offset + 2
        raw = dict(zip(lower, values, strict=False))
        c = {k: ("" if v is None else v if isinstance(v, dt.datetime) else str(v).strip()) for k, v in raw.items()}
        problems = []
        try:
            tz = zoneinfo.ZoneInfo(c.get("event_timezone") or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(f"unknown time zone “{c.get('event_timezone')}”")
            tz = dt.UTC
        starts = _when(c.get("event_starts_at"), tz)
        ends = _when(c.get("event_ends_at"), tz) or starts
        registered = _when(c.get("registered_at"), tz) or starts
        if starts is None:
            problems.append("event_starts_at is not a date and time")
        elif ends < starts:
            problems.append("the event ends before it starts")
        for column in ("event_ref", "event_name", "ticket_type", "registration_ref", "name"):
            if not c.get(column):
                problems.append(f"{column} is empty")
        email = str(c.get("email", "")).lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"“{email or '(empty)'}” is not a valid e-mail address")
        try:
            price = Decimal(str(c.get("price") or "0"))
            paid = Decimal(str(c.get("amount_paid") or "0"))
            if price < 0 or paid < 0:
                raise InvalidOperation
        except InvalidOperation:
            problems.append("price and amount_paid must be numbers of at least 0")
            price = paid = Decimal(0)
        status = STATUSES.get(str(c.get("status") or "confirmed").lower())
        if status is None:
            problems.append(f"unknown status “{c.get('status')}” (use {', '.join(sorted(STATUSES))})")
        ref = str(c.get("registration_ref", ""))
        if ref in seen:
            problems.append(f"registration_ref repeats line {seen[ref]}")
        seen[ref] = line
        if problems:
            preview.problems.append(Problem(line, problem_sentence(problems)))
            continue
        preview.registrations_new.append({
            "line": line, "event_ref": str(c["event_ref"]), "event_name": c["event_name"][:200], "tz": tz.key,
            "starts": starts, "ends": ends, "currency": (c.get("currency") or "EUR").upper()[:3],
            "capacity": int(c["event_capacity"]) if str(c.get("event_capacity", "")).isdigit() else 0,
            "ticket_type": c["ticket_type"][:120], "price": price, "paid": paid, "status": status,
            "key": f"legacy:{ref}"[:64], "email": email, "name": c["name"][:200], "registered": registered})
    existing = set(Order.objects.filter(idempotency_key__in=[r["key"] for r in preview.registrations_new])
                   .values_list("idempotency_key", flat=True))
    preview.existing = len(existing)
    preview.registrations_new = [r for r in preview.registrations_new if r["key"] not in existing]
    known = set(Event.objects.filter(slug__in={_slug(r["event_ref"]) for r in preview.registrations_new})
                .values_list("slug", flat=True))
    preview.events_new = {r["event_ref"] for r in preview.registrations_new if _slug(r["event_ref"]) not in known}
    return preview


def _slug(ref: str) -> str:
    return f"legacy-{slugify(ref)}"[:80]


def legacy_apply(*, content: bytes, filename: str, actor=None, request=None) -> dict:
    """Import events and registrations (all or nothing). Raises ExportError(rows_invalid)."""
    preview = legacy_check(content=content, filename=filename)
    if preview.problems:
        raise ExportError(f"{len(preview.problems)} rows have problems; nothing was imported.", code="rows_invalid",
                          problems=[{"line": p.line, "message": p.message} for p in preview.problems])
    now = timezone.now()
    with transaction.atomic():
        events: dict[str, Event] = {}
        types: dict[tuple, TicketType] = {}
        created = []
        for r in preview.registrations_new:
            event = events.get(r["event_ref"])
            if event is None:
                event, _ = Event.objects.get_or_create(slug=_slug(r["event_ref"]), defaults={
                    "name": r["event_name"], "starts_at": r["starts"], "ends_at": r["ends"], "timezone": r["tz"],
                    "currency": r["currency"], "status": Event.Status.COMPLETED if r["ends"] < now else Event.Status.DRAFT})
                events[r["event_ref"]] = event
            ticket_type = types.get((event.pk, r["ticket_type"]))
            if ticket_type is None:
                ticket_type = TicketType.objects.filter(event=event, name=r["ticket_type"]).first()
                if ticket_type is None:
                    ticket_type = TicketType.objects.create(event=event, name=r["ticket_type"], price=r["price"],
                                                            visibility=TicketType.Visibility.HIDDEN)
                types[(event.pk, r["ticket_type"])] = ticket_type
            order = Order.objects.create(
                event=event, code=order_code_new(r["registered"], event), idempotency_key=r["key"], status=r["status"],
                payment_method=Order.PaymentMethod.FREE if not r["price"] else Order.PaymentMethod.OFFLINE,
                email=r["email"], name=r["name"], currency=event.currency, subtotal=r["price"], total=r["price"],
                paid=r["paid"], created_at=r["registered"],
                confirmed_at=r["registered"] if r["status"] == Order.Status.CONFIRMED else None,
                tickets_emailed_at=r["registered"])  # migrated: e-mailed by the old system, not again
            position = OrderPosition.objects.create(order=order, ticket_type=ticket_type, price=r["price"],
                                                    attendee_name=r["name"], attendee_email=r["email"],
                                                    is_cancelled=r["status"] in (Order.Status.CANCELLED, Order.Status.REFUNDED))
            if r["status"] == Order.Status.CONFIRMED:
                Ticket.objects.create(position=position)
            created.append(order.code)
        for ticket_type in types.values():
            _quota_cover(ticket_type, preview)
        audit_record("import.legacy_applied", actor=actor, request=request, after={
            "file": filename[:120], "rows": preview.rows, "events_created": sorted(preview.events_new),
            "created": len(created), "existing": preview.existing, "orders": created})
    return {"rows": preview.rows, "created": len(created), "existing": preview.existing,
            "events_created": len(preview.events_new)}


def _quota_cover(ticket_type: TicketType, preview: LegacyPreview) -> None:
    """Give an imported type a quota that holds its imported seats (and the file's capacity)."""
    held = OrderPosition.objects.filter(ticket_type=ticket_type, is_cancelled=False).count()
    wanted = max([held] + [r["capacity"] for r in preview.registrations_new if r["ticket_type"] == ticket_type.name])
    quota = ticket_type.quotas.first()
    if quota is None:
        ticket_type.quotas.add(Quota.objects.create(event=ticket_type.event, name=f"{ticket_type.name} (imported)",
                                                    size=wanted))
    elif quota.size < wanted:
        Quota.objects.filter(pk=quota.pk).update(size=wanted)
