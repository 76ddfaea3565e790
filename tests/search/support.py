"""Search test support: documents as the indexer writes them and a fresh index per test (shared
with the portal tests, which import the fixture)."""

import datetime as dt
import itertools

import pytest

from search.client import search_client
from search.documents import events_alias, events_index_create
from search.queries import search_cache_invalidate

# A Wednesday; "this weekend" is 5-6 December, "this month" ends with December.
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


def event_source(title: str, **fields) -> dict:
    """A document as search.indexing writes it, with plausible defaults."""
    page_id = next(_ids)
    starts = fields.pop("starts_at", NOW + dt.timedelta(days=10))
    ends = fields.pop("ends_at", starts + dt.timedelta(hours=3))
    slug = fields.pop("organization_slug", "alpha")
    source = {
        "title": title, "summary": "", "body": "", "speakers": [], "organization_name": slug.title(),
        "organization_slug": slug, "organization_url": f"http://{slug}.localhost/", "schema_name": slug,
        "page_id": page_id, "event_id": page_id, "categories": [], "tags": [], "format": "in_person",
        "venue": "", "city": "Seoul", "country": "KR", "starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
        "timezone": "UTC", "currency": "EUR", "availability": "on_sale", "language": "en",
        "url": f"http://{slug}.localhost/{title.lower().replace(' ', '-')}/", "image": "",
    }
    source.update(fields)
    return source


class EventsIndex:
    def __init__(self, client, index):
        self.client, self.index = client, index

    def add(self, *sources: dict) -> list[str]:
        ids = []
        for source in sources:
            doc_id = f"{source['schema_name']}:{source['page_id']}"
            self.client.index(index=self.index, id=doc_id, document=source)
            ids.append(doc_id)
        self.client.indices.refresh(index=self.index)
        search_cache_invalidate()
        return ids


def events_alias_clear(client, alias: str) -> None:
    """Delete every index behind ``alias`` (a test or benchmark starts from nothing)."""
    if client.indices.exists_alias(name=alias):
        for name in client.indices.get_alias(name=alias):
            client.indices.delete(index=name)


@pytest.fixture
def events_index():
    """An empty events index behind this run's alias; removed afterwards."""
    client = search_client()
    alias = events_alias()
    events_alias_clear(client, alias)
    index = f"{alias}-test-{next(_ids)}"
    events_index_create(index=index, client=client)
    client.indices.update_aliases(actions=[{"add": {"index": index, "alias": alias}}])
    search_cache_invalidate()
    yield EventsIndex(client, index)
    client.indices.delete(index=index, ignore_unavailable=True)
