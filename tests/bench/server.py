"""The server the HTTP benchmarks run against: gunicorn's sync workers, as the Procfile runs them,
2 per core (BENCH_WORKERS and BENCH_THREADS override; threads > 1 means gthread workers).

Not named ``bench_*``: pytest collects such functions in benchmark modules as benchmarks (pyproject),
and under that name this one ran as a "benchmark" that started a server and never stopped it.

Threaded workers (gthread) answered fewer scans on two cores (each request crosses threads twice
under one GIL), and 5 sync workers (gunicorn's 2 x cores + 1) had a longer tail than 4: check-in
p99 45-66 ms against 37-41 ms, with five PostgreSQL backends more contending for the cores
(BENCHMARKS.md)."""

import os

from tests.harness import ServerProcess

WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
THREADS = int(os.environ.get("BENCH_THREADS", 1))


def server_start(extra_env: dict | None = None) -> ServerProcess:
    return ServerProcess(workers=WORKERS, threads=THREADS, extra_env=extra_env)
