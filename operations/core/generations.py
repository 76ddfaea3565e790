"""Generations: counters in Redis whose moves retire what the web processes keep. The access
generation (operations.organizations.access) guards kept routes and scanner tokens; each
organization's content generation (cms.page_cache) guards kept pages, frames and question lists.

A request reads each generation it needs once, and the two nearly every request needs in one round
trip as it starts (OrganizationMiddleware): the access generation, and the content generation of
the organization this host routed to last in this process (right unless a domain just moved; the
right one is then read on its own). On a sales rush each was a round trip of its own on every
request. Outside requests (tasks, shells) every read goes to Redis.
"""

import threading

import redis
from django.core.signals import request_finished, request_started

from operations.core.redis import redis_client

ACCESS_KEY = "tessera:access-generation"

# The values read during the current request, by key. None outside requests.
_request = threading.local()


def content_key(schema_name: str) -> str:
    return f"tessera:content-generation:{schema_name}"


def prefetch(keys: list[str]) -> None:
    """Read ``keys`` for the current request in one round trip (nothing when Redis cannot be
    reached: each read then goes to Redis and meets the failure itself)."""
    values = getattr(_request, "values", None)
    if values is None:
        return
    try:
        values.update(zip(keys, redis_client().mget(keys), strict=True))
    except redis.RedisError:
        pass


def current(key: str) -> bytes | None:
    """``key``'s value (None: not set), read once per request. Raises RedisError."""
    values = getattr(_request, "values", None)
    if values is not None and key in values:
        return values[key]
    value = redis_client().get(key)
    if values is not None:
        values[key] = value
    return value


def forget(key: str) -> None:
    """Read ``key`` afresh on its next use in this request (after the request moved it on)."""
    values = getattr(_request, "values", None)
    if values is not None:
        values.pop(key, None)


def _request_started(**kwargs) -> None:
    _request.values = {}


def _request_finished(**kwargs) -> None:
    _request.values = None


def receivers_connect() -> None:
    request_started.connect(_request_started, dispatch_uid="core.generations.request_started")
    request_finished.connect(_request_finished, dispatch_uid="core.generations.request_finished")
