import json

import pytest
from config.celery import app
from tests.harness import CeleryWorkerProcess


def test_healthz_reports_every_service_and_503_without_a_worker(db, site_client):
    response = site_client().get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503 and body["status"] == "degraded"
    assert body["services"]["database"]["status"] == "ok"
    assert body["services"]["redis"]["status"] == "ok"
    assert body["services"]["search"]["status"] == "ok"
    assert body["services"]["celery"] == {"status": "down", "error": "RuntimeError", "ms": pytest.approx(1000, abs=500)}


def test_healthz_is_200_when_a_worker_answers(db, site_client, org_a):
    worker = CeleryWorkerProcess()
    try:
        worker.wait_until_answering(app)
        for _ in range(5):  # a worker that has just started may miss one ping
            response = site_client(org_a).get("/healthz")  # answers on organization hosts too
            if response.status_code == 200:
                break
    finally:
        worker.stop()
    body = json.loads(response.content)
    assert response.status_code == 200, body
    assert body["services"]["celery"]["workers"] >= 1


def test_healthz_says_which_service_is_down(db, site_client, settings):
    from search.client import search_client

    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    search_client.cache_clear()
    try:
        body = json.loads(site_client().get("/healthz").content)
    finally:
        search_client.cache_clear()
    assert body["services"]["search"]["status"] == "down"
    assert body["services"]["database"]["status"] == "ok"
