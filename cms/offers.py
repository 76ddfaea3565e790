"""Live ticket offers of an operations event, read from ticketing at render time.

Prices and availability are never stored in pages (publishing an old revision must not change
what is sold)."""

def event_offers(*, event) -> list[dict]:
    """The ticket types on sale for ``event`` as dicts (name, description, price, currency,
    available, remaining, waiting_list, sale_starts_at, sale_ends_at); [] when there is no event."""
    from operations.ticketing.selectors import ticket_type_offers

    if event is None:
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
