from django import template

from operations.ticketing.money import money_format
from operations.ticketing.selectors import order_sessions_by_position
from operations.ticketing.services.documents import online_url_for
from operations.ticketing.services.documents import session_when as session_when_text

register = template.Library()


@register.filter
def money(amount, currency):
    """{{ order.total|money:order.currency }} → "KRW 30,000" / "EUR 12.50" (the currency's exponent)."""
    if amount is None or amount == "":
        return ""
    return money_format(amount, currency)


@register.simple_tag
def order_sessions(order):
    """{% order_sessions order as chosen %}: the sessions each attendee of the order chose, read in
    one query for the whole page (``{{ chosen|sessions_of:position }}`` gives one attendee's)."""
    return order_sessions_by_position(order=order)


@register.filter
def sessions_of(chosen, position):
    return chosen.get(position.pk, []) if chosen else []


@register.filter
def session_when(session, event):
    """{{ session|session_when:event }} → "Sat 22 Nov 2026, 10:00–11:30" in the event's time zone."""
    return session_when_text(session, event.tz)


@register.filter
def online_url(order):
    """{{ order|online_url }}: the event's online link if this order may join (else empty)."""
    return online_url_for(order)
