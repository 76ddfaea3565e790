"""The live dashboard over a real server: a scan made through the API shows up on the dashboard's
server-sent event stream within one second (committed data, gunicorn with threads)."""

import json
import threading
import time

import pytest
import requests
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from operations.accounts.models import User
from operations.checkin.services.lists import checkin_list_default
from operations.checkin.services.tokens import scanner_token_issue
from operations.ticketing.services.signing import ticket_payload
from tests.harness import ServerProcess, committed_organization
from tests.operations.checkin.builders import event_make, ticket_make, ticket_type_make

pytestmark = pytest.mark.committed


class Stream:
    """Reads an SSE stream in a thread; keeps (arrival time, data) of each update event."""

    def __init__(self, response):
        self.updates: list[tuple[float, dict]] = []
        self.response = response
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        event = None
        try:
            lines = self.response.iter_lines(decode_unicode=True)
        except Exception:  # noqa: BLE001 - closed by the test
            return
        for line in self._safe(lines):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "update":
                self.updates.append((time.monotonic(), json.loads(line[6:])))

    @staticmethod
    def _safe(lines):
        try:
            yield from lines
        except Exception:  # noqa: BLE001 - the test closed the stream
            return

    def wait(self, predicate, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for arrived, data in list(self.updates):
                if predicate(data):
                    return arrived, data
            time.sleep(0.01)
        raise AssertionError(f"no matching update in {timeout}s; got {len(self.updates)} updates")


def test_dashboard_stream_shows_a_scan_within_one_second(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_organization("live") as organization:
        owner = User.objects.get(memberships__organization=organization, memberships__role="owner")
        host = organization.primary_host()
        with schema_context(organization.schema_name):
            event = event_make(slug="live")
            ticket = ticket_make(event, ticket_type_make(event), name="Park Jimin")
            payload = ticket_payload(ticket)
            checkin_list = checkin_list_default(event=event)
            token = scanner_token_issue(user=owner)
        connection.set_schema_to_public()
        browser = Client(HTTP_HOST=host)
        browser.force_login(owner, backend="operations.accounts.backends.EmailBackend")
        session = browser.cookies["sessionid"].value
        server = ServerProcess(workers=2, threads=4)
        response = None
        try:
            base = f"http://127.0.0.1:{server.port}"
            response = requests.get(f"{base}/admin/checkin/events/{event.pk}/stream", stream=True, timeout=30,
                                    headers={"Host": host, "Accept": "text/event-stream"}, cookies={"sessionid": session})
            assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/event-stream")
            stream = Stream(response)
            stream.wait(lambda data: data["lists"][0]["admitted"] == 0, timeout=10)
            answer = requests.post(f"{base}/checkin/api/redeem", json={"list": checkin_list.pk, "scanned": payload},
                                   headers={"Host": host, "Authorization": f"Token {token}"}, timeout=10).json()
            # The scan is done (committed) when the scanner has its answer; the clock starts there.
            scanned_at = time.monotonic()
            assert answer["reason"] == "ok"
            arrived, data = stream.wait(lambda data: data["lists"][0]["admitted"] == 1, timeout=5)
            assert arrived - scanned_at < 1.0, f"the dashboard saw the scan {arrived - scanned_at:.2f}s after it"
            assert data["last"][0]["name"] == "Park Jimin" and data["last"][0]["result"] == "ok"
        finally:
            if response is not None:
                response.close()
            server.stop()
