"""Building the events index from the database (no request ever reads across schemas; this does,
and says so in its name)."""

import time

from django_tenants.utils import schema_context
from elasticsearch.helpers import bulk

from search.client import search_client
from search.documents import EventDocument, events_alias


def event_documents_for_current_organization(organization):
    from cms.models import EventPage

    pages = EventPage.objects.live().public().select_related("event").filter(event__isnull=False)
    for page in pages:
        event = page.event
        yield EventDocument(
            meta={"id": f"{organization.schema_name}:{page.pk}"},
            title=page.title, summary=page.summary,
            organization_name=organization.display_name, organization_slug=organization.slug,
            url=organization.url(_site_path(page)),
            starts_at=event.starts_at, ends_at=event.ends_at, timezone=event.timezone,
            city=event.city, country=event.country, format=event.format, currency=event.currency,
        )


def _site_path(page) -> str:
    # url_path is "/<site root slug>/<page slug>/"; every organization has one site.
    return "/" + page.url_path.split("/", 2)[2]


def events_index_rebuild_all_organizations(*, progress=None) -> int:
    """Index every active organization's published events into a new index, then move the alias
    onto it in one step (searches never see a half-built index) and drop the old ones.
    Returns the number of documents indexed."""
    from operations.organizations.models import Organization

    client = search_client()
    alias = events_alias()
    index = f"{alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10000}"
    EventDocument.init(index=index, using=client)
    organizations = list(Organization.objects.real().filter(is_active=True))
    count = 0
    for position, organization in enumerate(organizations, 1):
        with schema_context(organization.schema_name):
            docs = list(event_documents_for_current_organization(organization))
        if docs:
            bulk(client, ({"_index": index, "_id": doc.meta.id, "_source": doc.to_dict()} for doc in docs))
            count += len(docs)
        if progress:
            progress(position, len(organizations), organization)
    client.indices.refresh(index=index)
    old = list(client.indices.get_alias(name=alias)) if client.indices.exists_alias(name=alias) else []
    actions = [{"remove": {"index": name, "alias": alias}} for name in old]
    client.indices.update_aliases(actions=[*actions, {"add": {"index": index, "alias": alias}}])
    for name in old:
        client.indices.delete(index=name)
    return count
