"""Imports of attendees or complimentary tickets into one event, from CSV or XLSX.

Columns (headers are case-insensitive): ``email`` and ``name`` (required), ``ticket_type`` (the
type's name; optional when the form names one), ``external_id`` (optional), ``phone``; every other
column is kept as an answer under its header.

Guarantees: a dry run writes nothing; any bad row refuses the whole file with every problem and
its line number; re-importing a file creates nothing new (each row's stable key — external id, else
e-mail + event + ticket type — is the order's idempotency key); the new tickets must fit the
remaining capacity, checked under the quota locks of ticketing's capacity service, or nothing is
imported. Attendee imports are registrations settled elsewhere (confirmed, paid at the type's
price); complimentary tickets are free. Orders are created here rather than through order_reserve
because imports must also fill hidden types and closed sales; the capacity rule is the same.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.utils import timezone
from django.utils.text import slugify
from import_export.formats import base_formats

from operations.audit.services import audit_record
from operations.events.models import Event
from operations.exports.errors import ExportError
from operations.ticketing.models import Order, OrderPosition, Ticket, TicketType
from operations.ticketing.services import capacity
from operations.ticketing.services.orders import order_code_new

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000
RESERVED = {"email", "name", "ticket_type", "external_id", "phone"}


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class Row:
    line: int
    email: str
    name: str
    ticket_type: TicketType
    key: str
    phone: str = ""
    answers: dict = field(default_factory=dict)


@dataclass
class Preview:
    rows: int = 0
    new: list[Row] = field(default_factory=list)
    existing: int = 0
    problems: list[Problem] = field(default_factory=list)
    capacity: list[dict] = field(default_factory=list)  # quota, wanted, remaining

    @property
    def fits(self) -> bool:
        return all(c["wanted"] <= c["remaining"] for c in self.capacity)


def table_read(content: bytes, filename: str) -> tuple[list[str], list[list]]:
    """Headers and rows of a CSV or XLSX file (import-export's formats). Raises ExportError."""
    if len(content) > MAX_BYTES:
        raise ExportError("The file is larger than 5 MB.", code="file_too_large")
    name = (filename or "").lower()
    try:
        if name.endswith(".xlsx"):
            dataset = base_formats.XLSX().create_dataset(content)
        elif name.endswith(".csv"):
            text = content.decode("utf-8-sig")
            dataset = base_formats.CSV().create_dataset(text)
        else:
            raise ExportError("Upload a .csv or .xlsx file.", code="file_type")
    except UnicodeDecodeError:
        raise ExportError("The CSV file must be UTF-8 encoded.", code="file_unreadable") from None
    except ExportError:
        raise
    except Exception:  # any parser failure of a malformed upload is the user's file, not our bug  # noqa: BLE001
        raise ExportError("The file could not be read as a table.", code="file_unreadable") from None
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    if len(dataset) > MAX_ROWS:
        raise ExportError(f"Import at most {MAX_ROWS} rows at a time.", code="file_too_large")
    return headers, [list(r) for r in dataset]


def problem_sentence(problems: list[str]) -> str:
    text = "; ".join(problems)
    return text[:1].upper() + text[1:] + "."


def _key(event: Event, raw: str) -> str:
    digest = hashlib.sha256(raw.encode()).hexdigest()[:40]
    return f"imp:{event.pk}:{digest}"


def import_check(*, event: Event, content: bytes, filename: str, ticket_type: TicketType | None = None,
                 now=None) -> Preview:
    """Parse and validate a file against the event: the dry run. Writes nothing."""
    headers, data = table_read(content, filename)
    lower = [h.lower().replace(" ", "_").replace("-", "_") for h in headers]
    if "email" not in lower or "name" not in lower:
        raise ExportError("The file needs the columns “email” and “name”.", code="columns_missing")
    if "ticket_type" not in lower and ticket_type is None:
        raise ExportError("Choose a ticket type, or add a “ticket_type” column.", code="columns_missing")
    types = {t.name.strip().lower(): t for t in TicketType.objects.filter(event=event).prefetch_related("quotas")}
    preview = Preview(rows=len(data))
    seen: dict[str, int] = {}
    for offset, values in enumerate(data):
        line = offset + 2  # line 1 holds the headers
        cells = {k: ("" if v is None else str(v).strip()) for k, v in zip(lower, values, strict=False)}
        problems = []
        email = cells.get("email", "").lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"“{email or '(empty)'}” is not a valid e-mail address")
        name = cells.get("name", "")
        if not name:
            problems.append("the name is empty")
        chosen = ticket_type
        if cells.get("ticket_type"):
            chosen = types.get(cells["ticket_type"].lower())
            if chosen is None:
                problems.append(f"no ticket type “{cells['ticket_type']}” in this event")
        if chosen is not None and not chosen.quotas.all():
            problems.append(f"“{chosen.name}” has no quota")
        if problems:
            preview.problems.append(Problem(line, problem_sentence(problems)))
            continue
        raw_key = cells.get("external_id") or f"{email}|{chosen.pk}"
        key = _key(event, raw_key)
        if key in seen:
            preview.problems.append(Problem(line, f"Same person and ticket type as line {seen[key]} "
                                                  "(add an external_id column for several tickets)."))
            continue
        seen[key] = line
        answers = {slugify(h).replace("-", "_") or f"column_{i}": {"label": h, "type": "imported", "value": cells.get(lk, "")}
                   for i, (h, lk) in enumerate(zip(headers, lower, strict=True)) if lk not in RESERVED and h}
        preview.new.append(Row(line, email, name[:200], chosen, key, cells.get("phone", "")[:40], answers))
    existing = set(Order.objects.filter(idempotency_key__in=[r.key for r in preview.new])
                   .values_list("idempotency_key", flat=True))
    preview.existing = len(existing)
    preview.new = [r for r in preview.new if r.key not in existing]
    preview.capacity = _capacity(preview.new, now=now)
    return preview


def _capacity(rows: list[Row], *, now=None, quotas=None) -> list[dict]:
    """Wanted vs remaining seats per quota. ``quotas``: already locked rows (else read unlocked)."""
    if quotas is None:
        by_id = {q.pk: q for r in rows for q in r.ticket_type.quotas.all()}
        quotas = [by_id[k] for k in sorted(by_id)]
    used = capacity.quota_used(quotas, now=now)
    result = []
    for quota in quotas:
        wanted = sum(1 for r in rows if quota.pk in {q.pk for q in r.ticket_type.quotas.all()})
        if wanted:
            result.append({"quota": quota.name, "wanted": wanted, "remaining": max(quota.size - used[quota.pk], 0)})
    return result


def import_apply(*, event: Event, content: bytes, filename: str, complimentary: bool, ticket_type=None, actor=None,
                 request=None, now=None) -> dict:
    """Import the file: every row or none. Raises ExportError: rows_invalid (with ``problems``),
    capacity_exceeded, busy. Returns counts {created, existing, rows}."""
    now = now or timezone.now()
    preview = import_check(event=event, content=content, filename=filename, ticket_type=ticket_type, now=now)
    if preview.problems:
        raise ExportError(f"{len(preview.problems)} rows have problems; nothing was imported.", code="rows_invalid",
                          problems=[{"line": p.line, "message": p.message} for p in preview.problems])

    def work() -> list[Order]:
        quotas = capacity.quotas_lock({q.pk for r in preview.new for q in r.ticket_type.quotas.all()})
        # Under the locks: an import of the same file that just committed has taken its rows.
        taken = set(Order.objects.filter(idempotency_key__in=[r.key for r in preview.new])
                    .values_list("idempotency_key", flat=True))
        rows = [r for r in preview.new if r.key not in taken]
        for check in _capacity(rows, now=now, quotas=quotas):
            if check["wanted"] > check["remaining"]:
                raise ExportError(
                    f"The file adds {check['wanted']} tickets to “{check['quota']}”, but only {check['remaining']} "
                    "seats are left. Nothing was imported.", code="capacity_exceeded", **check)
        orders = _orders_create(event, rows, complimentary=complimentary, now=now)
        audit_record("import.applied", actor=actor, target=event, request=request, after={
            "kind": "complimentary" if complimentary else "attendees", "file": filename[:120], "rows": preview.rows,
            "created": len(orders), "existing": preview.existing + len(taken), "orders": [o.code for o in orders]})
        return orders

    try:
        orders = capacity.with_lock_retry(work)
    except IntegrityError:
        raise ExportError("The same file is being imported right now. Try again in a moment.", code="busy") from None
    return {"created": len(orders), "existing": preview.rows - len(orders), "rows": preview.rows}


def _orders_create(event: Event, rows: list[Row], *, complimentary: bool, now) -> list[Order]:
    orders, prices = [], []
    for row in rows:
        price = Decimal(0) if complimentary else row.ticket_type.price
        prices.append(price)
        orders.append(Order(
            event=event, code=order_code_new(now, event), idempotency_key=row.key, status=Order.Status.CONFIRMED,
            payment_method=Order.PaymentMethod.FREE if not price else Order.PaymentMethod.OFFLINE,
            email=row.email, name=row.name, phone=row.phone, currency=event.currency, subtotal=price, total=price,
            # Imported rows are confirmed as they stand: the tickets catch-up sweep e-mails no one.
            paid=price, created_at=now, confirmed_at=now, tickets_emailed_at=now))
    Order.objects.bulk_create(orders)
    positions = OrderPosition.objects.bulk_create([
        OrderPosition(order=order, ticket_type=row.ticket_type, price=price, attendee_name=row.name,
                      attendee_email=row.email, answers=row.answers)
        for order, row, price in zip(orders, rows, prices, strict=True)])
    Ticket.objects.bulk_create([Ticket(position=p, issued_at=now) for p in positions])
    return orders
