"""Demo ticketing data for the demo organizations (the demo loader calls demo_ticketing_load)."""

import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from operations.events.models import Event
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, PromoCode, Quota, Session, TicketType
from operations.ticketing.money import currency_exponent

# (name, description, price in "major units" for 2-decimal currencies, seats, visibility)
_TYPES = [
    ("General admission", "Access to every talk and the exhibition.", Decimal("45"), None, TicketType.Visibility.VISIBLE),
    ("Student", "Bring your student card to the entrance.", Decimal("15"), 40, TicketType.Visibility.VISIBLE),
    ("Speaker", "For invited speakers (unlocked by code).", Decimal("0"), 20, TicketType.Visibility.PROMO_ONLY),
]
_WHOLE_UNIT_FACTOR = Decimal(1000)  # KRW/JPY prices: 45 → 45,000
_PEOPLE = [("Kim Minji", "minji.kim"), ("Aroha Ngata", "aroha.ngata"), ("Lena Vogel", "lena.vogel"),
           ("Tom Becker", "tom.becker"), ("Park Jiho", "jiho.park")]


logger = logging.getLogger(__name__)

def _price(amount: Decimal, currency: str) -> Decimal:
    return amount * _WHOLE_UNIT_FACTOR if currency_exponent(currency) == 0 else amount


# Events with free entry, one ticket per person and nothing to ask: they register in one step.
FREE_ENTRY = {"open-studios-kreuzberg"}


def demo_ticketing_load(organization) -> None:
    """Ticket types, quotas, sessions, a promo code and a few orders per event of ``organization``,
    priced in each event's currency (free entry for the events in FREE_ENTRY). Idempotent:
    running it again adds nothing."""
    with schema_context(organization.schema_name):
        for event in Event.objects.all():
            if event.slug in FREE_ENTRY:
                _free_entry_load(event)
            else:
                _event_load(event, organization)


def _takes_demo_orders(event: Event) -> bool:
    """Public events without orders yet (a second run adds none)."""
    return event.status in (Event.Status.PUBLISHED, Event.Status.ONGOING) and not Order.objects.filter(event=event).exists()


@transaction.atomic
def _free_entry_load(event: Event) -> None:
    from operations.ticketing.services.orders import Item, order_register

    entry, created = TicketType.objects.get_or_create(event=event, name="Free entry", defaults={
        "description": "One ticket per person: show it at the meeting point.", "price": Decimal(0),
        "max_per_order": 1})
    if created:
        entry.quotas.add(Quota.objects.create(event=event, name="Visitors", size=150))
    if not _takes_demo_orders(event):
        return
    try:
        for index, (name, handle) in enumerate(_PEOPLE[2:]):
            order_register(event=event, items=[Item(entry.pk, 1)], name=name, email=f"{handle}@example.com",
                           idempotency_key=f"demo-{event.pk}-free-{index}")
    except OrderError as error:
        logger.info("demo orders skipped for %s: %s", event, error.code)


# Consumption tax by currency, prices including it (as people there expect to see them).
_TAX_RULES = {"KRW": ("부가세", Decimal(10)), "NZD": ("GST", Decimal(15)), "EUR": ("MwSt.", Decimal(19))}


def _tax_rule_load(event: Event) -> None:
    from operations.invoicing.models import TaxRule

    if event.currency in _TAX_RULES:
        name, rate = _TAX_RULES[event.currency]
        TaxRule.objects.get_or_create(event=event, defaults={"name": name, "rate": rate, "prices_include_tax": True})


@transaction.atomic
def _event_load(event: Event, organization) -> None:
    from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve

    capacity = 200
    hall, _ = Quota.objects.get_or_create(event=event, name="All seats", defaults={"size": capacity})
    types = {}
    for position, (name, description, price, seats, visibility) in enumerate(_TYPES):
        ticket_type, created = TicketType.objects.get_or_create(event=event, name=name, defaults={
            "description": description, "price": _price(price, event.currency), "visibility": visibility,
            "position": position, "max_per_order": 6})
        if created:
            ticket_type.quotas.add(hall)
            if seats:
                ticket_type.quotas.add(Quota.objects.create(event=event, name=f"{name} seats", size=seats))
        types[name] = ticket_type
    _tax_rule_load(event)
    promo, created = PromoCode.objects.get_or_create(event=event, code="SPEAKER", defaults={
        "kind": PromoCode.Kind.PERCENT, "value": Decimal(0), "max_uses": 50})
    if created:
        promo.unlocks.add(types["Speaker"])
    PromoCode.objects.get_or_create(event=event, code="EARLY10", defaults={
        "kind": PromoCode.Kind.PERCENT, "value": Decimal(10), "max_uses": 100})
    if not Session.objects.filter(event=event).exists():
        start = event.starts_at
        for index, (title, room) in enumerate([("Opening keynote", "Main hall"), ("Workshop: hands-on", "Room 2"),
                                               ("Panel: what comes next", "Main hall")]):
            Session.objects.create(event=event, title=title, room=room, starts_at=start + timedelta(hours=index * 2),
                                   ends_at=start + timedelta(hours=index * 2 + 1, minutes=30),
                                   capacity=30 if "Workshop" in title else None, speakers="Demo speaker")
    if not _takes_demo_orders(event):
        return
    domain = organization.slug
    try:
        for index, (name, handle) in enumerate(_PEOPLE[:3]):
            ticket_type = types["Student"] if index == 2 else types["General admission"]
            order = order_reserve(event=event, items=[Item(ticket_type.pk, 1 + index % 2)],
                                  idempotency_key=f"demo-{domain}-{event.pk}-{index}",
                                  now=timezone.now())
            attendees = [Attendee(name, f"{handle}@example.com")] + [
                Attendee(_PEOPLE[-1][0], f"{_PEOPLE[-1][1]}@example.com")] * (order.positions.count() - 1)
            order_complete(order=order, name=name, email=f"{handle}@example.com", attendees=attendees,
                           payment_method="offline")
    except OrderError as error:
        # Registration closed or sold out for this demo event: its types and quotas still exist.
        logger.info("demo orders skipped for %s: %s", event, error.code)
