"""Test support that pytest-django's transactional_db cannot give with tenants (NOTES-STACK.md):
organizations whose data is really committed, and a real server process over HTTP.

Use these only in tests that need several connections to see the same data (races, browser tests,
benchmarks). They must not also use the ``db`` fixture: its transaction would hide the commits.
"""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from django.db import connection
from django_tenants.utils import schema_context

from operations.organizations.services import organization_create, organization_delete

BASE_DIR = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def committed_organization(prefix: str = "run", **fields):
    """A fresh organization, committed, erased (schema and all) afterwards."""
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    fields.setdefault("name", f"Committed {slug}")
    fields.setdefault("owner_email", f"owner@{slug}.test")
    organization = organization_create(slug=slug, **fields)
    try:
        yield organization
    finally:
        connection.set_schema_to_public()
        organization_delete(organization=organization)


def at_once(schema: str, work, count: int, *, refused=()) -> list:
    """Run ``work(index)`` in ``count`` threads, each with its own database connection in
    ``schema``, released together by a barrier. Returns, per thread, what ``work`` returned, the
    ``code`` of an error among ``refused``, or the repr of any other error (for the assertion)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            with schema_context(schema):
                barrier.wait(timeout=30)
                results[index] = work(index)
        except refused as error:
            results[index] = error.code
        except Exception as error:  # noqa: BLE001 - the caller's assertion shows it
            results[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _terminate(process: subprocess.Popen, timeout: float = 15) -> None:
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """The platform served by gunicorn against the test database, in a child process."""

    def __init__(self, *, workers: int = 2, threads: int = 4, extra_env: dict | None = None, port: int | None = None):
        self.port = port or _free_port()  # a port: the same server back after a stop (an outage)
        self.base_url = f"http://localhost:{self.port}"
        settings = connection.settings_dict
        host = settings["HOST"].replace("/", "%2F")
        env = os.environ.copy()
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings_test",
            DATABASE_URL=f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}",
            PLATFORM_PORT=str(self.port),
        )
        env.update(extra_env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
            cwd=BASE_DIR, env=env,
        )
        self._wait()

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the test server exited while starting")
            try:
                urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # answering (503 without a Celery worker is fine)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the test server did not answer in time")

    def url(self, organization=None, path: str = "/") -> str:
        host = organization.primary_host() if organization else "localhost"
        return f"http://{host}:{self.port}{path}"

    def stop(self) -> None:
        _terminate(self.process)


class CeleryWorkerProcess:
    """A real Celery worker (own process, real broker) for tests of health and background work."""

    def __init__(self):
        env = os.environ.copy()
        env.update(DJANGO_SETTINGS_MODULE="config.settings_test")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--without-mingle",
             "--without-gossip", "--loglevel=WARNING"],
            cwd=BASE_DIR, env=env,
        )

    def wait_until_answering(self, app, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the Celery worker exited while starting")
            if app.control.ping(timeout=0.5):
                return
        raise RuntimeError("the Celery worker did not answer in time")

    def stop(self) -> None:
        _terminate(self.process)
