"""Read queries for ticketing (no writes)."""

from django.db.models import Q
from django.utils import timezone

from operations.ticketing.models import Order, OrderPosition, PromoCode, Quota, Session, TicketType
from operations.ticketing.queries import listed_types_with_remaining, order_with_event, order_with_tickets
from operations.ticketing.services.capacity import quota_used, session_used


def ticket_type_offers(*, event, now=None, listed=None) -> list[dict]:
    """What the public may buy: visible, active ticket types with live remaining capacity (the
    smallest remainder over the quotas each counts against; a type without quota has none left).
    One query whatever the number of types; none when ``listed`` (listed_types_with_remaining's
    answer, read at ``now``) is given."""
    now = now or timezone.now()
    if listed is None:
        listed = listed_types_with_remaining(event.pk, now=now)
    is_open = event.registration_is_open(now)
    return [ticket_type_offer(ticket_type, event=event, remaining=max(remaining, 0) if remaining is not None else 0,
                              is_open=is_open, now=now) for ticket_type, remaining in listed]


def ticket_type_offer(ticket_type: TicketType, *, event, remaining: int | None, is_open: bool, now) -> dict:
    """A ticket type as the ticket page offers it. ``remaining`` None: not counted (a type a code
    unlocks; the seats are counted when it is chosen)."""
    early = ticket_type.early_price is not None and ticket_type.early_until is not None and now < ticket_type.early_until
    on_sale = ticket_type.on_sale(now)
    return {
        "id": ticket_type.pk,
        "name": ticket_type.name,
        "description": ticket_type.description,
        "price": ticket_type.price_at(now),
        "currency": event.currency,
        "available": on_sale and is_open and (remaining is None or remaining > 0),
        "remaining": remaining,
        # Sold out while registration is open: people may join the waiting list.
        "waiting_list": is_open and on_sale and remaining == 0,
        "sale_starts_at": ticket_type.sale_starts_at,
        "sale_ends_at": ticket_type.sale_ends_at,
        "sale_upcoming": ticket_type.sale_starts_at is not None and now < ticket_type.sale_starts_at,
        # The early-bird price and until when, while it applies (then the regular price).
        "early_until": ticket_type.early_until if early else None,
        "regular_price": ticket_type.price,
        "min_per_order": ticket_type.min_per_order,
        "max_per_order": per_order_most(ticket_type),
    }


def promo_code_usable(*, event, code: str, now=None) -> PromoCode | None:
    """The event's active promo code ``code`` (any case) when it is valid at ``now`` and not used up,
    with the ticket types it discounts and unlocks loaded; else None. What the ticket page tells a
    visitor who applies a code; the order counts the use under its lock."""
    code = (code or "").strip().upper()
    if not code:
        return None
    now = now or timezone.now()
    promo = (PromoCode.objects.filter(event=event, code=code, is_active=True)
             .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=now), Q(valid_until__isnull=True) | Q(valid_until__gt=now))
             .prefetch_related("ticket_types", "unlocks").first())
    if promo is None or (promo.max_uses is not None and promo.used_count >= promo.max_uses):
        return None
    return promo


def per_order_most(ticket_type: TicketType) -> int:
    """The most of ``ticket_type`` one order may hold: its maximum, or its limit per buyer e-mail
    when that is lower (one order has one buyer)."""
    return min(ticket_type.max_per_order, ticket_type.limit_per_email or ticket_type.max_per_order)


def quota_usage(*, event, now=None) -> list[tuple[Quota, int]]:
    quotas = list(Quota.objects.filter(event=event))
    used = quota_used(quotas, now=now or timezone.now())
    return [(q, used[q.pk]) for q in quotas]


def order_search(*, query: str = "", status: str = "", event_id=None, ticket_type_id=None,
                 created_from=None, created_to=None):
    orders = Order.objects.select_related("event")
    if query:
        query = query.strip()
        orders = orders.filter(Q(code__icontains=query) | Q(email__icontains=query) | Q(name__icontains=query)
                               | Q(positions__attendee_name__icontains=query)
                               | Q(positions__attendee_email__icontains=query)).distinct()
    if status:
        orders = orders.filter(status=status)
    if event_id:
        orders = orders.filter(event_id=event_id)
    if ticket_type_id:
        orders = orders.filter(positions__ticket_type_id=ticket_type_id).distinct()
    if created_from:
        orders = orders.filter(created_at__date__gte=created_from)
    if created_to:
        orders = orders.filter(created_at__date__lte=created_to)
    return orders


def _secret_plausible(secret: str) -> bool:
    return bool(secret) and len(secret) <= 64


def order_by_secret(secret: str) -> Order | None:
    return order_with_event(secret) if _secret_plausible(secret) else None


def order_and_tickets_by_secret(secret: str) -> tuple[Order, list] | None:
    """The order behind a secret link and its valid tickets (one statement: the order page)."""
    return order_with_tickets(secret) if _secret_plausible(secret) else None


def sessions_with_places(*, event, now=None) -> list[Session]:
    """The event's sessions, each with ``remaining`` places (None: no limit) and ``is_full``."""
    sessions = list(Session.objects.filter(event=event))
    used = session_used([s for s in sessions if s.capacity is not None], now=now or timezone.now())
    for session in sessions:
        session.remaining = None if session.capacity is None else max(session.capacity - used.get(session.pk, 0), 0)
        session.is_full = session.remaining == 0
    return sessions


def order_sessions_by_position(*, order) -> dict[int, list[Session]]:
    """The sessions each position of ``order`` chose, by position id, in time order; positions
    without sessions are left out. One query for the whole order (pages, e-mail and PDF list them
    per attendee)."""
    if getattr(order, "has_chosen_sessions", True) is False:  # known from the order's read: none chosen
        return {}
    chosen: dict[int, list[Session]] = {}
    picks = (OrderPosition.sessions.through.objects.filter(orderposition__order_id=order.pk)
             .select_related("session").order_by("session__starts_at", "session__id"))
    for pick in picks:
        chosen.setdefault(pick.orderposition_id, []).append(pick.session)
    return chosen
