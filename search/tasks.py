"""Celery entry points that keep the index true. Each is thin: it runs in the schema of the
organization that queued it (tenant_schemas_celery) and calls search.indexing. All are idempotent
(they write the current state, whatever happened before), so a retry or a duplicate is harmless;
when the search server is unreachable they retry with exponential backoff."""

from celery import shared_task
from elastic_transport import TransportError
from elasticsearch import ApiError

from search import indexing

RETRY = {
    "autoretry_for": (TransportError, ApiError, ConnectionError),
    "retry_backoff": 2,  # 2 s, 4 s, 8 s … with jitter
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 12,  # about an hour of outage before giving up (search_check finds what is left)
}


@shared_task(name="search.event_page_sync", **RETRY)
def event_page_sync(page_id: int) -> str:
    return indexing.event_page_sync_current_organization(page_id=page_id)


@shared_task(name="search.event_sync", **RETRY)
def event_sync(event_id: int) -> int:
    return indexing.event_sync_current_organization(event_id=event_id)


@shared_task(name="search.organization_reindex", **RETRY)
def organization_reindex() -> int:
    return indexing.organization_reindex_current_organization()


@shared_task(name="search.organization_unindex", **RETRY)
def organization_unindex(schema_name: str) -> int:
    return indexing.organization_unindex(schema_name=schema_name)
