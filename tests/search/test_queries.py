"""The discovery query builder against the search server over HTTP (osmem-server in tests)."""

import datetime as dt

import pytest
from django.http import QueryDict

from search.queries import DiscoveryQuery, discovery_search, popular_facets, suggestions
from tests.search.support import NOW, event_source

pytestmark = pytest.mark.django_db


def run(query_string: str = "", **kwargs):
    return discovery_search(DiscoveryQuery.from_querydict(QueryDict(query_string)), now=NOW, **kwargs)


def titles(results) -> list[str]:
    return [r.title for r in results.results]


def test_full_text_finds_words_in_title_summary_and_body(events_index):
    events_index.add(
        event_source("Wellington Jazz Festival", summary="Three nights of live music"),
        event_source("Design Week", body="<p>Workshops on typography and live drawing</p>"),
        event_source("Seoul Tech Summit", summary="Cloud and AI"),
    )
    assert titles(run("q=jazz")) == ["Wellington Jazz Festival"]
    assert set(titles(run("q=live"))) == {"Wellington Jazz Festival", "Design Week"}
    assert titles(run("q=typography")) == ["Design Week"]


def test_a_typo_still_finds_the_event(events_index):
    events_index.add(event_source("Wellington Jazz Festival"), event_source("Design Week"))
    assert titles(run("q=jaz+festivel")) == ["Wellington Jazz Festival"]
    assert titles(run("q=desgin")) == ["Design Week"]


def test_korean_query_finds_korean_text_and_accents_fold(events_index):
    events_index.add(
        event_source("서울 테크 서밋", summary="클라우드와 인공지능 컨퍼런스"),
        event_source("Café Résumé Night", city="Berlin"),
    )
    assert titles(run("q=테크")) == ["서울 테크 서밋"]
    assert titles(run("q=인공지능")) == ["서울 테크 서밋"]
    assert titles(run("q=cafe+resume")) == ["Café Résumé Night"]
    assert titles(run("q=CAFÉ")) == ["Café Résumé Night"]


def test_highlights_mark_the_match_and_escape_page_text(events_index):
    events_index.add(event_source("Jazz <script>alert(1)</script> night", summary="Live jazz by the sea"))
    result = run("q=jazz").results[0]
    assert "<mark>Jazz</mark>" in result.title_html and "<script>" not in result.title_html
    assert "&lt;script&gt;" in result.title_html
    assert "<mark>jazz</mark>" in result.snippet_html


def test_autocomplete_completes_a_prefix_of_any_word_once_per_event(events_index):
    events_index.add(
        event_source("Wellington Jazz Festival"), event_source("Jazz Brunch"),
        event_source("Old Jazz Gala", ends_at=NOW - dt.timedelta(days=1), starts_at=NOW - dt.timedelta(days=2)),
        event_source("서울 테크 서밋"), event_source("Café Concert"),
    )
    found = suggestions("jaz", now=NOW)
    assert sorted(s["title"] for s in found) == ["Jazz Brunch", "Wellington Jazz Festival"]  # not the past one
    assert len({s["url"] for s in found}) == len(found)
    assert [s["title"] for s in suggestions("서", now=NOW)] == ["서울 테크 서밋"]
    assert [s["title"] for s in suggestions("cafe c", now=NOW)] == ["Café Concert"]
    assert suggestions("   ", now=NOW) == []


def test_suggestions_are_kept_until_the_index_changes(events_index):
    events_index.add(event_source("Jazz Brunch"))
    assert [s["title"] for s in suggestions("jaz", now=NOW)] == ["Jazz Brunch"]
    events_index.add(event_source("Jazz Night", starts_at=NOW + dt.timedelta(days=1)))
    assert [s["title"] for s in suggestions("jaz", now=NOW)] == ["Jazz Night", "Jazz Brunch"]


def facet(results, name) -> dict:
    return {v.value: v.count for v in results.facets[name]}


def test_facets_count_category_city_format_and_price(events_index):
    events_index.add(
        event_source("A", categories=["Music"], city="Seoul", format="in_person", is_free=True, price_min=0),
        event_source("B", categories=["Music", "Outdoor"], city="Busan", format="online", is_free=False, price_min=20),
        event_source("C", categories=["Tech"], city="Seoul", format="hybrid", is_free=False, price_min=50),
    )
    results = run()
    assert facet(results, "category") == {"Music": 2, "Outdoor": 1, "Tech": 1}
    assert facet(results, "city") == {"Seoul": 2, "Busan": 1}
    assert facet(results, "format") == {"in_person": 1, "online": 1, "hybrid": 1}
    assert facet(results, "price") == {"free": 1, "paid": 2}


def test_facet_filters_apply_and_counts_of_other_values_stay_visible(events_index):
    events_index.add(
        event_source("A", categories=["Music"], city="Seoul", is_free=True, price_min=0),
        event_source("B", categories=["Music"], city="Busan", is_free=False, price_min=20),
        event_source("C", categories=["Tech"], city="Seoul", is_free=False, price_min=50),
    )
    results = run("city=Seoul")
    assert sorted(titles(results)) == ["A", "C"]
    assert facet(results, "city") == {"Seoul": 2, "Busan": 1}  # its own facet ignores itself
    assert facet(results, "category") == {"Music": 1, "Tech": 1}  # other facets follow the filter
    assert sorted(titles(run("category=Music&city=Seoul"))) == ["A"]
    assert sorted(titles(run("city=Seoul&city=Busan&category=Music"))) == ["A", "B"]
    assert sorted(titles(run("price=free"))) == ["A"]
    assert sorted(titles(run("price=paid"))) == ["B", "C"]
    assert sorted(titles(run("format=online"))) == []
    assert sorted(titles(run("price_max=20"))) == ["A", "B"]


def test_date_facets_today_weekend_month_and_date_range_filter(events_index):
    events_index.add(
        event_source("Today", starts_at=NOW + dt.timedelta(hours=2)),
        event_source("Festival under way", starts_at=NOW - dt.timedelta(days=1), ends_at=NOW + dt.timedelta(days=1)),
        event_source("Saturday", starts_at=dt.datetime(2026, 12, 5, 18, tzinfo=dt.UTC)),
        event_source("Late December", starts_at=dt.datetime(2026, 12, 28, 9, tzinfo=dt.UTC)),
        event_source("January", starts_at=dt.datetime(2027, 1, 15, 9, tzinfo=dt.UTC)),
        event_source("Over", starts_at=NOW - dt.timedelta(days=3), ends_at=NOW - dt.timedelta(days=2)),
    )
    results = run()
    assert "Over" not in titles(results) and results.total == 5
    assert facet(results, "when") == {"today": 2, "weekend": 1, "month": 4}
    assert sorted(titles(run("when=today"))) == ["Festival under way", "Today"]
    assert titles(run("when=weekend")) == ["Saturday"]
    assert sorted(titles(run("from=2026-12-20&to=2027-01-31"))) == ["January", "Late December"]
    assert titles(run("from=2027-01-01")) == ["January"]


def test_weekend_is_the_visitors_weekend(events_index):
    # Friday 16:00 UTC is Saturday 01:00 in Seoul: weekend there, not in UTC.
    events_index.add(event_source("Friday night UTC", starts_at=dt.datetime(2026, 12, 4, 16, tzinfo=dt.UTC)))
    assert titles(run("when=weekend&tz=Asia/Seoul")) == ["Friday night UTC"]
    assert titles(run("when=weekend")) == []


SEOUL, BUSAN, BERLIN = {"lat": 37.5665, "lon": 126.978}, {"lat": 35.1796, "lon": 129.0756}, {"lat": 52.52, "lon": 13.405}


def test_distance_filter_and_sort_by_distance(events_index):
    events_index.add(
        event_source("Seoul", city="Seoul", location=SEOUL, starts_at=NOW + dt.timedelta(days=3)),
        event_source("Busan", city="Busan", location=BUSAN, starts_at=NOW + dt.timedelta(days=1)),
        event_source("Berlin", city="Berlin", location=BERLIN, starts_at=NOW + dt.timedelta(days=2)),
        event_source("Online", city="", format="online"),
    )
    near_seoul = "lat=37.55&lon=126.99"
    assert titles(run(f"{near_seoul}&km=50")) == ["Seoul"]
    assert sorted(titles(run(f"{near_seoul}&km=400"))) == ["Busan", "Seoul"]
    by_distance = run(f"{near_seoul}&km=20000&sort=distance")
    assert titles(by_distance) == ["Seoul", "Busan", "Berlin"]
    assert by_distance.results[0].distance_km < 5 < by_distance.results[1].distance_km
    # A place by name: an indexed city's location stands for it.
    assert sorted(titles(run("near=Busan&km=10"))) == ["Busan"]


def test_sort_by_relevance_or_date(events_index):
    events_index.add(
        event_source("Jazz", summary="jazz jazz", starts_at=NOW + dt.timedelta(days=9)),
        event_source("Brunch with some jazz", starts_at=NOW + dt.timedelta(days=1)),
        event_source("Tech", starts_at=NOW + dt.timedelta(days=5)),
    )
    assert titles(run("q=jazz"))[0] == "Jazz"
    assert titles(run("q=jazz&sort=date")) == ["Brunch with some jazz", "Jazz"]
    assert titles(run()) == ["Brunch with some jazz", "Tech", "Jazz"]  # no words: soonest first
    assert titles(run("sort=distance")) == ["Brunch with some jazz", "Tech", "Jazz"]  # no place: by date


def test_pagination(events_index):
    events_index.add(*[event_source(f"Event {n:02}", starts_at=NOW + dt.timedelta(days=n)) for n in range(1, 46)])
    first, third = run(), run("page=3")
    assert first.total == 45 and first.pages == 3
    assert titles(first)[0] == "Event 01" and len(first.results) == 20
    assert titles(third) == [f"Event {n}" for n in range(41, 46)]
    assert first.previous_url is None and first.next_url == "?page=2"
    assert third.next_url is None and third.previous_url == "?page=2"
    assert run("page=999").query.page == 1  # out of range: first page, not an error


def test_paging_through_events_that_start_together_shows_each_once(events_index):
    same_time = NOW + dt.timedelta(days=3)
    events_index.add(*[event_source(f"Open day {n:02}", starts_at=same_time, organization_slug=f"org{n % 3}")
                       for n in range(1, 46)])
    shown = [title for page in (1, 2, 3) for title in titles(run(f"sort=date&page={page}"))]
    assert sorted(shown) == [f"Open day {n:02}" for n in range(1, 46)]


def test_organization_site_search_sees_only_its_own_events(events_index):
    events_index.add(event_source("Alpha Jazz", organization_slug="alpha"),
                     event_source("Beta Jazz", organization_slug="beta"))
    assert titles(run("q=jazz", organization_slug="alpha")) == ["Alpha Jazz"]
    assert [s["title"] for s in suggestions("ja", now=NOW, organization_slug="beta")] == ["Beta Jazz"]


def test_query_state_round_trips_through_the_url():
    query = DiscoveryQuery.from_querydict(QueryDict(
        "q=jazz&category=Music&category=Tech&city=Seoul&format=online&format=bogus&when=weekend&price=free"
        "&price_max=30&lat=37.5&lon=127&km=40&sort=distance&page=2&from=2026-12-01&to=nonsense"))
    assert query.formats == ("online",) and query.date_to is None and query.page == 2
    again = DiscoveryQuery.from_querydict(QueryDict(query.url(page=2)[1:]))
    assert again == query
    assert "category=Tech" not in query.toggled("categories", "Tech")
    assert "page=" not in query.toggled("categories", "Tech")


def test_empty_state_offers_popular_categories_cities_and_upcoming_events(events_index):
    events_index.add(event_source("A", categories=["Music"], city="Seoul"), event_source("B", categories=["Music"], city="Busan"))
    assert run("q=zzzzqqq").total == 0
    popular = popular_facets(now=NOW)
    assert popular["categories"] == ["Music"] and set(popular["cities"]) == {"Seoul", "Busan"}
    assert [r.title for r in popular["upcoming"]] == ["A", "B"]


def test_ended_events_never_appear_and_events_under_way_do(events_index):
    events_index.add(
        event_source("Jazz Gala Last Night", starts_at=NOW - dt.timedelta(hours=5), ends_at=NOW - dt.timedelta(hours=1)),
        event_source("Jazz Marathon Under Way", starts_at=NOW - dt.timedelta(days=1), ends_at=NOW + dt.timedelta(days=1)),
        event_source("Jazz Brunch Next Week", starts_at=NOW + dt.timedelta(days=7)),
    )
    under_way_and_next = {"Jazz Marathon Under Way", "Jazz Brunch Next Week"}
    assert set(titles(run("q=jazz"))) == under_way_and_next
    assert set(titles(run(""))) == under_way_and_next
    assert set(titles(run("city=Seoul&sort=date"))) == under_way_and_next
    assert titles(run("when=today")) == ["Jazz Marathon Under Way"]
    day = NOW.date()
    assert titles(run(f"from={day - dt.timedelta(days=1)}&to={day}")) == ["Jazz Marathon Under Way"]
    assert run("").facets["city"][0].count == 2
    assert [e.title for e in popular_facets(now=NOW)["upcoming"]] == ["Jazz Marathon Under Way", "Jazz Brunch Next Week"]
