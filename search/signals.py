"""Where the index hears about changes it does not own: Wagtail publishing, operations events,
ticket sales, organization deactivation. search may not be imported by cms or operations
(dependencies point inwards), so it subscribes to their signals here. Each handler only queues a
task after the transaction commits: a rolled-back change never reaches the index, and the task
reads the committed state."""

import logging
import time

from django.apps import apps
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)


def _first_in_window(key: str, *, seconds: int) -> bool:
    from django.core.cache import cache

    try:
        return cache.add(key, 1, seconds)
    except Exception:  # no cache: sync every time rather than never
        return True


def _after_commit(task, *args) -> None:
    """Queue ``task`` once the transaction commits, in the schema the change happened in (not the
    one the connection is in when the commit callbacks run). robust: a broker outage is logged
    and never turns a committed change into an error page (search_check finds what was missed)."""
    schema = connection.schema_name
    transaction.on_commit(lambda: task.apply_async(args, headers={"_schema_name": schema}), robust=True)


def page_changed(sender, instance, **kwargs):
    from search.tasks import event_page_sync

    _after_commit(event_page_sync, instance.pk)


def event_changed(sender, instance, **kwargs):
    from search.tasks import event_sync

    _after_commit(event_sync, instance.pk)


# An event's index sync follows its orders: the first order of a window queues one, to run after
# SYNC_DELAY seconds (after the burst, so it reads the latest seats); orders within SYNC_WINDOW
# seconds of it queue nothing more. SYNC_DELAY > SYNC_WINDOW: an order committed while a window is
# open is always read by that window's sync.
SYNC_WINDOW, SYNC_DELAY = 4, 5
# Per process, the monotonic time until which a sync already queued will read what commits now:
# spares the shared window's Redis round trip for most orders of a rush.
_covered_until: dict[str, float] = {}


def order_changed(sender, instance, **kwargs):
    from search.tasks import event_sync

    # A sales rush saves orders by the hundred: one sync per event every few seconds is enough.
    # Decided at commit time, so a rolled-back order does not hold the window.
    schema, event_id = connection.schema_name, instance.event_id

    def queue():
        key, now = f"search:event-sync:{schema}:{event_id}", time.monotonic()
        if _covered_until.get(key, 0) > now:
            return
        if len(_covered_until) > 10_000:
            _covered_until.clear()
        if _first_in_window(key, seconds=SYNC_WINDOW):
            _covered_until[key] = now + SYNC_WINDOW
            event_sync.apply_async((event_id,), headers={"_schema_name": schema}, countdown=SYNC_DELAY)
        else:
            # Another process opened the window at most SYNC_WINDOW seconds ago: its sync runs at
            # least SYNC_DELAY - SYNC_WINDOW seconds from now (half of that, to spare clock skew).
            _covered_until[key] = now + (SYNC_DELAY - SYNC_WINDOW) / 2

    transaction.on_commit(queue, robust=True)


# What an organization's documents show of it; other saves leave the index alone.
ORGANIZATION_INDEXED_FIELDS = {"is_active", "name", "name_en", "slug"}


def organization_changed(sender, instance, created=False, update_fields=None, **kwargs):
    from search.tasks import organization_reindex, organization_unindex

    if created or instance.is_template or (update_fields and not ORGANIZATION_INDEXED_FIELDS & set(update_fields)):
        return
    if not instance.is_active:
        _after_commit(organization_unindex, instance.schema_name)
    else:  # reactivated or renamed: its listed events (back) in the index, in its own schema
        schema = instance.schema_name
        transaction.on_commit(lambda: organization_reindex.apply_async(headers={"_schema_name": schema}), robust=True)


def organization_deleted(sender, instance, **kwargs):
    from search.tasks import organization_unindex

    _after_commit(organization_unindex, instance.schema_name)


def connect() -> None:
    from wagtail.signals import page_published, page_unpublished

    event_page = _model("cms", "EventPage")
    for signal in (page_published, page_unpublished):
        signal.connect(page_changed, sender=event_page, dispatch_uid=f"search.page.{signal}")
    post_delete.connect(page_changed, sender=event_page, dispatch_uid="search.page.deleted")
    # Moving a page, or a page created live, saves it without publishing.
    post_save.connect(page_changed, sender=event_page, dispatch_uid="search.page.saved")
    event = _model("events", "Event")
    post_save.connect(event_changed, sender=event, dispatch_uid="search.event.saved")
    post_delete.connect(event_changed, sender=event, dispatch_uid="search.event.deleted")
    order = _model("ticketing", "Order")
    if order is not None:  # sales reaching sold out (or seats coming back) change availability
        post_save.connect(order_changed, sender=order, dispatch_uid="search.order.saved")
    organization = _model("organizations", "Organization")
    post_save.connect(organization_changed, sender=organization, dispatch_uid="search.organization.saved")
    post_delete.connect(organization_deleted, sender=organization, dispatch_uid="search.organization.deleted")
    restriction = _model("wagtailcore", "PageViewRestriction")
    post_save.connect(_restriction_changed, sender=restriction, dispatch_uid="search.restriction.saved")
    post_delete.connect(_restriction_changed, sender=restriction, dispatch_uid="search.restriction.deleted")


def _restriction_changed(sender, instance, **kwargs):
    from search.tasks import event_page_sync

    _after_commit(event_page_sync, instance.page_id)


def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        logger.info("search: %s.%s not installed; its changes are not indexed", app_label, name)
        return None
