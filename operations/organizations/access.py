"""Answers every request needs, kept per process: the organization a host name routes to, and the
user and role a scanner token stands for.

Reading them from the public schema on every request cost more than the work of a check-in scan.
Kept answers stay exact: any save or delete of an organization, a domain, a membership or a user
moves one generation shared through Redis (at once, and again on commit), and a kept answer is
used only while the generation it was read at is still current. That is one Redis read per
request, made with the request's other generations (operations.core.generations), instead of a
query. When Redis cannot be reached nothing is kept: the database answers every time.
"""

import copy
import threading
import time

import redis
from django.db import transaction

from operations.core import generations
from operations.core.redis import redis_client

GENERATION_KEY = generations.ACCESS_KEY
MAX_AGE = 60  # seconds: a safety net should a generation move be lost (Redis away at that moment)
MAX_ENTRIES = 5000


def _generation() -> bytes | None:
    """The current generation, read once per request (operations.core.generations); None when
    Redis cannot be reached."""
    try:
        return generations.current(GENERATION_KEY) or b"0"
    except redis.RedisError:
        return None


class KeptAnswers:
    """A per-process dict of answers, each valid while the access generation is unchanged.
    ``get`` hands out copies: callers may set attributes on what they get."""

    everywhere: list["KeptAnswers"] = []

    def __init__(self):
        self._entries: dict = {}
        self._generation: bytes | None = None
        self._lock = threading.Lock()
        KeptAnswers.everywhere.append(self)

    def get(self, key, load):
        """The kept answer for ``key``, or ``load()``'s (kept unless None; exceptions pass through)."""
        generation = _generation()
        if generation is None:
            return load()
        now = time.monotonic()
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
            kept = self._entries.get(key)
        if kept is not None and kept[0] > now:
            return copy.copy(kept[1])
        value = load()
        if value is not None:
            with self._lock:
                if self._generation == generation:
                    if len(self._entries) >= MAX_ENTRIES:
                        self._entries.clear()
                    self._entries[key] = (now + MAX_AGE, value)
            value = copy.copy(value)
        return value

    def peek(self, key):
        """The answer kept for ``key`` whatever generation it was read at (a guess), or None."""
        kept = self._entries.get(key)
        return kept[1] if kept is not None else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def access_changed() -> None:
    """Retire every kept answer, in this process at once and in every other through Redis."""
    for kept in KeptAnswers.everywhere:
        kept.clear()
    try:
        redis_client().incr(GENERATION_KEY)
    except redis.RedisError:
        pass  # other processes retire theirs within MAX_AGE


def _on_change(sender, **kwargs) -> None:
    # Now (this process, and readers that do not wait for the commit) and after the commit (every
    # process that read the old rows in between).
    access_changed()
    transaction.on_commit(access_changed)


def kept_while_unchanged(model) -> None:
    """Make any save or delete of ``model`` move the generation: answers read from it may be kept."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_on_change, sender=model, dispatch_uid=f"access-{model._meta.label}-save")
    post_delete.connect(_on_change, sender=model, dispatch_uid=f"access-{model._meta.label}-delete")


def receivers_connect() -> None:
    from django.contrib.auth import get_user_model

    from operations.organizations.models import Domain, Membership, Organization

    for model in (Organization, Domain, Membership, get_user_model()):
        kept_while_unchanged(model)
