"""The scanner page in Chromium with a fake camera showing a real ticket's QR code (a Y4M video made
from the signed payload): a first run admits (green), a second says already checked in, and a run
with the network cut admits from the offline copy and syncs when the network is back."""


import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from operations.checkin.models import Scan
from operations.ticketing.services.documents import _qr
from operations.ticketing.services.signing import ticket_payload
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.harness import ServerProcess, committed_organization
from tests.operations.checkin.builders import door_make

pytestmark = pytest.mark.committed
WIDTH, HEIGHT = 640, 480


def qr_video(payload: str, path) -> str:
    """A Y4M (4:2:0) video whose frames show the payload's QR code, black on white, centred."""
    matrix = _qr(payload).get_matrix()
    size = len(matrix)
    box = min(WIDTH, HEIGHT) * 9 // 10 // size
    left, top = (WIDTH - size * box) // 2, (HEIGHT - size * box) // 2
    luma = bytearray([235]) * (WIDTH * HEIGHT)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(box):
                    start = (top + y * box + dy) * WIDTH + left + x * box
                    luma[start:start + box] = bytes([16]) * box
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        video.write(frame * 10)
    return str(path)


def _scanner(browser, video: str, base: str, session: str):
    """A phone-sized page in a browser whose camera plays ``video``."""
    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    context = camera.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                 has_touch=True, permissions=["camera"])
    context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/checkin/")
    page.wait_for_selector("#scanner[data-ready=true]", timeout=15000)
    return camera, context, page


def test_scanner_admits_refuses_and_works_offline(browser, django_db_setup, django_db_blocker, tmp_path):
    with django_db_blocker.unblock(), committed_organization("scan") as organization:
        from operations.accounts.models import User
        from operations.organizations.models import Membership
        from operations.organizations.services import membership_remove

        staff, (first, second) = door_make(organization, "Choi Yuna", "Han Seojun")
        with schema_context(organization.schema_name):
            first_video = qr_video(ticket_payload(first), tmp_path / "first.y4m")
            second_video = qr_video(ticket_payload(second), tmp_path / "second.y4m")
        connection.set_schema_to_public()
        client = Client(HTTP_HOST=organization.primary_host())
        client.force_login(User.objects.get(pk=staff.pk), backend="operations.accounts.backends.EmailBackend")
        session = client.cookies["sessionid"].value
        server = ServerProcess()
        try:
            base = server.url(organization, "").rstrip("/")
            # 1. Online: the camera reads the QR, the door turns green with the attendee's name.
            camera, context, page = _scanner(browser, first_video, base, session)
            page.get_by_role("button", name="Start camera").click()
            page.wait_for_selector("#result.ok", timeout=20000)
            assert "Choi Yuna" in page.locator("#result-name").inner_text()
            assert page.locator("#result-title").inner_text() == "Admitted"
            camera.close()
            # 2. The same ticket again: red, already checked in, with who and when.
            camera, context, page = _scanner(browser, first_video, base, session)
            page.get_by_role("button", name="Start camera").click()
            page.wait_for_selector("#result.refused[data-reason=already_checked_in]", timeout=20000)
            assert "Already checked in at" in page.locator("#result-detail").inner_text()
            camera.close()
            # 3. Offline: admitted from the copy kept in the browser, queued, synced on reconnection.
            camera, context, page = _scanner(browser, second_video, base, session)
            context.set_offline(True)
            page.get_by_role("button", name="Start camera").click()
            page.wait_for_selector("#result.ok", timeout=20000)
            assert "offline" in page.locator("#result-detail").inner_text()
            page.wait_for_selector("#scanner[data-queued='1']")
            with schema_context(organization.schema_name):
                assert not Scan.objects.filter(ticket=second).exists()
            context.set_offline(False)
            page.wait_for_selector("#scanner[data-queued='0']", timeout=20000)
            with schema_context(organization.schema_name):
                synced = Scan.objects.get(ticket=second)
                assert synced.result == "ok" and synced.source == "offline" and synced.actor_id == staff.pk
            connection.set_schema_to_public()
            # 4. The member loses the role: the next answer is a refusal, and the copy with the
            #    attendees' names is removed from the phone.
            copies = "Object.keys(localStorage).filter(k => k.startsWith('tessera.checkin.list.')).length"
            assert page.evaluate(copies) == 1
            membership_remove(membership=Membership.objects.get(user=staff, organization=organization), actor=None)
            page.locator("#code-input").fill("not-a-ticket")
            page.locator("#code-form").evaluate("form => form.requestSubmit()")
            page.wait_for_selector("#result.refused", timeout=20000)
            assert page.evaluate(copies) == 0
            camera.close()
        finally:
            server.stop()
