"""Keeping the index true: database changes reach it through Celery tasks queued after commit
(eager in tests), the rebuild swaps a new index in under the alias, and the consistency check
finds what disagrees. Everything against the search server over HTTP."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms.models import EventPage, HomePage
from operations.events.models import Event
from operations.organizations.services import organization_deactivate, organization_update
from operations.ticketing.models import Order, OrderPosition, Quota, TicketType
from search import indexing
from search.client import search_client
from search.documents import events_alias
from search.indexing import events_index_check_all_organizations, events_index_rebuild_all_organizations
from search.models import ListedEvent
from search.queries import DiscoveryQuery, discovery_search
from search.tasks import event_page_sync

pytestmark = pytest.mark.django_db


def publish_event_page(title: str, *, status="published", **page_fields) -> EventPage:
    starts = timezone.now() + dt.timedelta(days=20)
    event = Event.objects.create(name=title, slug=title.lower().replace(" ", "-"), starts_at=starts,
                                 ends_at=starts + dt.timedelta(hours=2), status=status, city="Seoul", country="KR")
    page = HomePage.objects.get().add_child(instance=EventPage(title=title, event=event, summary="A day of talks",
                                                              **page_fields))
    page.save_revision().publish()
    return page


def indexed(organization, page) -> dict | None:
    response = search_client().options(ignore_status=404).get(index=events_alias(), id=f"{organization.schema_name}:{page.pk}")
    return response["_source"] if response.get("found") else None


def visible_titles(q: str = "") -> set[str]:
    query = DiscoveryQuery(q=q)
    return {r.title for r in discovery_search(query, now=timezone.now()).results}


def test_publishing_indexes_after_commit_and_unpublishing_removes(org_a, in_schema, events_index,
                                                                   django_capture_on_commit_callbacks):
    with in_schema(org_a):
        with django_capture_on_commit_callbacks() as queued:
            page = publish_event_page("Alpha Conf")
        assert indexed(org_a, page) is None  # nothing before the commit
        for callback in queued:
            callback()
        source = indexed(org_a, page)
        assert source["title"] == "Alpha Conf" and source["organization_slug"] == "alpha"
        assert source["url"] == "http://alpha.localhost/alpha-conf/" and source["city"] == "Seoul"
        assert ListedEvent.objects.filter(schema_name=org_a.schema_name, page_id=page.pk).exists()

        with django_capture_on_commit_callbacks(execute=True):
            page.unpublish()
        assert indexed(org_a, page) is None
        assert not ListedEvent.objects.filter(schema_name=org_a.schema_name, page_id=page.pk).exists()


def test_an_event_change_in_the_database_reaches_the_index(org_a, in_schema, events_index,
                                                           django_capture_on_commit_callbacks):
    with in_schema(org_a):
        with django_capture_on_commit_callbacks(execute=True):
            page = publish_event_page("Alpha Conf")
        event = page.event
        with django_capture_on_commit_callbacks(execute=True):
            event.city = "Busan"
            event.format = Event.Format.HYBRID
            event.save()
        source = indexed(org_a, page)
        assert source["city"] == "Busan" and source["format"] == "hybrid"

        with django_capture_on_commit_callbacks(execute=True):
            event.status = Event.Status.CANCELLED
            event.save()
        assert indexed(org_a, page) is None


def test_sold_out_and_waiting_list_reach_the_index_when_a_sale_commits(org_a, in_schema, events_index,
                                                                          django_capture_on_commit_callbacks):
    with in_schema(org_a):
        with django_capture_on_commit_callbacks(execute=True):
            page = publish_event_page("Alpha Conf")
            event = page.event
            quota = Quota.objects.create(event=event, name="All seats", size=1)
            TicketType.objects.create(event=event, name="Standard", price=Decimal("20.00")).quotas.add(quota)
            event.save()  # an event change queues its sync
        source = indexed(org_a, page)
        assert source["availability"] == "on_sale" and source["price_min"] == 20 and source["is_free"] is False

        with django_capture_on_commit_callbacks(execute=True):  # the last seat sells
            order = Order.objects.create(event=event, code=f"T-{page.pk}", currency=event.currency,
                                         status=Order.Status.CONFIRMED, total=Decimal("20.00"))
            OrderPosition.objects.create(order=order, ticket_type=quota.ticket_types.get(), price=Decimal("20.00"))
        assert indexed(org_a, page)["availability"] == "waiting_list"  # registration is still open

        with django_capture_on_commit_callbacks(execute=True):
            event.registration_closes_at = timezone.now() - dt.timedelta(minutes=1)
            event.save()
        assert indexed(org_a, page)["availability"] == "sold_out"


def test_draft_private_and_unlisted_events_of_any_organization_never_appear(org_a, org_b, in_schema, events_index,
                                                                             django_capture_on_commit_callbacks):
    for organization, prefix in ((org_a, "Alpha"), (org_b, "Beta")):
        with in_schema(organization), django_capture_on_commit_callbacks(execute=True):
            publish_event_page(f"{prefix} Public")
            publish_event_page(f"{prefix} Draft Event", status=Event.Status.DRAFT)
            draft = HomePage.objects.get().add_child(instance=EventPage(title=f"{prefix} Draft Page", live=False))
            draft.save_revision()
            private = publish_event_page(f"{prefix} Private")
            PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.PASSWORD,
                                               password="secret")
            publish_event_page(f"{prefix} Unlisted", visibility="unlisted")
    assert visible_titles() == {"Alpha Public", "Beta Public"}
    events_index_rebuild_all_organizations()
    assert visible_titles() == {"Alpha Public", "Beta Public"}
    assert not ListedEvent.objects.exclude(title__in=["Alpha Public", "Beta Public"]).exists()


def test_deactivating_an_organization_removes_its_events_and_reactivating_restores_them(org_a, org_b, in_schema, events_index,
                                                         django_capture_on_commit_callbacks):
    for organization, title in ((org_a, "Alpha Conf"), (org_b, "Beta Fest")):
        with in_schema(organization), django_capture_on_commit_callbacks(execute=True):
            publish_event_page(title)
    with django_capture_on_commit_callbacks(execute=True):
        organization_deactivate(organization=org_a)
    search_client().indices.refresh(index=events_alias())
    assert visible_titles() == {"Beta Fest"}
    assert set(ListedEvent.objects.values_list("title", flat=True)) == {"Beta Fest"}

    with django_capture_on_commit_callbacks(execute=True):  # reactivated: its events come back
        organization_update(organization=org_a, actor=None, is_active=True)
    search_client().indices.refresh(index=events_alias())
    assert visible_titles() == {"Alpha Conf", "Beta Fest"}
    assert ListedEvent.objects.get(title="Alpha Conf").organization_name == org_a.name


def test_the_task_retries_with_backoff_when_the_search_server_is_down(org_a, in_schema, events_index, monkeypatch):
    from elasticsearch import Elasticsearch

    assert event_page_sync.autoretry_for and event_page_sync.retry_backoff and event_page_sync.max_retries >= 5
    retries = []
    def retry(*args, **kwargs):
        retries.append(kwargs)
        raise RuntimeError("retry")

    monkeypatch.setattr(event_page_sync, "retry", retry)
    monkeypatch.setattr(indexing, "search_client", lambda: Elasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=1))
    with in_schema(org_a):
        page = publish_event_page("Alpha Conf")
        with pytest.raises(RuntimeError, match="retry"):
            event_page_sync.apply(args=[page.pk], throw=True)
    assert retries and retries[0]["countdown"] >= 0


def test_rebuild_indexes_every_organization_behind_one_alias_and_swaps(org_a, org_b, in_schema, events_index):
    with in_schema(org_a):
        publish_event_page("Alpha Conf")
        draft = HomePage.objects.get().add_child(instance=EventPage(title="Alpha Draft", live=False))
        assert not draft.live
    with in_schema(org_b):
        publish_event_page("Beta Fest")

    out = StringIO()
    call_command("search_rebuild", stdout=out)
    assert "Indexed 2 events." in out.getvalue() and "[###" in out.getvalue()
    client = search_client()
    hits = client.search(index=events_alias(), query={"match_all": {}}, size=100)["hits"]["hits"]
    titles = {hit["_source"]["title"]: hit["_source"] for hit in hits}
    assert set(titles) == {"Alpha Conf", "Beta Fest"}
    assert titles["Alpha Conf"]["url"] == "http://alpha.localhost/alpha-conf/"
    mapping = next(iter(client.indices.get_mapping(index=events_alias()).values()))["mappings"]
    assert mapping["properties"]["location"]["type"] == "geo_point"

    first_index = list(client.indices.get_alias(name=events_alias()))
    events_index_rebuild_all_organizations()
    second_index = list(client.indices.get_alias(name=events_alias()))
    assert first_index != second_index and not client.indices.exists(index=first_index[0])
    assert set(ListedEvent.objects.values_list("title", flat=True)) == {"Alpha Conf", "Beta Fest"}
    client.indices.delete(index=second_index[0])


def test_consistency_check_reports_missing_stale_and_different_documents(org_a, in_schema, events_index):
    with in_schema(org_a):
        kept = publish_event_page("Kept")
        changed = publish_event_page("Changed")
        missing = publish_event_page("Missing")
    events_index_rebuild_all_organizations()
    client = search_client()
    client.delete(index=events_alias(), id=f"{org_a.schema_name}:{missing.pk}")
    client.index(index=events_alias(), id=f"{org_a.schema_name}:999999", document={"title": "Ghost", "schema_name": org_a.schema_name, "page_id": 999999})
    client.indices.refresh(index=events_alias())
    with in_schema(org_a):
        Event.objects.filter(pk=changed.event_id).update(city="Busan")  # no signal: the index does not know

    report = events_index_check_all_organizations()
    assert report["missing"] == [f"{org_a.schema_name}:{missing.pk}"]
    assert report["stale"] == [f"{org_a.schema_name}:999999"]
    assert report["different"] == {f"{org_a.schema_name}:{changed.pk}": ["city"]}
    assert f"{org_a.schema_name}:{kept.pk}" not in report["different"]

    out = StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("search_check", stdout=out)
    assert exit_code.value.code == 1 and "1 missing, 1 stale, 1 different" in out.getvalue()
    call_command("search_check", "--fix", stdout=StringIO())
    assert events_index_check_all_organizations() == {"checked": 3, "missing": [], "stale": [], "different": {}}
    client.indices.delete(index=next(iter(client.indices.get_alias(name=events_alias()))))
