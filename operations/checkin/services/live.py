"""The cheap "something changed" marker the live dashboard polls: one Redis key per event.

Redis directly rather than Django's cache (see operations.core.redis): one worker's scans must
reach another worker's stream. The schema is part of the key (event ids repeat across organizations).
"""

import time

import redis
from django.db import connection

from operations.core.redis import redis_client as _redis


def _key(event_id: int) -> str:
    return f"tessera:checkin:changed:{connection.schema_name}:{event_id}"


def marker_bump(event_id: int) -> None:
    try:
        _redis().set(_key(event_id), time.time_ns(), ex=7 * 24 * 3600)
    except redis.RedisError:
        pass  # the dashboard falls back to its periodic refresh; a scan never fails for it


def marker_get(event_id: int):
    try:
        return _redis().get(_key(event_id))
    except redis.RedisError:
        return None
