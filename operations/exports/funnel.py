"""The first step of the registration funnel: event page views, counted per event and hour.

The event page is performance-critical, so a view costs one Redis INCR (no database query);
page_views_flush moves the counters into PageViewCount (beat, and before a report is read).
"""

import datetime as dt
import logging

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from operations.exports.models import PageViewCount

log = logging.getLogger(__name__)
_PREFIX = "funnel:pv"
_TABLE = PageViewCount._meta.db_table
_TTL = 14 * 24 * 3600  # counters not flushed for two weeks are dropped


def _client():
    # The raw client of Django's Redis cache: INCR needs no read-before-write.
    return cache._cache.get_client(write=True)


def _prefix() -> str:
    # The cache's KEY_PREFIX keeps test runs and deployments sharing one Redis apart.
    return f"{cache.key_prefix}:{_PREFIX}:{connection.schema_name}"


def _key(event_id: int, hour: dt.datetime) -> str:
    return f"{_prefix()}:{event_id}:{hour:%Y%m%d%H}"


def funnel_page_view(event_id: int | None) -> None:
    """Count one view of an event's page. Never raises: counting must not break the page."""
    if not event_id:
        return
    key = _key(event_id, timezone.now())
    try:
        pipe = _client().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, _TTL)
        pipe.execute()
    except Exception:  # a Redis hiccup loses a count, never the page  # noqa: BLE001
        log.warning("page view not counted", exc_info=True)


def page_views_flush() -> int:
    """Move this organization's counters into the database (GETDEL, then add: no count is lost or
    added twice even when two flushes run at once)."""
    client = _client()
    moved = 0
    prefix = _prefix()
    for raw in client.scan_iter(match=f"{prefix}:*", count=500):
        key = raw.decode() if isinstance(raw, bytes) else raw
        value = client.getdel(key)
        if not value:
            continue
        event_id, stamp = key[len(prefix) + 1:].split(":")
        hour = dt.datetime.strptime(stamp, "%Y%m%d%H").replace(tzinfo=dt.UTC)
        views = int(value)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {_TABLE} (event_id, hour, views) VALUES (%s, %s, %s) "
                           f"ON CONFLICT (event_id, hour) DO UPDATE SET views = {_TABLE}.views + EXCLUDED.views",
                           [int(event_id), hour, views])
        moved += views
    return moved
