"""The discovery page on the root domain, its suggestions endpoint and an organization's own
search page, against the search server over HTTP."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from search.client import search_client
from search.models import ListedEvent
from tests.search.support import event_source, events_index  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def soon(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def catalogue(events_index):
    events_index.add(
        event_source("Wellington Jazz Festival", organization_slug="alpha", summary="Three nights of jazz",
                     categories=["Music"], city="Wellington", starts_at=soon(3), is_free=False, price_min=45,
                     currency="NZD", url="http://alpha.localhost/wellington-jazz-festival/"),
        event_source("서울 테크 서밋", organization_slug="beta", categories=["Tech"], city="Seoul", starts_at=soon(5),
                     is_free=True, price_min=0, url="http://beta.localhost/seoul-tech/"),
        event_source("Jazz Brunch", organization_slug="beta", categories=["Music"], city="Seoul", starts_at=soon(7),
                     availability="sold_out", url="http://beta.localhost/jazz-brunch/"),
    )
    return events_index


def test_discovery_page_lists_upcoming_events_with_facets_and_links_to_each_organizations_page(site_client, catalogue):
    response = site_client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 events" in html
    assert 'href="http://alpha.localhost/wellington-jazz-festival/"' in html
    assert 'href="http://beta.localhost/seoul-tech/"' in html
    assert 'name="category" value="Music"' in html and "(2)" in html
    assert "Sold out" in html and "From 45 NZD" in html and "Free" in html
    # A plain GET form: works without JavaScript; the script only enhances it.
    assert 'method="get"' in html and 'role="search"' in html and 'for="q"' in html
    assert "portal/discovery.js" in html


def test_query_and_facets_come_from_the_query_string_and_matches_are_highlighted(site_client, catalogue):
    response = site_client().get("/", {"q": "jazz", "city": "Seoul"})
    html = response.content.decode()
    assert "1 event for “jazz”" in html
    assert "<mark>Jazz</mark> Brunch" in html and "Wellington" in html  # Wellington still offered as a facet
    assert "Remove filter: Seoul" in html
    assert 'href="?q=jazz"' in html  # the chip that removes the city keeps the words


def test_korean_search_and_a_typo_work_on_the_page(site_client, catalogue):
    assert "서울 <mark>테크</mark> 서밋" in site_client().get("/", {"q": "테크"}).content.decode()
    assert "<mark>Wellington</mark> Jazz Festival" in site_client().get("/", {"q": "wellingtn"}).content.decode()


def test_nothing_found_suggests_what_to_try(site_client, catalogue):
    html = site_client().get("/", {"q": "bagpipes", "city": "Seoul"}).content.decode()
    assert "No events match “bagpipes” with these filters" in html
    assert 'href="?q=bagpipes"' in html  # without filters
    assert 'href="?category=Music"' in html and 'href="?city=Seoul"' in html
    assert "Coming up next" in html and "Wellington Jazz Festival" in html


def test_bad_query_values_are_ignored_not_errors(site_client, catalogue):
    response = site_client().get("/", {"page": "-3", "lat": "north", "km": "0", "sort": "drop table", "when": "x",
                                       "from": "2026-13-45", "price_max": "cheap"})
    assert response.status_code == 200 and "3 events" in response.content.decode()


def test_suggestions_endpoint_answers_json(site_client, catalogue):
    response = site_client().get("/search/suggest", {"q": "ja"})
    assert response.status_code == 200
    titles = [s["title"] for s in json.loads(response.content)["suggestions"]]
    assert sorted(titles) == ["Jazz Brunch", "Wellington Jazz Festival"]


def test_organization_site_search_is_limited_to_that_organization(site_client, org_b, catalogue):
    response = site_client(org_b).get("/search/", {"q": "jazz"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>Jazz</mark> Brunch" in html and "Wellington" not in html
    data = json.loads(site_client(org_b).get("/search/suggest", {"q": "jaz"}).content)
    assert [s["title"] for s in data["suggestions"]] == ["Jazz Brunch"]


@pytest.fixture
def stoppable_search(osmem_server, settings):
    """The app talks to a clone of its own; the test can stop it."""
    clone = osmem_server.clone()
    settings.ELASTICSEARCH_URL = clone.url
    settings.ELASTICSEARCH_EMBEDDED = True
    search_client.cache_clear()
    yield clone
    clone.close()
    search_client.cache_clear()


def test_search_server_down_gives_the_fallback_list_with_status_200(site_client, stoppable_search, org_a):
    ListedEvent.objects.create(schema_name=org_a.schema_name, page_id=1, title="Still Listed", organization_name="Alpha",
                               organization_slug="alpha", url="http://alpha.localhost/still/", starts_at=soon(2),
                               ends_at=soon(2.1))
    ListedEvent.objects.create(schema_name=org_a.schema_name, page_id=2, title="Long Over", organization_name="Alpha",
                               organization_slug="alpha", url="http://alpha.localhost/over/", starts_at=soon(-3),
                               ends_at=soon(-2.9))
    assert search_client().ping()
    stoppable_search.close()
    assert not search_client().ping()

    response = site_client().get("/", {"q": "anything", "city": "Seoul"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Search is unavailable right now" in html and "Still Listed" in html and "Long Over" not in html
    suggest = site_client().get("/search/suggest", {"q": "st"})
    assert suggest.status_code == 200 and json.loads(suggest.content) == {"suggestions": [], "available": False}
    site = site_client(org_a).get("/search/", {"q": "x"})
    assert site.status_code == 200 and "Still Listed" in site.content.decode()
    health = site_client().get("/healthz")
    assert json.loads(health.content)["services"]["search"]["status"] == "down"
