"""A series of events on the organization's site: "More dates" on each event page and the series
page at /series/<slug>/. Only public events show; kept event pages follow every change."""

import datetime as dt
import re

from wagtail.models import PageViewRestriction

from cms.models import EventPage, Visibility
from operations.events.models import Event, EventSeries
from tests.cms.conftest import event_make, event_page_publish
from tests.cms.test_queries import EVENT_PAGE_QUERIES, warm_queries

S = Event.Status


def dated(slug, *, series, day, status=S.PUBLISHED, page=True, **fields) -> Event:
    event = event_make(slug, start=dt.datetime(2031, 5, day, 9, 30), series=series, status=status, **fields)
    if page:
        event_page_publish(event, slug=slug)
    return event


def past(slug, *, series, year, page=True) -> Event:
    event = event_make(slug, start=dt.datetime(year, 3, 1, 19, 0), series=series, status=S.COMPLETED)
    if page:
        event_page_publish(event, slug=slug)
    return event


def section(html: str) -> str:
    found = re.search(r'<section class="series-dates".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_more_dates_lists_the_series_other_public_events_only(org_a, in_schema, site_client):
    with in_schema(org_a):
        meetup = EventSeries.objects.create(name="Seoul Python Meetup", slug="seoul-python")
        other = EventSeries.objects.create(name="Other series", slug="other")
        dated("may", series=meetup, day=6)
        dated("june", series=meetup, day=13, page=False)  # no page: linked to its registration
        dated("now", series=meetup, day=1, status=S.ONGOING)
        dated("draft", series=meetup, day=20, status=S.DRAFT)
        dated("called-off", series=meetup, day=21, status=S.CANCELLED)
        dated("archived", series=meetup, day=22, status=S.ARCHIVED)
        dated("elsewhere", series=other, day=23)
        dated("unlisted", series=meetup, day=24, page=False)
        event_page_publish(Event.objects.get(slug="unlisted"), slug="unlisted", visibility=Visibility.UNLISTED)
        dated("private", series=meetup, day=25)
        PageViewRestriction.objects.create(page=EventPage.objects.get(slug="private"),
                                           restriction_type=PageViewRestriction.PASSWORD, password="secret")
        dated("main", series=meetup, day=2)

    shown = section(site_client(org_a).get("/main/").text)
    assert "More dates in Seoul Python Meetup" in shown
    assert '<a href="/may/">May</a>' in shown and '<a href="/register/june/">June</a>' in shown
    assert "Now" in shown and "Happening now" in shown
    # A cancelled date is shown as cancelled (people who planned for it learn it is off).
    assert '<a href="/called-off/">Called-Off</a> <span class="badge badge-alert">Cancelled</span>' in shown
    for hidden in ("Main", "Draft", "Archived", "Elsewhere", "Unlisted", "Private", "Past dates"):
        assert hidden not in shown, hidden
    # Soonest first, each with a machine-readable time in the event's zone.
    assert shown.index(">Now</a>") < shown.index(">May</a>") < shown.index(">June</a>")
    assert '<time datetime="2031-05-06T09:30:00+09:00">Tue 6 May 2031, 09:30</time>' in shown
    assert 'href="/series/seoul-python/"' in shown


def test_dates_show_in_each_events_own_time_zone_with_venue_or_online(org_a, in_schema, site_client):
    with in_schema(org_a):
        tour = EventSeries.objects.create(name="Tour", slug="tour")
        dated("berlin", series=tour, day=9, zone="Europe/Berlin", venue_name="Kosmos", city="Berlin")
        dated("stream", series=tour, day=10, format=Event.Format.ONLINE, online_url="https://example.com/live")
        dated("seoul", series=tour, day=8)

    shown = section(site_client(org_a).get("/seoul/").text)
    assert '<time datetime="2031-05-09T09:30:00+02:00">Fri 9 May 2031, 09:30</time>' in shown
    assert "(Europe/Berlin)" in shown and "Kosmos, Berlin" in shown and "Online" in shown


def test_past_dates_are_a_collapsed_list_of_the_latest_few(org_a, in_schema, site_client):
    with in_schema(org_a):
        meetup = EventSeries.objects.create(name="Meetup", slug="meetup")
        for year in range(2021, 2026):
            past(f"edition-{year}", series=meetup, year=year)
        dated("next", series=meetup, day=6)

    shown = section(site_client(org_a).get("/next/").text)
    assert "No other upcoming dates yet." in shown
    collapsed = shown[shown.index("<details"):shown.index("</details>")]
    assert "<summary>Past dates</summary>" in collapsed
    assert [int(y) for y in re.findall(r"Edition-(\d{4})", collapsed)] == [2025, 2024, 2023]


def test_an_event_outside_any_series_has_no_more_dates(org_a, in_schema, site_client):
    with in_schema(org_a):
        event_page_publish(event_make("alone"), slug="alone")
    assert 'class="series-dates"' not in site_client(org_a).get("/alone/").text


def test_series_page_lists_upcoming_and_past_public_dates(org_a, in_schema, site_client):
    with in_schema(org_a):
        meetup = EventSeries.objects.create(name="Seoul Python Meetup", slug="seoul-python")
        dated("june", series=meetup, day=13, page=False)
        dated("may", series=meetup, day=6)
        dated("draft", series=meetup, day=20, status=S.DRAFT)
        past("edition-2024", series=meetup, year=2024)

    response = site_client(org_a).get("/series/seoul-python/")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Seoul Python Meetup</h1>" in html and "<title>Seoul Python Meetup · " in html
    upcoming, former = html.split('<h2 id="past-heading">')
    assert upcoming.index('<a href="/may/">May</a>') < upcoming.index('<a href="/register/june/">June</a>')
    assert '<a href="/edition-2024/">Edition-2024</a>' in former and "Edition-2024" not in upcoming
    assert "Draft" not in html
    assert '<link rel="canonical" href="http://' in html


def test_series_page_is_404_for_an_unknown_slug_or_a_series_with_nothing_public(org_a, in_schema, site_client):
    with in_schema(org_a):
        secret = EventSeries.objects.create(name="Not announced", slug="secret")
        dated("draft", series=secret, day=20, status=S.DRAFT)
    client = site_client(org_a)
    assert client.get("/series/no-such-series/").status_code == 404
    assert client.get("/series/secret/").status_code == 404


def test_series_page_belongs_to_its_organization(org_a, org_b, in_schema, site_client):
    with in_schema(org_a):
        dated("may", series=EventSeries.objects.create(name="Meetup", slug="meetup"), day=6)
    assert site_client(org_a).get("/series/meetup/").status_code == 200
    assert site_client(org_b).get("/series/meetup/").status_code == 404


def test_a_newly_published_date_shows_on_the_kept_event_page(org_a, in_schema, site_client):
    with in_schema(org_a):
        meetup = EventSeries.objects.create(name="Meetup", slug="meetup")
        dated("main", series=meetup, day=2)
        later = dated("later", series=meetup, day=30, status=S.DRAFT)
    client = site_client(org_a)
    assert "Later" not in client.get("/main/").text

    with in_schema(org_a):
        Event.objects.filter(pk=later.pk).update(name="Quietly renamed")  # no signal: the kept page won't know
    assert "Quietly renamed" not in client.get("/main/").text, "the page was not kept"

    with in_schema(org_a):
        later.status = S.PUBLISHED  # as the organizer publishes it in the admin
        later.save()
    assert '<a href="/later/">Later</a>' in section(client.get("/main/").text)


def test_status_moves_and_series_renames_show_on_the_kept_event_page(org_a, in_schema, site_client):
    from operations.events.progress import events_progress

    with in_schema(org_a):
        meetup = EventSeries.objects.create(name="Meetup", slug="meetup")
        dated("main", series=meetup, day=20)
        dated("first", series=meetup, day=1)
    client = site_client(org_a)
    assert "<summary>Past dates</summary>" not in client.get("/main/").text

    with in_schema(org_a):
        events_progress(now=dt.datetime(2031, 5, 1, 23, 0, tzinfo=dt.UTC))  # "first" is over
        meetup.name = "Python Meetup"
        meetup.save()
    shown = section(client.get("/main/").text)
    assert "More dates in Python Meetup" in shown
    assert '<a href="/first/">First</a>' in shown[shown.index("<details"):]


def test_a_change_retires_kept_pages_again_when_it_commits(org_a, in_schema, django_capture_on_commit_callbacks):
    """A page rendered by another request between the save and the commit read the old rows under
    the new generation: the commit moves the generation once more."""
    from cms.page_cache import content_generation

    with in_schema(org_a):
        meetup = EventSeries.objects.create(name="Meetup", slug="meetup")
        with django_capture_on_commit_callbacks(execute=True):
            meetup.save()
            rendered_before_commit = content_generation()
        assert content_generation() > rendered_before_commit


def test_more_dates_cost_one_query_whatever_the_series_size(org_a, in_schema, site_client):
    with in_schema(org_a):
        small, large = (EventSeries.objects.create(name=n, slug=n) for n in ("small", "large"))
        dated("small-main", series=small, day=1)
        dated("small-1", series=small, day=2)
        dated("large-main", series=large, day=1)
        for day in range(2, 9):
            dated(f"large-{day}", series=large, day=day, page=day % 2 == 0)
        for year in range(2022, 2026):
            past(f"large-{year}", series=large, year=year)
        dated("alone", series=None, day=1)
    client = site_client(org_a)

    def fresh_render_queries(url):  # a query string: rendered for this request, never kept
        return warm_queries(client, f"{url}?utm_source=test")

    alone, small_main, large_main = (fresh_render_queries(f"/{s}/") for s in ("alone", "small-main", "large-main"))
    assert len(small_main) == len(large_main) == len(alone) + 1, "\n".join(large_main)
    # Kept pages carry the section: a warm page in a series costs what any event page costs.
    assert len(warm_queries(client, "/large-main/")) == EVENT_PAGE_QUERIES


def test_the_sitemap_lists_series_with_something_public_only(org_a, in_schema, site_client):
    import xml.etree.ElementTree as ET

    with in_schema(org_a):
        summit = EventSeries.objects.create(name="Summit", slug="summit")
        dated("summit-2031", series=summit, day=20)
        quiet = EventSeries.objects.create(name="Quiet", slug="quiet")
        dated("quiet-draft", series=quiet, day=21, status=S.DRAFT)
    response = site_client(org_a).get("/sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {loc.text for loc in ET.fromstring(response.content).findall("s:url/s:loc", ns)}
    assert "http://alpha.localhost/series/summit/" in urls and not any("/series/quiet/" in url for url in urls)
    assert "http://alpha.localhost/summit-2031/" in urls  # Wagtail's pages are still there


def test_a_cancelled_date_without_a_page_is_not_linked_to_a_registration(org_a, in_schema, site_client):
    with in_schema(org_a):
        meetup = EventSeries.objects.create(name="Meetup", slug="meetup")
        dated("off", series=meetup, day=21, status=S.CANCELLED, page=False)
        dated("main", series=meetup, day=2)
    shown = section(site_client(org_a).get("/main/").text)
    assert "Off" in shown and "Cancelled" in shown and "/register/off/" not in shown
