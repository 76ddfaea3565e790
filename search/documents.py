"""What the portal's search index holds: one document per published event page, every organization."""

from django.conf import settings
from elasticsearch_dsl import Date, Document, Keyword, Text


def events_alias() -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-events"


class EventDocument(Document):
    title = Text()
    summary = Text()
    organization_name = Text(fields={"raw": Keyword()})
    organization_slug = Keyword()
    url = Keyword(index=False)
    starts_at = Date()
    ends_at = Date()
    timezone = Keyword()
    city = Text(fields={"raw": Keyword()})
    country = Keyword()
    format = Keyword()
    currency = Keyword()

    class Index:
        settings = {"number_of_shards": 1, "number_of_replicas": 0}
