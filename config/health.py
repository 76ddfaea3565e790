"""/healthz: the state of every service the platform needs, as JSON (200 all up, 503 otherwise)."""

import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from config.celery import app as celery_app
from search.client import search_client


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis():
    cache.set("healthz", "1", 5)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache read-back failed")


def _celery():
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered")
    return {"workers": len(replies)}


def _search():
    if not search_client().ping():
        raise RuntimeError("search server did not answer")


CHECKS = {"database": _database, "redis": _redis, "celery": _celery, "search": _search}


def healthz(request):
    report, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            extra = check() or {}
            report[name] = {"status": "ok", **extra}
        except Exception as exc:  # a health check reports any failure instead of raising it
            healthy = False
            report[name] = {"status": "down", "error": exc.__class__.__name__}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return JsonResponse({"status": "ok" if healthy else "degraded", "services": report}, status=200 if healthy else 503)
