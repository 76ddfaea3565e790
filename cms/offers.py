"""Live ticket offers of an operations event, read from ticketing at render time.

Prices and availability are never stored in pages (publishing an old revision must not change
what is sold). Until the ticketing selectors exist this returns no offers."""

import logging

logger = logging.getLogger(__name__)


def event_offers(*, event) -> list[dict]:
    """The ticket types on sale for ``event`` as dicts (name, description, price, currency,
    available, remaining, sale_starts_at, sale_ends_at); [] when there is no event or no ticketing."""
    if event is None:
        return []
    try:
        from operations.ticketing.selectors import ticket_type_offers
    except ImportError:
        return []
    return list(ticket_type_offers(event=event))


def registration_url(*, event) -> str:
    """Where people register for ``event`` on this site ("" until the registration flow exists)."""
    from django.urls import NoReverseMatch, reverse

    if event is None:
        return ""
    try:
        return reverse("registration:choose", kwargs={"slug": event.slug})
    except NoReverseMatch:
        return ""
