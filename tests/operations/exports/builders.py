"""Orders with answers for export tests, written straight to the tables (call in the schema)."""

import itertools
from decimal import Decimal

from django.utils import timezone

from operations.ticketing.models import Order, OrderPosition, Ticket

_codes = itertools.count(1)


def answer(label, value, kind="short_text"):
    return {"label": label, "type": kind, "value": value}


def order_make(event, ticket_type, *, name="Kim Minji", email=None, status=Order.Status.CONFIRMED, price="10",
               answers=None, created_at=None, paid=None, promo=None, attendees=1) -> Order:
    n = next(_codes)
    email = f"person{n}@example.com" if email is None else email
    price = Decimal(price)
    total = price * attendees
    order = Order.objects.create(
        event=event, code=f"REG-TEST-{n:06d}", status=status, email=email, name=name, currency=event.currency,
        subtotal=total, total=total, paid=total if paid is None else Decimal(paid), promo_code=promo,
        created_at=created_at or timezone.now(), confirmed_at=timezone.now() if status == "confirmed" else None)
    for i in range(attendees):
        position = OrderPosition.objects.create(order=order, ticket_type=ticket_type, price=price,
                                                attendee_name=f"{name} {i}" if attendees > 1 else name,
                                                attendee_email=email, answers=answers or {})
        if status == Order.Status.CONFIRMED:
            Ticket.objects.create(position=position)
    return order
