"""Warm render of a public event page over HTTP: a committed organization with a full event page
(hero, agenda, speakers, sponsors, venue, tickets, FAQ), served by gunicorn; requests are
sequential after a warm-up. Also counts the page's database queries (fixed, see
tests/cms/test_queries.py). Target: p50 under 30 ms (DESIGN.md)."""

import http.client
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tests.bench.report import record
from tests.e2e.test_cms_branding import site_fill
from tests.harness import ServerProcess, committed_organization

WARMUP, ROUNDS = 30, 400
TARGET_P50_MS = 30.0
PATH = "/spring-gathering/"


def _queries(organization) -> int:
    client = Client(HTTP_HOST=organization.primary_host())
    client.get(PATH)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PATH).status_code == 200
    connection.set_schema_to_public()
    return sum(1 for q in queries.captured_queries if not q["sql"].startswith("SET search_path"))


def bench_event_page(django_db_blocker, django_db_setup):
    with django_db_blocker.unblock(), committed_organization("bench-page", name="Bench Page Org") as organization:
        with schema_context(organization.schema_name):
            site_fill("aurora")
        queries = _queries(organization)
        server = ServerProcess(workers=2, threads=1)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            headers = {"Host": f"{organization.primary_host()}:{server.port}"}
            timings = []
            for n in range(WARMUP + ROUNDS):
                started = time.perf_counter()
                conn.request("GET", PATH, headers=headers)
                response = conn.getresponse()
                body = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status == 200 and b"Spring Gathering" in body
                if n >= WARMUP:
                    timings.append(elapsed)
            conn.close()
        finally:
            server.stop()
    timings.sort()
    figures = {
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
        "queries": queries,
        "requests": ROUNDS,
    }
    result = record("event_page", figures, {"p50_ms": f"< {TARGET_P50_MS}", "queries": "fixed (tests/cms/test_queries.py)"},
                    ok=figures["p50_ms"] < TARGET_P50_MS)
    assert result["ok"], figures
