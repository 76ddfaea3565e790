"""Query builders for discovery: what the query string asks for -> one search request -> results
with highlights and facet counts.

Facets are "disjunctive": each facet's counts apply every other active filter but not its own, so
ticking "Seoul" still shows how many events Busan has. The text query and the always-on rules
(upcoming, one organization on its own site) go in ``query``; the facet filters go in
``post_filter`` and in each facet's aggregation except their own.
"""

import datetime as dt
import functools
import hashlib
import json
import logging
import zoneinfo
from dataclasses import dataclass, field, replace
from urllib.parse import quote_plus

from django.core.cache import cache
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django_tenants.utils import get_public_schema_name, schema_context
from elasticsearch_dsl import A, Q, Search

from search.client import search_client
from search.documents import events_alias

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
MAX_PAGE = 50  # deep paging is slow everywhere; 1,000 results is more than anyone scrolls
DEFAULT_KM = 25
MAX_KM = 20000
SORTS = ("relevance", "date", "distance")
WHEN = {"today": "Today", "weekend": "This weekend", "month": "This month"}
PRICES = {"free": "Free", "paid": "Paid"}
FORMATS = {"in_person": "In person", "online": "Online", "hybrid": "Hybrid"}
FACET_SIZE = 20
FACET_CACHE_SECONDS = 60
PLACE_CACHE_SECONDS = 600
SUGGESTION_CACHE_SECONDS = 60
# Highlight markers that cannot occur in text: fragments are escaped, then the markers become <mark>.
_PRE, _POST = "\ue000", "\ue001"


@dataclass(frozen=True)
class DiscoveryQuery:
    """What a visitor asked for; parsed leniently (a bad value is ignored, never an error)."""

    q: str = ""
    categories: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    when: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    price: str = ""  # "", "free", "paid"
    price_max: float | None = None
    lat: float | None = None
    lon: float | None = None
    near: str = ""  # a city name whose events' location stands for "here"
    km: int = DEFAULT_KM
    sort: str = ""
    page: int = 1
    tz: str = "UTC"

    @classmethod
    def from_querydict(cls, data: QueryDict) -> "DiscoveryQuery":
        def text(name, limit=200):
            return " ".join((data.get(name) or "").split())[:limit]

        def many(name, allowed=None):
            values = [v.strip()[:100] for v in data.getlist(name) if v.strip()]
            return tuple(dict.fromkeys(v for v in values if allowed is None or v in allowed))[:20]

        def number(name, low, high, kind=float):
            try:
                value = kind(data.get(name, ""))
            except (TypeError, ValueError):
                return None
            return value if low <= value <= high else None

        def date(name):
            try:
                return dt.date.fromisoformat(data.get(name, ""))
            except ValueError:
                return None

        tz = data.get("tz", "UTC")
        if tz not in _time_zones():
            tz = "UTC"
        lat, lon = number("lat", -90, 90), number("lon", -180, 180)
        if lat is None or lon is None:
            lat = lon = None
        sort = data.get("sort", "")
        return cls(
            q=text("q"), categories=many("category"), cities=many("city"), formats=many("format", FORMATS),
            when=data.get("when", "") if data.get("when") in WHEN else "",
            date_from=date("from"), date_to=date("to"),
            price=data.get("price", "") if data.get("price") in PRICES else "",
            price_max=number("price_max", 0, 10**9), lat=lat, lon=lon, near=text("near", 100),
            km=number("km", 1, MAX_KM, int) or DEFAULT_KM,
            sort=sort if sort in SORTS else "", page=number("page", 1, MAX_PAGE, int) or 1, tz=tz,
        )

    # --- URL state ----------------------------------------------------------------------------

    def params(self) -> list[tuple[str, str]]:
        """The query string that reproduces this search (shareable URLs)."""
        pairs = [("q", self.q)] if self.q else []
        pairs += [("category", v) for v in self.categories] + [("city", v) for v in self.cities]
        pairs += [("format", v) for v in self.formats]
        for name, value in (("when", self.when), ("from", self.date_from), ("to", self.date_to),
                            ("price", self.price), ("price_max", _plain_number(self.price_max)),
                            ("near", self.near), ("lat", self.lat), ("lon", self.lon), ("sort", self.sort)):
            if value not in (None, ""):
                pairs.append((name, str(value)))
        if self.km != DEFAULT_KM and self.has_place:
            pairs.append(("km", str(self.km)))
        if self.tz != "UTC":
            pairs.append(("tz", self.tz))
        if self.page > 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def url(self, **changes) -> str:
        changes.setdefault("page", 1)
        return "?" + "&".join(f"{name}={_quoted(value)}" for name, value in replace(self, **changes).params())

    def toggled(self, facet: str, value: str) -> str:
        """The URL with one facet value switched on or off."""
        current = getattr(self, facet)
        if isinstance(current, tuple):
            new = tuple(v for v in current if v != value) if value in current else (*current, value)
        else:
            new = "" if current == value else value
        return self.url(**{facet: new})

    def active_filters(self) -> list[tuple[str, str]]:
        """(label, URL without it) for each active filter: the chips above the results."""
        chips = [(v, self.toggled("categories", v)) for v in self.categories]
        chips += [(v, self.toggled("cities", v)) for v in self.cities]
        chips += [(FORMATS.get(v, v), self.toggled("formats", v)) for v in self.formats]
        if self.when:
            chips.append((WHEN[self.when], self.url(when="")))
        if self.date_from or self.date_to:
            label = f"{self.date_from or '…'} – {self.date_to or '…'}"
            chips.append((label, self.url(date_from=None, date_to=None)))
        if self.price:
            chips.append((PRICES[self.price], self.url(price="")))
        if self.price_max is not None:
            chips.append((f"Up to {_plain_number(self.price_max)}", self.url(price_max=None)))
        if self.has_place:
            where = "your location" if self.lat is not None else self.near
            chips.append((f"Within {self.km} km of {where}", self.url(lat=None, lon=None, near="", km=DEFAULT_KM)))
        return chips

    def without_filters(self) -> str:
        return self.url(categories=(), cities=(), formats=(), when="", date_from=None, date_to=None, price="",
                        price_max=None, lat=None, lon=None, near="", km=DEFAULT_KM)

    @property
    def has_place(self) -> bool:
        return self.lat is not None or bool(self.near)

    @property
    def effective_sort(self) -> str:
        if self.sort == "distance" and self.has_place:
            return "distance"
        if self.sort == "relevance" and self.q:
            return "relevance"
        if self.sort in ("", "relevance"):
            return "relevance" if self.q else "date"
        return "date"

    @property
    def is_filtered(self) -> bool:
        return bool(self.categories or self.cities or self.formats or self.when or self.date_from or self.date_to
                    or self.price or self.price_max is not None or self.has_place)


@functools.cache
def _time_zones() -> frozenset[str]:
    # zoneinfo lists the zone files on disk at every call (about 4 ms, on every search page).
    return frozenset(zoneinfo.available_timezones())


@functools.lru_cache(maxsize=4096)
def _quoted(value: str) -> str:
    # A results page links every facet value: the same few values are quoted a few dozen times.
    return quote_plus(value)


def _plain_number(value):
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


# --- Building the request --------------------------------------------------------------------

def when_range(when: str, *, now: dt.datetime, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of "today", "this weekend" (Saturday and Sunday; on a Sunday, the one under
    way) or "this month" (from now until the month ends), in the visitor's time zone."""
    local = now.astimezone(zoneinfo.ZoneInfo(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if when == "today":
        return midnight, midnight + dt.timedelta(days=1)
    if when == "weekend":
        saturday = midnight + dt.timedelta(days=(5 - local.weekday()) % 7)
        if local.weekday() == 6:
            saturday = midnight - dt.timedelta(days=1)
        return saturday, saturday + dt.timedelta(days=2)
    first_next = (midnight.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return local, first_next


# "Not ended" is written as a must_not of "ended before": the same documents, but the clause
# matches the few past events instead of nearly every document. A search server without a points
# index over dates visits every document a clause matches: on osmem-server, a search for a city
# took 9 ms with the range and 2 ms with its complement at 10,000 events. Elasticsearch answers
# both forms alike. A must_not works this way only beside a positive clause (alone in a nested
# bool it stands for "everything else"), hence where these go below.

def _ended_before(at: dt.datetime) -> Q:
    return Q("range", ends_at={"lt": at.isoformat()})


def _upcoming_rules(now: dt.datetime, organization_slug: str | None) -> dict:
    """The bool clauses of events not ended (of one organization, when given)."""
    return {"filter": [{"term": {"organization_slug": organization_slug}}] if organization_slug else [],
            "must_not": [_ended_before(now).to_dict()]}


def _overlaps(start: dt.datetime, end: dt.datetime) -> Q:
    """Events under way at some point in [start, end) (a three-day festival is "today" too)."""
    return Q("bool", filter=[Q("range", starts_at={"lt": end.isoformat()})], must_not=[_ended_before(start)])


def _text_query(q: str) -> Q:
    """Words anywhere (typos forgiven: fuzziness AUTO), most of them required when there are
    several, the title weighing most; an exact phrase in the title goes on top."""
    fields = ["title^4", "title.prefix", "summary^2", "body", "speakers^2", "organization_name^2", "venue",
              "city.text^2", "categories^2", "tags^2"]
    words = Q("multi_match", query=q, fields=fields, fuzziness="AUTO", prefix_length=1,
              minimum_should_match="2<75%")
    phrase = Q("match_phrase", title={"query": q, "boost": 3})
    return Q("bool", must=[words], should=[phrase])


@dataclass
class ResolvedPlace:
    lat: float
    lon: float
    label: str


def place_resolve(query: DiscoveryQuery, *, client=None) -> ResolvedPlace | None:
    """Browser coordinates, or the location of an indexed event in the named city."""
    if query.lat is not None:
        return ResolvedPlace(query.lat, query.lon, "your location")
    if not query.near:
        return None
    key = _cache_key("place", query.near.lower())
    cached = _cache_get(key)
    if cached is not None:
        return ResolvedPlace(*cached) if cached else None
    client = client or search_client()
    place = _place_lookup(query.near, client)
    _cache_set(key, (place.lat, place.lon, place.label) if place else (), PLACE_CACHE_SECONDS)
    return place


def _place_lookup(near: str, client) -> ResolvedPlace | None:
    response = client.search(index=events_alias(), size=1, source=["location", "city"], query={"bool": {"filter": [
        {"bool": {"should": [{"term": {"city": near}}, {"match": {"city.text": near}}],
                  "minimum_should_match": 1}},
        {"exists": {"field": "location"}}]}})
    hits = response["hits"]["hits"]
    if not hits:
        return None
    location = hits[0]["_source"]["location"]
    return ResolvedPlace(float(location["lat"]), float(location["lon"]), hits[0]["_source"].get("city") or near)


def _facet_filters(query: DiscoveryQuery, *, now: dt.datetime, place: ResolvedPlace | None) -> dict[str, Q]:
    filters: dict[str, Q] = {}
    if query.categories:
        filters["category"] = Q("terms", categories=list(query.categories))
    if query.cities:
        filters["city"] = Q("terms", city=list(query.cities))
    if query.formats:
        filters["format"] = Q("terms", format=list(query.formats))
    if query.when:
        filters["when"] = _overlaps(*when_range(query.when, now=now, tz=query.tz))
    if query.price:
        filters["price"] = Q("term", is_free=query.price == "free")
    if query.price_max is not None:
        filters["price_max"] = Q("range", price_min={"lte": query.price_max})
    if query.date_from or query.date_to:
        tz = zoneinfo.ZoneInfo(query.tz)
        start = dt.datetime.combine(query.date_from or dt.date.min.replace(year=1970), dt.time(), tz)
        end = dt.datetime.combine((query.date_to or dt.date(2999, 12, 30)) + dt.timedelta(days=1), dt.time(), tz)
        filters["dates"] = _overlaps(start, end)
    if place is not None:
        filters["distance"] = Q("geo_distance", distance=f"{query.km}km", location={"lat": place.lat, "lon": place.lon})
    return filters


def _facet_aggregations(*, now: dt.datetime, tz: str) -> dict:
    aggs = {
        "category": A("terms", field="categories", size=FACET_SIZE),
        "city": A("terms", field="city", size=FACET_SIZE),
        "format": A("terms", field="format", size=len(FORMATS)),
        "price": A("terms", field="is_free", size=2),
    }
    for name in WHEN:
        aggs[f"when_{name}"] = A("filter", filter=_overlaps(*when_range(name, now=now, tz=tz)))
    return aggs


def _facet_of(agg_name: str) -> str:
    return "when" if agg_name.startswith("when_") else agg_name


def discovery_search_build(query: DiscoveryQuery, *, now: dt.datetime, organization_slug: str | None = None,
                           place: ResolvedPlace | None = None, facets: bool = True) -> Search:
    search = Search(index=events_alias())
    upcoming = _upcoming_rules(now, organization_slug)
    rules, ended = upcoming["filter"], upcoming["must_not"]
    # Without words there is nothing to score: a filter-only query skips scoring every document.
    words = [_text_query(query.q)] if query.q else []
    filters = _facet_filters(query, now=now, place=place)
    if facets:
        # Each facet counts with every filter but its own: the filters apply to the hits only.
        search = search.query(Q("bool", must=words, filter=rules, must_not=ended))
        if filters:
            search = search.post_filter(Q("bool", filter=list(filters.values())))
    else:
        # Hits alone: filtering in the query spares scoring and sorting (a distance each) of
        # every document the filters would drop afterwards.
        search = search.query(Q("bool", must=words, filter=rules + list(filters.values()), must_not=ended))
    for name, agg in (_facet_aggregations(now=now, tz=query.tz) if facets else {}).items():
        others = [f for facet, f in filters.items() if facet != _facet_of(name)]
        wrapper = A("filter", filter=Q("bool", filter=others) if others else Q("match_all"))
        wrapper.bucket("values", agg)
        search.aggs.bucket(name, wrapper)

    sort = query.effective_sort
    if sort == "distance" and place is not None:
        search = search.sort({"_geo_distance": {"location": {"lat": place.lat, "lon": place.lon}, "order": "asc",
                                                "unit": "km"}}, {"starts_at": "asc"})
    elif sort == "date":
        # No tie-break field: events starting together keep the index's own order, which stays the
        # same from page to page as long as the same shard copies answer (``preference`` below).
        search = search.sort({"starts_at": "asc"})
    else:
        search = search.sort("_score", {"starts_at": "asc"})
    if query.q:
        search = search.highlight_options(pre_tags=[_PRE], post_tags=[_POST], number_of_fragments=1,
                                          fragment_size=160, encoder="default")
        search = search.highlight("title", number_of_fragments=0).highlight("summary", number_of_fragments=0)
        search = search.highlight("body")
    # The result card shows the body only as a highlighted passage: the largest field by far
    # stays on the server.
    search = search.source(excludes=["body"])
    start = (query.page - 1) * PAGE_SIZE
    return search[start:start + PAGE_SIZE]


# --- Results -----------------------------------------------------------------------------------

@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class Result:
    id: str
    source: dict
    title_html: str
    snippet_html: str
    distance_km: float | None = None

    def __getattr__(self, name):
        try:
            return self.__dict__["source"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def starts_at(self) -> dt.datetime:
        return _local(self.source["starts_at"], self.source.get("timezone"))

    @property
    def ends_at(self) -> dt.datetime:
        return _local(self.source["ends_at"], self.source.get("timezone"))


def _local(value: str, tz: str | None) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(tz or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return moment


@dataclass
class DiscoveryResults:
    query: DiscoveryQuery
    total: int
    results: list[Result]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    place: ResolvedPlace | None = None
    took_ms: int = 0

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // PAGE_SIZE)))

    @property
    def previous_url(self) -> str | None:
        return self.query.url(page=self.query.page - 1) if self.query.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.query.url(page=self.query.page + 1) if self.query.page < self.pages else None


def highlight_html(fragment: str) -> str:
    """Escape a highlight fragment (page text is written by organizations: never trust it as
    HTML) and only then turn the markers into <mark>."""
    return mark_safe(escape(fragment).replace(_PRE, "<mark>").replace(_POST, "</mark>"))


def _result(hit: dict, sort: str) -> Result:
    source = hit["_source"]
    highlight = hit.get("highlight", {})
    title = highlight_html(highlight["title"][0]) if highlight.get("title") else escape(source["title"])
    snippet_source = highlight.get("summary") or highlight.get("body")
    snippet = highlight_html(snippet_source[0]) if snippet_source else escape(source.get("summary") or "")
    distance = hit["sort"][0] if sort == "distance" and hit.get("sort") else None
    return Result(id=hit["_id"], source=source, title_html=title, snippet_html=snippet,
                  distance_km=round(float(distance), 1) if distance is not None else None)


def _facets(query: DiscoveryQuery, aggregations: dict) -> dict[str, list[FacetValue]]:
    def values(name):
        return aggregations.get(name, {}).get("values", {}).get("buckets", [])

    facets = {
        "category": [FacetValue(b["key"], b["key"], b["doc_count"], b["key"] in query.categories,
                                query.toggled("categories", b["key"])) for b in values("category")],
        "city": [FacetValue(b["key"], b["key"], b["doc_count"], b["key"] in query.cities,
                            query.toggled("cities", b["key"])) for b in values("city")],
        "format": [FacetValue(b["key"], FORMATS.get(b["key"], b["key"]), b["doc_count"], b["key"] in query.formats,
                              query.toggled("formats", b["key"])) for b in values("format")],
        "when": [FacetValue(name, label, aggregations.get(f"when_{name}", {}).get("values", {}).get("doc_count", 0),
                            query.when == name, query.toggled("when", name)) for name, label in WHEN.items()],
    }
    price = []
    for bucket in values("price"):
        key = "free" if bucket.get("key_as_string") == "true" or bucket["key"] in (1, True, "true") else "paid"
        price.append(FacetValue(key, PRICES[key], bucket["doc_count"], query.price == key, query.toggled("price", key)))
    facets["price"] = sorted(price, key=lambda v: v.value)
    # Selected values stay visible even when nothing matches them any more (so they can be unticked).
    for facet, selected in (("category", query.categories), ("city", query.cities), ("format", query.formats)):
        shown = {v.value for v in facets[facet]}
        attribute = {"category": "categories", "city": "cities", "format": "formats"}[facet]
        facets[facet] += [FacetValue(v, FORMATS.get(v, v) if facet == "format" else v, 0, True,
                                     query.toggled(attribute, v)) for v in selected if v not in shown]
    return facets


def discovery_search(query: DiscoveryQuery, *, now: dt.datetime, organization_slug: str | None = None,
                     client=None) -> DiscoveryResults:
    """Run one discovery search. Raises the search client's errors (the caller decides how to
    degrade)."""
    client = client or search_client()
    place = place_resolve(query, client=client)
    search = discovery_search_build(query, now=now, organization_slug=organization_slug, place=place, facets=False)
    response = client.search(index=events_alias(), body=search.to_dict(), preference=_preference(query))
    aggregations = facet_counts(query, now=now, organization_slug=organization_slug, place=place, client=client)
    sort = query.effective_sort if (place is not None or query.effective_sort != "distance") else "date"
    return DiscoveryResults(
        query=query, total=response["hits"]["total"]["value"],
        results=[_result(hit, sort) for hit in response["hits"]["hits"]],
        facets=_facets(query, aggregations), place=place, took_ms=response.get("took", 0),
    )


def _preference(query: DiscoveryQuery) -> str:
    """Every page of one search goes to the same shard copies (Elasticsearch's advice for paging:
    replicas may order equal sort values differently)."""
    return hashlib.sha1(query.url(page=1).encode()).hexdigest()[:16]


def facet_counts(query: DiscoveryQuery, *, now: dt.datetime, organization_slug: str | None, place, client) -> dict:
    """The facet aggregations for a search, cached for FACET_CACHE_SECONDS per (filters, words,
    minute). Counting is the expensive part of a search (every matching document is visited, and
    each facet once more with the others' filters); the hits are always fresh, the counts may lag
    by up to a minute. The page number and sort do not change counts and are not in the key."""
    minute = now.replace(second=0, microsecond=0)
    parts = [organization_slug, query.q, query.categories, query.cities, query.formats, query.when,
             str(query.date_from), str(query.date_to), query.price, query.price_max,
             (place.lat, place.lon) if place else None, query.km, query.tz, minute.isoformat()]
    key = _cache_key("facets", parts)
    cached = _cache_get(key)
    if cached is not None:
        return cached
    search = discovery_search_build(replace(query, page=1), now=minute, organization_slug=organization_slug,
                                    place=place)[:0]
    aggregations = client.search(index=events_alias(), body=search.to_dict()).get("aggregations", {})
    _cache_set(key, aggregations, FACET_CACHE_SECONDS)
    return aggregations


# --- Cache of counts, places and suggestions ---------------------------------------------------
# One key space for the whole platform (the cache's key function adds the schema, so reads and
# writes switch to public), and a generation number that every index write bumps: a change
# shows in the counts at once, not a minute later.

def _cache_key(kind: str, parts) -> str:
    digest = hashlib.sha1(json.dumps(parts, default=str).encode()).hexdigest()
    return f"search:{kind}:{search_cache_generation()}:{digest}"


# A cache outage only costs speed: reads miss, writes are dropped.

def _cache_get(key):
    try:
        with schema_context(get_public_schema_name()):
            return cache.get(key)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)
        return None


def _cache_set(key, value, timeout):
    try:
        with schema_context(get_public_schema_name()):
            cache.set(key, value, timeout)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)


def search_cache_generation() -> int:
    try:
        with schema_context(get_public_schema_name()):
            return cache.get_or_set(f"search:generation:{events_alias()}", 1, None)
    except Exception:
        logger.warning("search cache unavailable", exc_info=True)
        return 0


def search_cache_invalidate() -> None:
    """Forget cached counts and places (called after every write to the index)."""
    key = f"search:generation:{events_alias()}"
    try:
        with schema_context(get_public_schema_name()):
            try:
                cache.incr(key)
            except ValueError:  # not set yet
                cache.set(key, 2, None)
    except Exception:  # counts then lag by at most FACET_CACHE_SECONDS
        logger.warning("search cache unavailable", exc_info=True)


def suggestions(prefix: str, *, now: dt.datetime, organization_slug: str | None = None, limit: int = 8,
                client=None) -> list[dict]:
    """Titles of upcoming events that start with what was typed (any word of the title, accents
    and case folded, Korean too), best first; one entry per event.

    The search box asks at every key press and visitors start with the same few letters: the
    answers are kept for SUGGESTION_CACHE_SECONDS per (prefix, organization, minute), like the
    facet counts, and forgotten on every index write."""
    prefix = " ".join(prefix.split())[:100]
    if not prefix:
        return []
    minute = now.replace(second=0, microsecond=0)
    key = _cache_key("suggestions", [prefix, organization_slug, limit, minute.isoformat()])
    found = _cache_get(key)
    if found is None:
        found = _suggestions_lookup(prefix, now=minute, organization_slug=organization_slug, limit=limit,
                                    client=client or search_client())
        _cache_set(key, found, SUGGESTION_CACHE_SECONDS)
    return found


def _suggestions_lookup(prefix: str, *, now: dt.datetime, organization_slug: str | None, limit: int,
                        client) -> list[dict]:
    response = client.search(index=events_alias(), size=limit * 2, source=["title", "organization_name", "city", "url"],
                              query={"bool": {"must": [{"match": {"title.prefix": {"query": prefix, "operator": "and"}}}],
                                              **_upcoming_rules(now, organization_slug)}},
                              sort=["_score", {"starts_at": "asc"}])
    seen, out = set(), []
    for hit in response["hits"]["hits"]:
        if hit["_id"] in seen:  # osmem-server may answer a document twice
            continue
        seen.add(hit["_id"])
        source = hit["_source"]
        out.append({"title": source["title"], "organization": source.get("organization_name", ""),
                    "city": source.get("city", ""), "url": source.get("url", "")})
        if len(out) == limit:
            break
    return out


def popular_facets(*, now: dt.datetime, organization_slug: str | None = None, client=None) -> dict:
    """For the empty state: the most common categories and cities of upcoming events, and the
    next few events."""
    client = client or search_client()
    response = client.search(index=events_alias(), size=3, query={"bool": _upcoming_rules(now, organization_slug)},
                             sort=[{"starts_at": "asc"}],
                             aggs={"category": {"terms": {"field": "categories", "size": 6}},
                                   "city": {"terms": {"field": "city", "size": 6}}})
    aggs = response.get("aggregations", {})
    return {
        "categories": [b["key"] for b in aggs.get("category", {}).get("buckets", [])],
        "cities": [b["key"] for b in aggs.get("city", {}).get("buckets", [])],
        "upcoming": [_result(hit, "date") for hit in response["hits"]["hits"]],
    }
