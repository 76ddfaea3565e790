"""The embedded services used when no URL is set: started once, reused, data kept across restarts."""

import redis

from config import embedded


def test_service_urls_in_the_environment_are_used_as_given():
    environ = {"DATABASE_URL": "postgres://db/x", "REDIS_URL": "redis://r:6379/0", "ELASTICSEARCH_URL": "http://es:9200"}
    assert embedded.fill_environment(environ) == {}
    assert environ["DATABASE_URL"] == "postgres://db/x"


def test_redis_is_started_reused_and_keeps_its_data_across_a_restart(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)
    url = embedded.ensure_redis()
    try:
        client = redis.Redis.from_url(url)
        client.set("survives", "yes")
        pid = (tmp_path / "redis" / "redis.pid").read_text()
        assert embedded.ensure_redis() == url  # reused, not restarted
        assert (tmp_path / "redis" / "redis.pid").read_text() == pid

        embedded.stop_redis()
        assert not (tmp_path / "redis" / "redis.pid").exists()
        url = embedded.ensure_redis()
        assert redis.Redis.from_url(url).get("survives") == b"yes"
    finally:
        embedded.stop_redis()


def test_search_server_reports_whether_it_started_empty(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)
    try:
        url, started = embedded.ensure_search()
        assert started and embedded._http_ok(url)
        assert embedded.ensure_search() == (url, False)
    finally:
        embedded.stop_search()


SLOW_SERVER = """
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(1.5)  # longer than a quick liveness probe waits
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
"""


def test_a_running_search_server_that_answers_slowly_is_reused_not_duplicated(tmp_path, monkeypatch):
    import json
    import subprocess
    import sys

    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)
    port = embedded._free_port()
    slow = subprocess.Popen([sys.executable, "-c", SLOW_SERVER, str(port)])
    try:
        url = f"http://127.0.0.1:{port}"
        (tmp_path / "search").mkdir()
        (tmp_path / "search" / "server.json").write_text(json.dumps({"pid": slow.pid, "url": url}))
        embedded._wait_for(lambda: embedded._http_ok(url, timeout=5), "slow server", tmp_path, timeout=10)
        assert embedded.ensure_search() == (url, False)
        assert slow.poll() is None
    finally:
        embedded.stop_search()  # whichever server the state names
        slow.kill()


def test_postgres_is_started_reused_and_keeps_its_data_across_a_restart(tmp_path, monkeypatch):
    import psycopg
    from urllib.parse import unquote, urlparse

    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)
    url = embedded.ensure_postgres()
    try:
        host = unquote(urlparse(url).netloc.split("@")[1])
        with psycopg.connect(host=host, user="postgres", dbname="tessera", autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (value text)")
            conn.execute("INSERT INTO kept VALUES ('yes')")
        assert embedded.ensure_postgres() == url  # reused

        embedded.stop_postgres()
        assert not (tmp_path / "postgres" / "postmaster.pid").exists()
        url = embedded.ensure_postgres()
        host = unquote(urlparse(url).netloc.split("@")[1])
        with psycopg.connect(host=host, user="postgres", dbname="tessera") as conn:
            assert conn.execute("SELECT value FROM kept").fetchone() == ("yes",)
    finally:
        embedded.stop_postgres()
