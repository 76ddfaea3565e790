"""Event pages for anonymous visitors, rendered once per version of the site's content.

Most of an event page's cost is content that changes only when editors change something
(StreamField blocks, snippets, image renditions, branding); the ticket offers change with every
sale and are never kept. So the page is rendered once with markers where the offers go (each
ticket list block, and the JSON-LD's offers), kept in the cache, and every request fills the
markers with live offers.

What a kept page depends on is summed up in one number per organization, its content
generation: any save or delete of a model from the apps below moves it on, which retires every
kept page of that organization at once, and so does a change to the organization itself (its name
shows on every page). Kept pages' keys carry the schema (django_tenants' key function); the
generation itself is a shared Redis counter per schema, read with the request's routing
(operations.core.generations).
"""

import time

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from wagtail.images.models import AbstractRendition

from operations.core import generations
from operations.core.redis import redis_client

TICKETS_MARKER = "<!--tessera:live-tickets-->"
JSONLD_MARKER = "<!--tessera:live-jsonld-->"
KEPT_SECONDS = 600  # a safety net: generations retire kept pages as soon as content changes

# Apps whose rows appear on event pages. Ticketing is not here: offers are always read live.
CONTENT_APPS = {"cms", "events", "wagtailcore", "wagtailimages", "wagtaildocs", "wagtailsites",
                "wagtailembeds", "taggit"}


def _first_generation() -> int:
    # Starts from the clock, not 1: after Redis is emptied (a restart) the numbers must not repeat,
    # or copies kept in a process under an old number would come back to life.
    return time.time_ns() // 1000


def _generation_key() -> str:
    return generations.content_key(connection.schema_name)


def content_generation() -> int:
    """The current organization's generation, read once per request (operations.core.generations;
    an edit made by the request itself is seen at once: content_changed forgets what was read)."""
    key = _generation_key()
    generation = generations.current(key)
    if generation is None:
        redis_client().set(key, _first_generation(), nx=True)
        generations.forget(key)
        generation = generations.current(key)
    return int(generation)


class KeptInProcess:
    """Copies a process keeps of what it rendered or read, by keys that name a content generation
    (and the schema): a copy can never be stale, since any edit moves the generation on and old
    keys are simply never asked for again. Bounded: emptied when full."""

    def __init__(self, size: int):
        self.size, self._copies = size, {}

    def get_or_make(self, key: tuple, make):
        value = self._copies.get(key)
        if value is None:
            value = make()
            if len(self._copies) >= self.size:
                self._copies.clear()
            self._copies[key] = value
        return value


def content_changed() -> None:
    """Retire every kept page of the current organization: at once (the request that made the
    change sees it), and again when the change commits. A page rendered by another request in
    between read the old rows (not committed yet) and was kept under the new generation; without
    the second move it would show, e.g., a series without its newly published date for
    KEPT_SECONDS. One move per save: a second Redis INCR is cheaper than tracking transactions."""
    key = _generation_key()
    _generation_move(key)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _generation_move(key), robust=True)


def _generation_move(key: str) -> None:
    generations.forget(key)
    client = redis_client()
    if not client.set(key, _first_generation(), nx=True):  # not set yet: nothing is kept under it
        client.incr(key)


def _on_change(sender, **kwargs) -> None:
    # Renditions are made while rendering; they change nothing a visitor sees.
    if sender._meta.app_label in CONTENT_APPS and not issubclass(sender, AbstractRendition):
        content_changed()


def _on_organization_change(sender, instance, **kwargs) -> None:
    # Saved from the root domain: the generation to move on is the organization's own.
    from django_tenants.utils import schema_context

    with schema_context(instance.schema_name):
        content_changed()


def receivers_connect() -> None:
    post_save.connect(_on_organization_change, sender="organizations.Organization",
                      dispatch_uid="cms.page_cache.organization")
    post_save.connect(_on_change, dispatch_uid="cms.page_cache.save")
    post_delete.connect(_on_change, dispatch_uid="cms.page_cache.delete")
    m2m_changed.connect(_on_change, dispatch_uid="cms.page_cache.m2m")


def is_cacheable(page, request) -> bool:
    """Only what every anonymous visitor sees alike: no query string, no preview, no privacy rules,
    no messages waiting for this browser."""
    return (request.method in ("GET", "HEAD") and not request.GET and not getattr(request, "is_preview", False)
            and not request.user.is_authenticated and not page.get_view_restrictions()
            and not len(get_messages(request)))


def _key(page, request, is_past: bool) -> str:
    return f"cms:event-page:{page.pk}:{content_generation()}:{request.scheme}://{request.get_host()}:{int(is_past)}"


def event_page_serve(page, request, *, render, live_context):
    """The response for ``page``: from the kept render when there is one, else rendered (by
    ``render(defer_offers=...)``) and kept. ``live_context()`` gives the live offers, whether the
    event is over, and the context the ticket list blocks render with."""
    if not is_cacheable(page, request):
        return render(defer_offers=False)
    live = live_context()
    key = _key(page, request, live["is_past"])
    kept = cache.get(key)
    if kept is None:
        response = render(defer_offers=True)
        response.render()
        if response.status_code != 200:
            return response
        kept = {"html": response.content.decode(response.charset), "content_type": response["Content-Type"],
                "jsonld": response.context_data.get("jsonld")}
        cache.set(key, kept, KEPT_SECONDS)
    return HttpResponse(_fill(page, kept, live), content_type=kept["content_type"])


def _fill(page, kept: dict, live: dict) -> str:
    from cms.seo import event_jsonld_offers, jsonld_script

    parts = kept["html"].split(TICKETS_MARKER)
    # From the raw data: iterating the StreamValue would load every block's snippets and images.
    block = page.content.stream_block.child_blocks["tickets"]
    values = [block.to_python(raw["value"]) for raw in page.content.raw_data if raw["type"] == "tickets"]
    # The kept render and the live page are the same revision (the generation moves on when either
    # changes), so there is one marker per ticket list block.
    filled = [parts[0]]
    for value, rest in zip(values, parts[1:], strict=True):
        filled += [block.render(value, live["block_context"]), rest]
    jsonld = event_jsonld_offers(kept["jsonld"], live["offers"])
    return "".join(filled).replace(JSONLD_MARKER, jsonld_script(jsonld) if jsonld else "", 1)
