"""Orders awaiting card payment, for payment tests (call inside the organization's schema)."""

from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make


def card_order(*, slug="paid", currency="USD", price="55.00", seats=10, quantity=1, now=None, event=None, ticket_type=None):
    if event is None:
        event = event_make(slug=slug, currency=currency)
        ticket_type = ticket_type_make(event, price=price, seats=seats)
    order = order_reserve(event=event, items=[Item(ticket_type.pk, quantity)], now=now)
    return order_complete(order=order, name="Buyer", email="buyer@example.com", payment_method="stripe", now=now,
                          attendees=[Attendee(f"A{i}", f"a{i}@example.com") for i in range(quantity)])
