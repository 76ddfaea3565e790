"""How long creating an organization takes: schema cloned from the template, domain, Wagtail site,
home page, branding, role groups, owner. Each organization is committed, as in production, and
erased afterwards. Target: under 5 s (DESIGN.md)."""

import statistics
import time

from tests.bench.report import record
from tests.harness import committed_organization

ROUNDS = 5
TARGET_SECONDS = 5.0


def bench_provision(django_db_blocker, django_db_setup):
    timings = []
    with django_db_blocker.unblock():
        for _ in range(ROUNDS):
            started = time.perf_counter()
            with committed_organization("bench") as organization:
                timings.append(time.perf_counter() - started)
                assert organization.domains.count() == 1
    figures = {
        "seconds": round(statistics.median(timings), 3),
        "seconds_max": round(max(timings), 3),
        "rounds": ROUNDS,
    }
    result = record("provision", figures, {"seconds": f"< {TARGET_SECONDS}"}, ok=max(timings) < TARGET_SECONDS)
    assert result["ok"], figures
