"""Keeping the events index (and its public-schema copy, search.models.ListedEvent) true.

Functions named ``*_current_organization`` read the tenant schema the connection is in: Celery
tasks run them inside the organization that sent them (tenant_schemas_celery). Only
``events_index_rebuild_all_organizations`` and the consistency check cross schemas, and say so.

A document's id is ``<schema>:<page id>``: stable across rebuilds, unique across organizations.
"""

import datetime as dt
import logging
import time
from decimal import Decimal

from django.db import connection, transaction
from django.utils.html import strip_tags
from django_tenants.utils import schema_context
from elasticsearch.helpers import bulk

from search.client import search_client
from search.documents import EventDocument, events_alias, events_index_create
from search.models import ListedEvent
from search.queries import search_cache_invalidate

logger = logging.getLogger(__name__)

# Operational states in which an event is shown to attendees at all.
LISTED_EVENT_STATUSES = ("published", "ongoing", "completed")


def document_id(schema_name: str, page_id: int) -> str:
    return f"{schema_name}:{page_id}"


def listed_event_pages_current_organization():
    """Event pages that belong in the portal: live, without view restrictions (private), listed
    (not "unlisted"), presenting an operations event that is published (not draft or cancelled)."""
    from cms.models import EventPage

    pages = (EventPage.objects.live().public().select_related("event")
             .filter(event__isnull=False, event__status__in=LISTED_EVENT_STATUSES))
    if any(field.name == "visibility" for field in EventPage._meta.get_fields()):
        pages = pages.filter(visibility="public")
    return pages


# --- One event page -> one document ---------------------------------------------------------

def event_document_build(*, page, organization) -> EventDocument:
    """The document for one listed page. Reads the Wagtail page defensively: fields that the
    page model does not have (yet) are simply left out."""
    event = page.event
    venue = _venue(page)
    offers = _offers(event)
    prices = [Decimal(str(offer["price"])) for offer in offers if offer.get("price") is not None]
    title = page.title
    words = [title, page.summary or "", getattr(page, "search_description", "") or ""]
    return EventDocument(
        meta={"id": document_id(organization.schema_name, page.pk)},
        title=title,
        summary=page.summary or "",
        body=_plain_text(getattr(page, "body", "")),
        speakers=_speakers(page),
        organization_name=organization.display_name,
        organization_slug=organization.slug,
        organization_url=organization.url(),
        schema_name=organization.schema_name,
        page_id=page.pk,
        event_id=event.pk,
        categories=_names(getattr(page, "categories", None)),
        tags=_names(getattr(page, "tags", None)),
        format=event.format,
        venue=(getattr(venue, "name", "") or event.venue_name or ""),
        city=(getattr(venue, "city", "") or event.city or ""),
        country=(getattr(venue, "country", "") or event.country or ""),
        location=_location(venue),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        price_min=float(min(prices)) if prices else None,
        price_max=float(max(prices)) if prices else None,
        is_free=(all(price == 0 for price in prices) if prices else None),
        currency=event.currency,
        availability=_availability(offers),
        language=_language(" ".join(words), default=getattr(organization, "locale", "en") or "en"),
        url=organization.url(_site_path(page)),
        image=_image_url(page, organization),
    )


def _site_path(page) -> str:
    # url_path is "/<site root slug>/<page slug>/"; every organization has one site.
    return "/" + page.url_path.split("/", 2)[2]


def _plain_text(value) -> str:
    return " ".join(strip_tags(str(value or "")).split())


def _names(manager) -> list[str]:
    if manager is None:
        return []
    try:
        return sorted({str(getattr(item, "name", item)) for item in manager.all()})
    except Exception:  # an unsaved relation or a model still being built: no names
        logger.debug("could not read names from %r", manager, exc_info=True)
        return []


def _stream_blocks(page, block_type: str):
    content = getattr(page, "content", None)
    if not content:
        return []
    try:
        return [block.value for block in content if block.block_type == block_type]
    except Exception:
        logger.debug("could not read %s blocks of page %s", block_type, page.pk, exc_info=True)
        return []


def _speakers(page) -> list[str]:
    names = []
    for value in _stream_blocks(page, "speakers"):
        names += [str(getattr(s, "name", s)) for s in value.get("speakers", []) if s]
    for value in _stream_blocks(page, "agenda"):
        for session in value.get("sessions", []) or []:
            names += [str(getattr(s, "name", s)) for s in (session.get("speakers") or []) if s]
    return sorted(set(names))


def _venue(page):
    for value in _stream_blocks(page, "venue"):
        if value.get("venue"):
            return value["venue"]
    return getattr(page, "venue", None)


def _location(venue) -> dict | None:
    latitude, longitude = getattr(venue, "latitude", None), getattr(venue, "longitude", None)
    if latitude is None or longitude is None:
        return None
    return {"lat": float(latitude), "lon": float(longitude)}


def _offers(event) -> list[dict]:
    """Live ticket offers from ticketing (prices and availability never live in pages)."""
    from operations.ticketing.selectors import ticket_type_offers

    return [dict(offer) for offer in ticket_type_offers(event=event)]


def _availability(offers: list[dict]) -> str:
    if not offers:
        return "unknown"
    if any(offer.get("available") for offer in offers):
        return "on_sale"
    sold_out = all(offer.get("remaining") == 0 for offer in offers)
    if sold_out and any(offer.get("waiting_list") for offer in offers):
        return "waiting_list"
    return "sold_out" if sold_out else "not_on_sale"


def _language(text: str, *, default: str) -> str:
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):
        return "ko"
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "ja"
    return default


def _image_url(page, organization) -> str:
    image = getattr(page, "hero_image", None)
    if image is None:
        return ""
    try:
        return organization.url(image.get_rendition("fill-640x360").url)
    except Exception:  # a missing file must not stop indexing; the result shows no picture
        logger.warning("no rendition for image %s of page %s", getattr(image, "pk", None), page.pk, exc_info=True)
        return ""


# --- Writing ------------------------------------------------------------------------------------

def _listed_event_fields(doc: EventDocument) -> dict:
    return {
        "title": doc.title[:255], "summary": (doc.summary or "")[:300],
        "organization_name": doc.organization_name, "organization_slug": doc.organization_slug,
        "url": doc.url, "starts_at": doc.starts_at, "ends_at": doc.ends_at, "timezone": doc.timezone,
        "city": doc.city or "", "country": doc.country or "", "format": doc.format or "",
    }


def _current_organization():
    from operations.organizations.models import Organization

    return Organization.objects.get(schema_name=connection.schema_name)


def event_page_sync_current_organization(*, page_id: int, refresh: bool = False) -> str:
    """Make the index (and the public copy) agree with one page of the current organization:
    write its document when it is listed, remove it otherwise. Idempotent. Returns "indexed" or
    "removed". Raises the search client's errors (the task retries them)."""
    organization = _current_organization()
    page = listed_event_pages_current_organization().filter(pk=page_id).first() if organization.is_active else None
    doc_id = document_id(organization.schema_name, page_id)
    if page is None:
        ListedEvent.objects.filter(schema_name=organization.schema_name, page_id=page_id).delete()
        events_index_ensure()
        search_client().options(ignore_status=404).delete(index=events_alias(), id=doc_id, refresh=refresh)
        search_cache_invalidate()
        return "removed"
    doc = event_document_build(page=page, organization=organization)
    with transaction.atomic():
        ListedEvent.objects.update_or_create(schema_name=organization.schema_name, page_id=page_id,
                                             defaults=_listed_event_fields(doc))
    events_index_ensure()  # never let a write auto-create a plain index under the alias's name
    search_client().index(index=events_alias(), id=doc_id, document=doc.to_dict(), refresh=refresh)
    search_cache_invalidate()
    return "indexed"


def event_sync_current_organization(*, event_id: int, refresh: bool = False) -> int:
    """Re-sync every page that presents (or presented) operations event ``event_id``: dates,
    venue, status, prices or availability changed. Returns how many pages were synced."""
    from cms.models import EventPage

    page_ids = set(EventPage.objects.filter(event_id=event_id).values_list("pk", flat=True))
    schema = connection.schema_name
    # A page whose event was deleted no longer points at it: the public copy remembers which did.
    page_ids |= set(_indexed_page_ids_for_event(schema, event_id))
    for page_id in sorted(page_ids):
        event_page_sync_current_organization(page_id=page_id, refresh=refresh)
    return len(page_ids)


def _indexed_page_ids_for_event(schema: str, event_id: int) -> list[int]:
    events_index_ensure()
    response = search_client().search(
        index=events_alias(), size=1000, source=False,
        query={"bool": {"filter": [{"term": {"schema_name": schema}}, {"term": {"event_id": event_id}}]}},
    )
    return [int(hit["_id"].split(":", 1)[1]) for hit in response["hits"]["hits"]]


def organization_unindex(*, schema_name: str, refresh: bool = False) -> int:
    """Remove every document of one organization (deactivated or deleted). Returns how many rows
    of the public copy went; the index is cleared by query."""
    removed, _ = ListedEvent.objects.filter(schema_name=schema_name).delete()
    if events_index_ensure():
        return removed
    search_client().delete_by_query(index=events_alias(), query={"term": {"schema_name": schema_name}},
                                    refresh=refresh, conflicts="proceed")
    search_cache_invalidate()
    return removed


def organization_reindex_current_organization(*, refresh: bool = False) -> int:
    """Index every listed event page of the current organization (reactivated or renamed), and
    remove what is no longer listed. Returns how many pages were synced."""
    organization = _current_organization()
    page_ids = set(listed_event_pages_current_organization().values_list("pk", flat=True))
    page_ids |= set(ListedEvent.objects.filter(schema_name=organization.schema_name).values_list("page_id", flat=True))
    for page_id in sorted(page_ids):
        event_page_sync_current_organization(page_id=page_id, refresh=refresh)
    return len(page_ids)


# --- Rebuild ------------------------------------------------------------------------------------

def event_documents_for_current_organization(organization):
    for page in listed_event_pages_current_organization():
        yield event_document_build(page=page, organization=organization)


def events_index_rebuild_all_organizations(*, progress=None) -> int:
    """Index every active organization's listed events into a new index (settings from
    ELASTICSEARCH_SHARDS/REPLICAS), then move the alias onto it in one step (searches never see a
    half-built index) and drop the old ones. Replaces the public copy in one transaction.
    Crosses schemas (one organization at a time). Returns the number of documents indexed."""
    from operations.organizations.models import Organization

    client = search_client()
    alias = events_alias()
    index = f"{alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10000}"
    events_index_create(index=index, client=client)
    organizations = list(Organization.objects.real().filter(is_active=True))
    listed: list[ListedEvent] = []
    count = 0
    for position, organization in enumerate(organizations, 1):
        with schema_context(organization.schema_name):
            docs = list(event_documents_for_current_organization(organization))
        if docs:
            bulk(client, ({"_index": index, "_id": doc.meta.id, "_source": doc.to_dict()} for doc in docs))
            count += len(docs)
            listed += [ListedEvent(schema_name=organization.schema_name, page_id=doc.page_id, **_listed_event_fields(doc))
                       for doc in docs]
        if progress:
            progress(position, len(organizations), organization)
    client.indices.refresh(index=index)
    old = list(client.indices.get_alias(name=alias)) if client.indices.exists_alias(name=alias) else []
    actions = [{"remove": {"index": name, "alias": alias}} for name in old]
    client.indices.update_aliases(actions=[*actions, {"add": {"index": index, "alias": alias}}])
    for name in old:
        client.indices.delete(index=name, ignore_unavailable=True)
    with transaction.atomic():
        ListedEvent.objects.all().delete()
        ListedEvent.objects.bulk_create(listed, batch_size=500)
    search_cache_invalidate()
    return count


def events_index_ensure() -> bool:
    """Create an empty index behind the alias when there is none (first start, fresh test run).
    Returns True when it created one."""
    client = search_client()
    alias = events_alias()
    if client.indices.exists_alias(name=alias):
        return False
    index = f"{alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10000}"
    events_index_create(index=index, client=client)
    client.indices.update_aliases(actions=[{"add": {"index": index, "alias": alias}}])
    return True


# --- Consistency --------------------------------------------------------------------------------

COMPARED_FIELDS = ("title", "url", "starts_at", "ends_at", "city", "format", "availability", "is_free",
                   "price_min", "categories")


def _comparable(source: dict) -> dict:
    out = {}
    for name in COMPARED_FIELDS:
        value = source.get(name)
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        if isinstance(value, str) and name in ("starts_at", "ends_at"):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC).isoformat()
        if isinstance(value, list):
            value = sorted(value)
        out[name] = value
    return out


def events_index_check_all_organizations() -> dict:
    """Compare the index with the database, every organization (crosses schemas). Returns
    {"missing": [ids], "stale": [ids], "different": {id: [field, ...]}, "checked": n}."""
    from operations.organizations.models import Organization

    client = search_client()
    expected: dict[str, dict] = {}
    for organization in Organization.objects.real().filter(is_active=True):
        with schema_context(organization.schema_name):
            for doc in event_documents_for_current_organization(organization):
                expected[doc.meta.id] = _comparable(doc.to_dict())
    indexed: dict[str, dict] = {}
    after = None
    while True:
        body = {"size": 1000, "sort": [{"schema_name": "asc"}, {"page_id": "asc"}], "query": {"match_all": {}}}
        if after:
            body["search_after"] = after
        hits = client.search(index=events_alias(), **body)["hits"]["hits"]
        for hit in hits:
            indexed[hit["_id"]] = _comparable(hit["_source"])
        if len(hits) < 1000:
            break
        after = hits[-1]["sort"]
    different = {}
    for doc_id in expected.keys() & indexed.keys():
        fields = [name for name in COMPARED_FIELDS if expected[doc_id][name] != indexed[doc_id][name]]
        if fields:
            different[doc_id] = fields
    return {
        "checked": len(expected.keys() | indexed.keys()),
        "missing": sorted(expected.keys() - indexed.keys()),
        "stale": sorted(indexed.keys() - expected.keys()),
        "different": dict(sorted(different.items())),
    }
