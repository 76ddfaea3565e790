"""The search server connection (Elasticsearch 8, or osmem-server when embedded)."""

from functools import lru_cache

from django.conf import settings
from elastic_transport import TransportError, Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch

# What "the search server is unreachable or refused the request" looks like to callers that
# degrade instead of failing (the discovery page's fallback list, health checks).
SEARCH_ERRORS = (TransportError, ApiError, ConnectionError)


class PlainJsonNode(Urllib3HttpNode):
    """osmem-server refuses the client's compatibility media type on requests with a body (406);
    a real Elasticsearch accepts plain JSON too, but only the embedded server needs this."""

    def perform_request(self, method, target, body=None, headers=None, **kwargs):
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                value = headers.get(name)
                if value and "compatible-with" in value:
                    headers[name] = "application/x-ndjson" if "x-ndjson" in value else "application/json"
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)


@lru_cache(maxsize=1)
def search_client() -> Elasticsearch:
    options = {"request_timeout": 5, "retry_on_timeout": False, "max_retries": 0}
    if settings.ELASTICSEARCH_EMBEDDED:
        options["node_class"] = PlainJsonNode
    return Elasticsearch(settings.ELASTICSEARCH_URL, **options)
