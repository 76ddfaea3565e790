"""Placing orders: reserve seats (15-minute hold), fill in buyer and attendees, submit; or, for
one free seat with nothing to ask, all of it in one step (order_register).

Guarantees: seats and promo code uses are taken under row locks inside one transaction, so no
quota and no code limit is ever exceeded; an idempotency key makes a repeated submission return
the first order; every refusal raises OrderError with a stable code and writes nothing.
"""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from operations.audit.services import audit_record
from operations.events.models import Event
from operations.invoicing.services.taxes import order_tax_apply
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, OrderPosition, PromoCode, Session, TicketType, seat_holding_q
from operations.ticketing.money import money_quantize
from operations.ticketing.queries import (
    order_by_idempotency_key, order_locked, positions_with_types, types_with_quotas,
)
from operations.ticketing.services import capacity
from operations.ticketing.services.lifecycle import (
    order_snapshot, order_submit_locked, order_submit_move, order_submitted,
)

RESERVATION_MINUTES = 15
DRAWS = 5  # attempts at a reservation whose drawn confirmation number or secret was already taken
_DRAWN_UNIQUE = {f"{Order._meta.db_table}_code_key", f"{Order._meta.db_table}_secret_key"}
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at the door


@dataclass
class Item:
    ticket_type_id: int
    quantity: int
    session_ids: list[int] = field(default_factory=list)
    expected_price: Decimal | None = None  # what the buyer was shown; a mismatch is refused


def order_code_new(now, event: Event) -> str:
    """A confirmation number: the day of the order where the event takes place (what its
    organizer and attendees call that day), and six characters drawn at random."""
    return f"REG-{now.astimezone(event.tz):%Y%m%d}-{''.join(secrets.choice(_CODE_ALPHABET) for _ in range(6))}"


def _promo_find(event: Event, code: str, now) -> PromoCode | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    promo = PromoCode.objects.filter(event=event, code=code, is_active=True).first()
    if promo is None or (promo.valid_from and now < promo.valid_from) or (promo.valid_until and now >= promo.valid_until):
        raise OrderError("This promo code is not valid.", code="promo_invalid")
    return promo


def _items_validate(event: Event, items: list[Item], promo: PromoCode | None, now) -> dict[int, TicketType]:
    if not items:
        raise OrderError("Choose at least one ticket.", code="quantity_invalid")
    for item in items:
        if not isinstance(item.quantity, int) or item.quantity <= 0:
            raise OrderError("Quantities must be whole numbers of at least 1.", code="quantity_invalid")
    ids = {item.ticket_type_id for item in items}
    if len(ids) != len(items):
        raise OrderError("Each ticket type may appear once.", code="quantity_invalid")
    types = types_with_quotas(event.pk, ids, now=now)
    unlocked = set(promo.unlocks.values_list("pk", flat=True)) if promo else set()
    total = 0
    for item in items:
        ticket_type = types.get(item.ticket_type_id)
        if ticket_type is None or not ticket_type.is_active:
            raise OrderError("This ticket is not available.", code="ticket_type_unknown")
        if ticket_type.visibility != TicketType.Visibility.VISIBLE and ticket_type.pk not in unlocked:
            raise OrderError("This ticket is not available.", code="ticket_type_hidden")
        if not ticket_type.on_sale(now):
            raise OrderError(f"“{ticket_type.name}” is not on sale now.", code="sale_closed")
        if item.quantity < ticket_type.min_per_order or item.quantity > ticket_type.max_per_order:
            raise OrderError(f"Choose between {ticket_type.min_per_order} and {ticket_type.max_per_order} "
                             f"of “{ticket_type.name}”.", code="quantity_invalid")
        if ticket_type.limit_per_email and item.quantity > ticket_type.limit_per_email:
            # Refused at once rather than after the buyer filled in every attendee.
            raise OrderError(f"“{ticket_type.name}” is limited to {ticket_type.limit_per_email} per e-mail address.",
                             code="email_limit")
        if item.expected_price is not None and Decimal(item.expected_price) != ticket_type.price_at(now):
            raise OrderError(f"The price of “{ticket_type.name}” has changed; please review your choice.",
                             code="price_mismatch")
        if not ticket_type.counted_quotas:
            raise OrderError("This ticket is not available.", code="ticket_type_unknown")
        total += item.quantity
    if total > event.max_per_order:
        raise OrderError(f"One order may hold at most {event.max_per_order} tickets.", code="too_many")
    return types


def _promo_applies_check(promo: PromoCode | None, limited: set[int], items: list[Item]) -> None:
    """Refuse a code limited to other ticket types than the chosen ones, unless it unlocked one of
    them: it would count a use (a single-use code gone) and take nothing off."""
    chosen = {item.ticket_type_id for item in items}
    if promo is None or not limited or limited & chosen or promo.unlocks.filter(pk__in=chosen).exists():
        return
    raise OrderError(f"The code {promo.code} does not apply to the tickets you chose.", code="promo_not_applicable")


def _discount(promo: PromoCode | None, ticket_type: TicketType, price: Decimal, currency: str, limited: set[int]) -> Decimal:
    if promo is None or (limited and ticket_type.pk not in limited):
        return Decimal(0)
    if promo.kind == PromoCode.Kind.PERCENT:
        return min(money_quantize(price * promo.value / 100, currency), price)
    return min(money_quantize(promo.value, currency), price)


def order_reserve(*, event: Event, items: list[Item], promo_code: str = "", idempotency_key: str = "",
                  user=None, request=None, now=None, hold_minutes: int = RESERVATION_MINUTES) -> Order:
    """Hold seats for ``hold_minutes`` in a new pending order.

    Locks the quotas (and sessions, and the promo code) the items count against, in id order, and
    re-counts the held seats under the lock. Raises OrderError: sale_closed, quantity_invalid,
    too_many, ticket_type_unknown/hidden, price_mismatch, email_limit, promo_invalid/promo_exhausted/
    promo_not_applicable, sold_out, busy. With a known ``idempotency_key`` returns the order created by the first call.
    """
    return _order_place(event=event, items=items, promo_code=promo_code, idempotency_key=idempotency_key,
                        user=user, request=request, now=now, hold_minutes=hold_minutes)


def order_register(*, event: Event, items: list[Item], name: str, email: str, phone: str = "",
                   promo_code: str = "", idempotency_key: str = "", user=None, request=None, now=None) -> Order:
    """One-step registration: one free seat for the buyer, reserved and submitted in one
    transaction (confirmed, or awaiting approval), for events where a hold would only send the
    buyer to a second page. The caller knows the ticket asks no questions. Refuses what
    order_reserve and order_complete refuse, and a ticket that is not free (one_step_unavailable),
    writing nothing. With a known ``idempotency_key`` returns the order of the first submission."""
    if sum(item.quantity for item in items if isinstance(item.quantity, int)) != 1 or any(i.session_ids for i in items):
        raise OrderError("Choose one ticket.", code="quantity_invalid")
    name = (name or "").strip()[:200]
    if not name:
        raise OrderError("Enter your name.", code="name_required")
    buyer = Attendee(name, _email_clean(email, "yourself"))
    return _order_place(event=event, items=items, promo_code=promo_code, idempotency_key=idempotency_key,
                        user=user, request=request, now=now, hold_minutes=RESERVATION_MINUTES,
                        buyer=buyer, phone=(phone or "")[:40])


def _order_place(*, event, items, promo_code, idempotency_key, user, request, now, hold_minutes,
                 buyer: "Attendee | None" = None, phone: str = "") -> Order:
    """Reserve; with ``buyer``, also submit in the same transaction (the buyer is the attendee).
    Everything done under the quota locks is a few statements: buyers of the same seats wait for
    them."""
    try:
        return _order_write(event=event, items=items, promo_code=promo_code, idempotency_key=idempotency_key,
                            user=user, request=request, now=now, hold_minutes=hold_minutes, buyer=buyer, phone=phone)
    except (OrderError, IntegrityError):
        # A repeated submission fails like any other (refused, its own seats counting against it,
        # or stopped by its key's unique constraint, also when two copies race) and is then
        # answered with the first one's order. Looking the key up only here spares every first
        # submission a query.
        if idempotency_key and (existing := order_by_idempotency_key(idempotency_key)):
            return _same_event(existing, event)
        raise


def _order_write(*, event, items, promo_code, idempotency_key, user, request, now, hold_minutes, buyer,
                 phone) -> Order:
    now = now or timezone.now()
    if not event.registration_is_open(now):
        raise OrderError("Registration for this event is not open.", code="sale_closed")
    promo = _promo_find(event, promo_code, now)
    types = _items_validate(event, items, promo, now)
    limited = set(promo.ticket_types.values_list("pk", flat=True)) if promo else set()
    _promo_applies_check(promo, limited, items)
    # Sold out already: refused without a transaction or the quota locks, which the buyers who may
    # still get a seat are waiting for (the seats held were read with the ticket types). Whoever
    # passes is counted again under the locks.
    quotas = list({q.pk: q for t in types.values() for q in t.counted_quotas}.values())
    _seats_check(quotas, {quota.pk: quota.held for quota in quotas}, items, types)

    def work() -> Order:
        sessions = _sessions_read(event, items)
        lines = []  # (ticket type, price, discount, session ids), one per seat
        for item in items:
            ticket_type = types[item.ticket_type_id]
            price = ticket_type.price_at(now) + sum((sessions[s].price for s in item.session_ids), Decimal(0))
            price = money_quantize(price, event.currency)
            off = _discount(promo, ticket_type, price, event.currency, limited)
            lines += [(ticket_type, price, off, item.session_ids)] * item.quantity
        subtotal = sum((price for _, price, _, _ in lines), Decimal(0))
        discount = sum((off for _, _, off, _ in lines), Decimal(0))
        if buyer is not None and subtotal - discount:  # (no tax is due on nothing)
            raise OrderError("This ticket is not free: please register in steps.", code="one_step_unavailable")
        order = _order_new(event=event, now=now, idempotency_key=idempotency_key, user=user, promo=promo,
                           hold_minutes=hold_minutes, subtotal=subtotal, discount=discount,
                           total=money_quantize(subtotal - discount, event.currency))
        submitted = None
        if buyer is not None:
            # One step: the order is written once, already submitted (confirmed, or awaiting
            # approval), rather than written pending and then updated.
            order.name, order.email, order.phone = buyer.name, buyer.email, phone
            submitted = order_submit_move(order, payment_method="", now=now)
        # Written with its totals: one statement for the order, one for its seats.
        order.save(force_insert=True)
        attendee = {"attendee_name": buyer.name, "attendee_email": buyer.email} if buyer else {}
        positions = OrderPosition.objects.bulk_create([
            OrderPosition(order=order, ticket_type=ticket_type, price=price, discount=off, **attendee)
            for ticket_type, price, off, _ in lines])
        for position, (_, _, _, session_ids) in zip(positions, lines, strict=True):
            if session_ids:
                position.sessions.set(session_ids)
        # The event's tax, fixed now; added to the total when prices exclude it.
        if added := order_tax_apply(order=order, lines=[(price, off) for _, price, off, _ in lines]):
            order.total += added
            order.save(update_fields=["total"])
        if submitted is None:
            audit_record("order.reserved", target=order, after=order_snapshot(order), request=request, actor=user)
        else:
            order_submitted(order, submitted, positions=positions, request=request)
        # The seats last. Until this transaction commits nobody else sees the order, so counting
        # and taking seats only needs the quota locks from here to the commit: everything above
        # runs while other buyers of the same seats do their own writing, and a refusal here rolls
        # it all back.
        _seats_take(quotas, sessions, items, types, promo, now)
        if buyer is not None:
            _email_limits_check(order, buyer.email, positions, now)
        return order

    for _ in range(DRAWS):
        try:
            return capacity.with_lock_retry(work)
        except IntegrityError as error:
            # A drawn confirmation number or secret was taken: the whole reservation runs again
            # with new ones (rare enough that the common path needs no savepoint around its INSERT).
            # Any other violation (a used idempotency key) goes to _order_place.
            if _violated_constraint(error) not in _DRAWN_UNIQUE:
                raise
    raise OrderError("Please try again.", code="busy")


def _sessions_read(event: Event, items: list[Item]) -> dict[int, Session]:
    """The sessions the items pick (for their prices); refuses unknown ones (session_unknown)."""
    session_ids = {s for item in items for s in item.session_ids}
    sessions = {s.pk: s for s in Session.objects.filter(pk__in=session_ids)} if session_ids else {}
    if len(sessions) != len(session_ids) or any(s.event_id != event.pk for s in sessions.values()):
        raise OrderError("This session is not available.", code="session_unknown")
    for item in items:
        _sessions_overlap_check([sessions[s] for s in item.session_ids])
    return sessions


def _sessions_overlap_check(picked: list[Session]) -> None:
    """One person cannot attend two sessions at once (session_overlap)."""
    picked = sorted(picked, key=lambda session: session.starts_at)
    for earlier, later in zip(picked, picked[1:]):
        if later.starts_at < earlier.ends_at:
            raise OrderError(f"“{earlier.title}” and “{later.title}” run at the same time: choose one of them.",
                             code="session_overlap")


def _seats_take(quotas, sessions: dict[int, Session], items: list[Item], types: dict[int, TicketType],
                promo: PromoCode | None, now) -> None:
    """Under the locks (quotas, sessions, promo code, in that order), check that the order just
    written by this transaction fits: the counts include its own seats. Takes a use of the code."""
    locked_quotas = capacity.quotas_lock(q.pk for q in quotas)
    _seats_check(locked_quotas, capacity.quota_used(locked_quotas, now=now), items, types, counted=True)
    locked_sessions = capacity.sessions_lock(sessions)
    taken = capacity.session_used(locked_sessions, now=now)
    for session in locked_sessions:
        if session.capacity is not None and taken.get(session.pk, 0) > session.capacity:
            raise OrderError(f"“{session.title}” is full.", code="session_full")
    if promo is not None:
        locked = PromoCode.objects.select_for_update(no_key=True).get(pk=promo.pk)
        if locked.max_uses is not None and locked.used_count >= locked.max_uses:
            raise OrderError("This promo code has been used up.", code="promo_exhausted")
        PromoCode.objects.filter(pk=promo.pk).update(used_count=F("used_count") + 1)


def _seats_check(quotas, used: dict[int, int], items: list[Item], types: dict[int, TicketType], *,
                 counted: bool = False) -> None:
    """Refuse (sold_out, with the seats left) items that do not fit in every quota. ``counted``:
    ``used`` already includes the items (their order is written)."""
    for quota in quotas:
        wanted = sum(i.quantity for i in items if quota in types[i.ticket_type_id].counted_quotas)
        others = used[quota.pk] - wanted if counted else used[quota.pk]
        if others + wanted > quota.size:
            left = max(quota.size - others, 0)
            raise OrderError("Sold out." if not left else f"Only {left} seat{'s are' if left > 1 else ' is'} left.",
                             code="sold_out", remaining=left)


def _same_event(order: Order, event: Event) -> Order:
    if order.event_id != event.pk:
        raise OrderError("This form was already used for another event.", code="idempotency_conflict")
    return order


def _order_new(*, event, now, idempotency_key, user, promo, hold_minutes, subtotal, discount, total) -> Order:
    """A pending order, not yet written."""
    return Order(
        event=event, code=order_code_new(now, event), idempotency_key=idempotency_key or None,
        currency=event.currency, promo_code=promo, created_at=now,
        expires_at=now + timedelta(minutes=hold_minutes),
        user=user if getattr(user, "is_authenticated", False) else None,
        subtotal=subtotal, discount=discount, total=total,
    )


def _violated_constraint(error: IntegrityError) -> str:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""


@dataclass
class Attendee:
    name: str
    email: str
    answers: dict = field(default_factory=dict)


def _email_clean(value: str, what: str) -> str:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise OrderError(f"Enter a valid e-mail address for {what}.", code="email_invalid") from None
    return value.lower()


def order_complete(*, order: Order, name: str, email: str, attendees: list[Attendee], payment_method: str = "",
                   phone: str = "", request=None, now=None) -> Order:
    """Record buyer and attendees and submit the order (free: confirmed; offline: awaiting payment;
    approval events: awaiting approval). Refuses an expired reservation (reservation_expired),
    malformed e-mails (email_invalid), missing names (name_required), a wrong number of attendees,
    a per-e-mail limit (email_limit) and an order already submitted (already_submitted; the caller
    shows the order instead)."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name:
        raise OrderError("Enter the buyer's name.", code="name_required")
    email = _email_clean(email, "the buyer")
    cleaned = []
    for index, attendee in enumerate(attendees, start=1):
        if not (attendee.name or "").strip():
            raise OrderError(f"Enter the name of attendee {index}.", code="name_required")
        cleaned.append(Attendee(attendee.name.strip()[:200], _email_clean(attendee.email, f"attendee {index}"),
                                attendee.answers or {}))

    def work() -> Order:
        locked = order_locked(order.pk)
        if locked.status != Order.Status.PENDING:
            raise OrderError("This order has already been submitted.", code="already_submitted")
        if locked.expires_at and locked.expires_at <= now:
            raise OrderError("Your reservation has expired. Please choose your tickets again.",
                             code="reservation_expired")
        positions = positions_with_types(locked)
        if len(cleaned) != len(positions):
            raise OrderError("Enter the details of every attendee.", code="attendees_mismatch")
        _email_limits_check(locked, email, positions, now)
        before = order_snapshot(locked)
        for position, attendee in zip(positions, cleaned, strict=True):
            position.attendee_name, position.attendee_email, position.answers = attendee.name, attendee.email, attendee.answers
            position.save(update_fields=["attendee_name", "attendee_email", "answers"])
        # Saved with the new status by order_submit_locked: one write of the order.
        locked.name, locked.email, locked.phone = name[:200], email, (phone or "")[:40]
        # Positions of a pending order never hold tickets: confirming issues one for each.
        order_submit_locked(locked, payment_method=payment_method, now=now, request=request, before=before,
                            positions=positions)
        if before["email"]:  # only a waiting-list offer holds an order with its e-mail already known
            from operations.ticketing.services.waitlist import waiting_list_offer_accept

            waiting_list_offer_accept(order=locked)
        return locked

    return capacity.with_lock_retry(work)


def _email_limits_check(order: Order, email: str, positions: list[OrderPosition], now) -> None:
    limited = {p.ticket_type for p in positions if p.ticket_type.limit_per_email}
    if not limited:
        return
    # Lock the limited types so two orders for one e-mail cannot both pass the count.
    # NO KEY UPDATE: positions being written for these types hold KEY SHARE locks on them.
    list(TicketType.objects.select_for_update(no_key=True).filter(pk__in=sorted(t.pk for t in limited)).order_by("pk"))
    for ticket_type in limited:
        held = (OrderPosition.objects.filter(seat_holding_q(now), ticket_type=ticket_type, is_cancelled=False,
                                             order__email=email).exclude(order=order).count())
        wanted = sum(1 for p in positions if p.ticket_type_id == ticket_type.pk)
        if held + wanted > ticket_type.limit_per_email:
            raise OrderError(f"“{ticket_type.name}” is limited to {ticket_type.limit_per_email} per e-mail address.",
                             code="email_limit")

