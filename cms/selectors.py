"""Read queries of the organization's site (the current schema is the organization)."""

from django.utils import timezone

from operations.events.models import Event


def listed_event_pages(*, upcoming: bool = False):
    """Live, public (no password) and listed event pages with their event, soonest first.
    Cancelled events stay listed (people need to learn they are cancelled) unless they are over."""
    from cms.models import EventPage, Visibility

    pages = (
        EventPage.objects.live().public().filter(visibility=Visibility.PUBLIC, event__isnull=False)
        .select_related("event", "hero_image").order_by("event__starts_at")
    )
    if upcoming:
        pages = pages.filter(event__ends_at__gte=timezone.now())
    return pages


def discoverable_event_pages():
    """What the platform's discovery index may show: listed pages of events that are not drafts."""
    return listed_event_pages().exclude(event__status__in=[Event.Status.DRAFT, Event.Status.ARCHIVED])


def event_listing(*, when: str, category: str, format: str) -> dict:
    """Listed event pages filtered by time ("upcoming" or "past"), category slug and format.
    Unknown filter values are ignored rather than refused: these come from links people share."""
    from cms.models import EventCategory

    now = timezone.now()
    when = when if when in ("upcoming", "past") else "upcoming"
    pages = listed_event_pages()
    pages = pages.filter(event__ends_at__lt=now).order_by("-event__starts_at") if when == "past" \
        else pages.filter(event__ends_at__gte=now)
    categories = list(EventCategory.objects.all())
    chosen = next((c for c in categories if c.slug == category), None)
    if chosen:
        pages = pages.filter(categories=chosen)
    formats = dict(Event.Format.choices)
    if format in formats:
        pages = pages.filter(event__format=format)
    else:
        format = ""
    return {"pages": pages, "when": when, "categories": categories, "category": chosen,
            "formats": Event.Format.choices, "format": format}
