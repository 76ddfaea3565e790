"""The scanner page in WebKit, Safari's engine (WebKitGTK; Safari itself runs only on Apple's
systems): a typed ticket is admitted, the same ticket is refused as already checked in, and while
the server is unreachable a signed ticket is admitted from the copy kept in the browser (its
signature checked there with tweetnacl) and synced once the server is back."""

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from operations.checkin.models import Scan
from operations.ticketing.services.signing import ticket_payload
from tests.e2e.webkit import WebKit
from tests.harness import ServerProcess, committed_organization
from tests.operations.checkin.builders import door_make

pytestmark = pytest.mark.committed


def _scan(webkit: WebKit, scanned: str) -> None:
    webkit.run("document.getElementById('result').className = ''")  # forget the previous answer
    webkit.type("#code-input", scanned)
    webkit.click("#code-form button[type=submit]")


def test_scanner_in_webkit_admits_refuses_and_works_offline(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), committed_organization("safari") as organization:
        from operations.accounts.models import User

        staff, (first, second) = door_make(organization, "Choi Yuna", "Han Seojun")
        with schema_context(organization.schema_name):
            first_code, second_payload = first.code, ticket_payload(second)
        connection.set_schema_to_public()
        client = Client(HTTP_HOST=organization.primary_host())
        client.force_login(User.objects.get(pk=staff.pk), backend="operations.accounts.backends.EmailBackend")
        server = ServerProcess()
        webkit = WebKit()
        try:
            base = server.url(organization, "").rstrip("/")
            webkit.goto(f"{base}/robots.txt")
            webkit.cookie_add("sessionid", client.cookies["sessionid"].value)
            webkit.goto(f"{base}/checkin/")
            webkit.wait_for("#scanner[data-ready=true]")
            assert "WebKit" in webkit.run("return navigator.userAgent")
            # 1. Online: a typed code turns the door green with the attendee's name.
            _scan(webkit, first_code)
            webkit.wait_for("#result.ok")
            assert "Choi Yuna" in webkit.text("#result-name")
            # 2. Again: red, already checked in, with who and when.
            _scan(webkit, first_code)
            webkit.wait_for("#result.refused[data-reason=already_checked_in]")
            assert "Already checked in at" in webkit.text("#result-detail")
            # 3. The server goes away: the signed payload is verified and admitted on the phone.
            port = server.port
            server.stop()
            _scan(webkit, second_payload)
            webkit.wait_for("#result.ok")
            assert "offline" in webkit.text("#result-detail")
            webkit.wait_for("#scanner[data-queued='1']")
            with schema_context(organization.schema_name):
                assert not Scan.objects.filter(ticket=second).exists()
            connection.set_schema_to_public()
            # 4. Back on the same address: the queue syncs (every 10 s) and the scan is recorded.
            server = ServerProcess(port=port)
            webkit.wait_for("#scanner[data-queued='0']", timeout=30)
            with schema_context(organization.schema_name):
                synced = Scan.objects.get(ticket=second)
                assert synced.result == "ok" and synced.source == "offline" and synced.actor_id == staff.pk
            connection.set_schema_to_public()
        finally:
            webkit.quit()
            server.stop()
