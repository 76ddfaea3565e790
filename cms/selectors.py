"""Read queries of the organization's site (the current schema is the organization)."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone

from operations.events.models import Event, EventSeries


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


# What visitors may see of a series: "more dates" are published, ongoing or cancelled ones (shown
# as cancelled: people who planned for a date learn it is off, as on the event listings), "past"
# completed ones.
# Grouped by status, not by the clock, so a kept render (cms.page_cache) never misfiles a date: the
# status moves with a save (operations.events.progress), and every save retires kept pages.
SERIES_UPCOMING_STATUSES = (Event.Status.PUBLISHED, Event.Status.ONGOING, Event.Status.CANCELLED)
SERIES_PAST_STATUSES = (Event.Status.COMPLETED,)


@dataclass(frozen=True)
class SeriesDate:
    event: Event
    url: str  # the event's page, else its registration page ("" when neither exists)


@dataclass(frozen=True)
class SeriesDates:
    series: EventSeries | None  # None: nothing public in the series (or no such series)
    upcoming: list[SeriesDate]
    past: list[SeriesDate]

    def __bool__(self) -> bool:
        return bool(self.upcoming or self.past)


def series_dates(*, series_id: int | None = None, series_slug: str | None = None, exclude_event_id: int | None = None,
                 upcoming_limit: int, past_limit: int) -> SeriesDates:
    """The public events of one series (by id or slug), with the series: upcoming soonest first and
    past latest first, at most ``*_limit`` each. One query, however many events the series has.

    An event is linked to its listed page (live, public visibility, no privacy rule); an event
    without any live page to its registration page; an event whose only pages are unlisted or
    private is left out, since listing it here would publish what its organizer keeps by link."""
    from wagtail.models import PageViewRestriction, Site

    from cms.models import EventPage, Visibility
    from cms.offers import registration_url

    # A page is private when it or an ancestor has a restriction: the restricted page's path is a
    # prefix of its own (Wagtail's PageQuerySet.public() reads the restrictions in a query of its own).
    private = PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path")))
    pages = EventPage.objects.live().filter(event=OuterRef("pk"))
    listed = pages.filter(visibility=Visibility.PUBLIC).exclude(Exists(private)).order_by("path")
    events = (
        Event.objects.filter(Q(series_id=series_id) if series_slug is None else Q(series__slug=series_slug))
        .exclude(pk=exclude_event_id or 0).select_related("series")
        .annotate(page_url_path=Subquery(listed.values("url_path")[:1]), has_page=Exists(pages))
        .filter(Q(page_url_path__isnull=False) | Q(has_page=False))
    )
    upcoming = events.filter(status__in=SERIES_UPCOMING_STATUSES).order_by("starts_at", "pk")[:upcoming_limit]
    past = events.filter(status__in=SERIES_PAST_STATUSES).order_by("-starts_at", "-pk")[:past_limit]
    rows = list(upcoming.union(past, all=True))

    roots = Site.get_site_root_paths() if any(e.page_url_path for e in rows) else []

    def dated(event: Event) -> SeriesDate:
        url = _page_url(event.page_url_path, roots) if event.page_url_path else ""
        if not url and event.status != Event.Status.CANCELLED:  # a cancelled event takes no registrations
            url = registration_url(event=event)
        return SeriesDate(event=event, url=url)

    rows.sort(key=lambda e: (e.starts_at, e.pk))
    return SeriesDates(
        series=rows[0].series if rows else None,
        upcoming=[dated(e) for e in rows if e.status in SERIES_UPCOMING_STATUSES],
        past=[dated(e) for e in reversed(rows) if e.status in SERIES_PAST_STATUSES],
    )


def _page_url(url_path: str, site_root_paths) -> str:
    """What {% pageurl %} gives for a page of this organization's site (its only site), from the
    page's url_path: a Page instance made to ask would look up its content type (a query)."""
    from django.urls import reverse

    for root in site_root_paths:
        if url_path.startswith(root.root_path):
            return reverse("wagtail_serve", args=(url_path[len(root.root_path):],))
    return ""
