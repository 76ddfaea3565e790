"""What the portal's search index holds: one document per published, public event page of every
organization. Analyzers: English and Korean text (CJK bigrams), accent folding, and edge n-grams
for prefix matching (autocomplete)."""

from django.conf import settings
from elasticsearch_dsl import (
    Boolean, Date, Document, GeoPoint, Integer, Keyword, ScaledFloat, Text, analyzer, token_filter,
)

# cjk_width folds half-/full-width forms; asciifolding turns "Café" into "cafe"; cjk_bigram
# splits Hangul, Han and Kana runs into overlapping pairs, so "서울테크서밋" matches "테크".
_folding = ["cjk_width", "lowercase", "asciifolding"]
text_analyzer = analyzer("tessera_text", tokenizer="standard", filter=[*_folding, "cjk_bigram"])
_prefixes = token_filter("tessera_prefixes", "edge_ngram", min_gram=1, max_gram=20)
autocomplete_analyzer = analyzer("tessera_autocomplete", tokenizer="standard", filter=[*_folding, _prefixes])
autocomplete_search_analyzer = analyzer("tessera_autocomplete_search", tokenizer="standard", filter=_folding)


def events_alias() -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-events"


def _text(**extra):
    return Text(analyzer=text_analyzer, **extra)


class EventDocument(Document):
    """Field names are the contract between indexing, the query builder and the templates."""

    title = _text(fields={
        "raw": Keyword(),
        "prefix": Text(analyzer=autocomplete_analyzer, search_analyzer=autocomplete_search_analyzer),
    })
    summary = _text()
    body = _text()
    speakers = _text()
    organization_name = _text(fields={"raw": Keyword()})
    organization_slug = Keyword()
    organization_url = Keyword(index=False)
    schema_name = Keyword()
    page_id = Integer()
    event_id = Integer()
    categories = Keyword()
    tags = Keyword()
    format = Keyword()
    venue = _text()
    city = Keyword(fields={"text": Text(analyzer=text_analyzer)})
    country = Keyword()
    location = GeoPoint()
    starts_at = Date()
    ends_at = Date()
    timezone = Keyword()
    price_min = ScaledFloat(scaling_factor=1000)
    price_max = ScaledFloat(scaling_factor=1000)
    is_free = Boolean()
    currency = Keyword()
    availability = Keyword()  # on_sale, sold_out, waiting_list, not_on_sale, unknown
    language = Keyword()
    url = Keyword(index=False)
    image = Keyword(index=False)


def events_index_settings() -> dict:
    """Shards and replicas from settings (a real cluster wants replicas; the embedded one none)."""
    return {"number_of_shards": settings.ELASTICSEARCH_SHARDS, "number_of_replicas": settings.ELASTICSEARCH_REPLICAS}


def events_index_create(*, index: str, client) -> None:
    """Create a concrete events index with the mapping, analyzers and configured settings."""
    from elasticsearch_dsl import Index

    definition = Index(index)
    definition.settings(**events_index_settings())
    definition.document(EventDocument)
    definition.create(using=client)
