"""The public event page costs a fixed number of database queries, however much content it has.
Anonymous visitors get the kept render (cms.page_cache) with live ticket offers."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import Speaker, Sponsor, Venue
from operations.ticketing.models import Quota, TicketType
from tests.cms.conftest import branding_set, event_make, event_page_publish, image_make

# Warm page (kept render, site root paths cached, the host's route kept by the process): site,
# page routing (5), view restrictions, the event, and the live offers (one query: the ticket types
# with their remaining seats, operations/ticketing/queries.py). Counted by hand, see the test's
# failure output for the list when it changes.
EVENT_PAGE_QUERIES = 10


def full_page(slug: str, *, people: int) -> str:
    photo = image_make(f"{slug} photo", size=(200, 200))
    speakers = [Speaker.objects.create(name=f"Speaker {n}", photo=photo).pk for n in range(people)]
    sponsors = [Sponsor.objects.create(name=f"Sponsor {n}", tier="gold", logo=photo).pk for n in range(people)]
    venue = Venue.objects.create(name="Hall", city="Seoul", country="KR")
    content = [
        {"type": "rich_text", "value": "<p>Hello</p>"},
        {"type": "image", "value": {"image": {"image": photo.pk, "alt_text": "A room", "decorative": False}, "caption": ""}},
        {"type": "agenda", "value": {"title": "Agenda", "sessions": [
            {"day": None, "starts": "09:00", "ends": None, "title": f"Session {n}", "room": "A",
             "speakers": speakers, "description": ""} for n in range(people)]}},
        {"type": "speakers", "value": {"title": "Speakers", "speakers": speakers}},
        {"type": "sponsors", "value": {"title": "Sponsors", "sponsors": sponsors}},
        {"type": "venue", "value": {"venue": venue.pk, "directions": ""}},
        {"type": "tickets", "value": {"title": "Tickets", "intro": ""}},
    ]
    event = event_make(slug)
    quota = Quota.objects.create(event=event, name="All seats", size=100)
    for name in ("Early bird", "Standard"):
        TicketType.objects.create(event=event, name=name, price=Decimal("30000")).quotas.add(quota)
    event_page_publish(event, title=slug, slug=slug, content=content, hero_image=photo,
                       hero_image_alt="A photo")
    return f"/{slug}/"


def warm_queries(client, url) -> list[str]:
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # django-tenants sets the search path before queries; those statements are not counted.
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]


def test_event_page_query_count_is_fixed_whatever_the_content(org_a, in_schema, site_client):
    with in_schema(org_a):
        branding_set(logo=image_make("logo", size=(300, 100)), favicon=image_make("icon", size=(64, 64)))
        small, large = full_page("small", people=1), full_page("large", people=6)
    client = site_client(org_a)
    small_queries, large_queries = warm_queries(client, small), warm_queries(client, large)
    assert len(small_queries) == len(large_queries), "\n".join(large_queries)
    assert len(small_queries) == EVENT_PAGE_QUERIES, "\n".join(small_queries)
