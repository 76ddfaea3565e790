import datetime as dt

from django.utils import timezone

from cms.models import EventPage, HomePage
from operations.events.models import Event
from search.client import search_client
from search.documents import events_alias
from search.indexing import events_index_rebuild_all_organizations


def publish_event_page(title: str) -> EventPage:
    starts = timezone.now() + dt.timedelta(days=20)
    event = Event.objects.create(name=title, slug=title.lower().replace(" ", "-"), starts_at=starts,
                                 ends_at=starts + dt.timedelta(hours=2), status="published", city="Seoul")
    page = HomePage.objects.get().add_child(instance=EventPage(title=title, event=event, summary="A day of talks"))
    page.save_revision().publish()
    return page


def test_rebuild_indexes_published_events_of_every_organization_behind_one_alias(org_a, org_b, in_schema):
    with in_schema(org_a):
        publish_event_page("Alpha Conf")
        draft = HomePage.objects.get().add_child(instance=EventPage(title="Alpha Draft", live=False))
        assert not draft.live
    with in_schema(org_b):
        publish_event_page("Beta Fest")

    assert events_index_rebuild_all_organizations() >= 2
    client = search_client()
    hits = client.search(index=events_alias(), query={"match_all": {}}, size=100)["hits"]["hits"]
    titles = {hit["_source"]["title"]: hit["_source"] for hit in hits}
    assert {"Alpha Conf", "Beta Fest"} <= set(titles) and "Alpha Draft" not in titles
    assert titles["Alpha Conf"]["url"] == "http://alpha.localhost/alpha-conf/"

    first_index = list(client.indices.get_alias(name=events_alias()))
    events_index_rebuild_all_organizations()
    second_index = list(client.indices.get_alias(name=events_alias()))
    assert first_index != second_index and not client.indices.exists(index=first_index[0])
    client.indices.delete(index=second_index[0])
