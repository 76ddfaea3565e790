"""Routes (host name -> organization) are kept per process and retired the moment anything they
depend on changes, here or in another process."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from operations.core import generations
from operations.core.redis import redis_client
from operations.organizations import access
from operations.organizations.models import Domain, Organization


def _domain_queries(client, path="/healthz") -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, sum('"organizations_domain"' in q["sql"] for q in queries.captured_queries)


def test_a_route_is_read_once_then_kept(org_a, site_client):
    client = site_client(org_a)
    assert _domain_queries(client, "/robots.txt") == (200, 1)
    assert _domain_queries(client, "/robots.txt") == (200, 0)


def test_deactivating_an_organization_stops_its_kept_route_at_once(org_a, site_client):
    client = site_client(org_a)
    assert client.get("/robots.txt").status_code == 200
    org_a.is_active = False
    org_a.save()
    assert client.get("/robots.txt").status_code == 404


def test_a_change_made_by_another_process_retires_kept_routes(org_a, site_client):
    client = site_client(org_a)
    assert client.get("/robots.txt").status_code == 200
    # Another process's write: no signal here, only the generation it moves in Redis.
    Domain.objects.filter(tenant=org_a).update(is_verified=False)
    assert client.get("/robots.txt").status_code == 200  # still kept: nothing said it changed
    redis_client().incr(access.GENERATION_KEY)
    assert client.get("/robots.txt").status_code == 404


def test_a_removed_domain_no_longer_routes(org_a, site_client):
    client = site_client(org_a)
    assert client.get("/robots.txt").status_code == 200
    Domain.objects.filter(tenant=org_a).get(is_primary=True).delete()
    assert client.get("/robots.txt").status_code == 404


def test_without_redis_every_request_reads_the_database(org_a, site_client, monkeypatch):
    import redis

    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(access, "redis_client", lambda: dead)
    monkeypatch.setattr(generations, "redis_client", lambda: dead)
    client = site_client(org_a)
    assert _domain_queries(client, "/robots.txt") == (200, 1)
    assert _domain_queries(client, "/robots.txt") == (200, 1)


def test_each_request_gets_its_own_copy_of_the_organization(org_a, rf):
    kept = access.KeptAnswers()
    first = kept.get("x", lambda: Organization.objects.get(pk=org_a.pk))
    first.domain_url = "changed.example"
    second = kept.get("x", lambda: pytest.fail("should be kept"))
    assert second.pk == org_a.pk and getattr(second, "domain_url", None) != "changed.example"
