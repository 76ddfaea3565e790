"""An organizer starts a large export in the admin (Chromium), watches the progress bar climb to
100 % while a real Celery worker writes the file, and downloads it through the signed link."""

import csv
import io
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from operations.accounts.models import User
from tests.conftest import PASSWORD
from tests.harness import BASE_DIR, ServerProcess, _terminate, committed_organization

pytestmark = pytest.mark.committed
SHOTS = BASE_DIR / ".data" / "screenshots"
ATTENDEES = 3000


def _seed(organization) -> None:
    from operations.events.models import Event
    from operations.ticketing.models import Order, OrderPosition, Quota, TicketType

    with schema_context(organization.schema_name):
        now = timezone.now()
        event = Event.objects.create(name="Expo", slug="expo", status=Event.Status.PUBLISHED, currency="EUR",
                                     starts_at=now + timedelta(days=9), ends_at=now + timedelta(days=10))
        ticket_type = TicketType.objects.create(event=event, name="Visitor", price=Decimal(12))
        ticket_type.quotas.add(Quota.objects.create(event=event, name="Hall", size=ATTENDEES))
        orders = Order.objects.bulk_create([
            Order(event=event, code=f"REG-E2E-{i:06d}", status="confirmed", email=f"v{i}@example.com", name=f"Visitor {i}",
                  currency="EUR", subtotal=12, total=12, paid=12, created_at=now) for i in range(ATTENDEES)])
        OrderPosition.objects.bulk_create([
            OrderPosition(order=o, ticket_type=ticket_type, price=12, attendee_name=o.name, attendee_email=o.email,
                          answers={"company": {"label": "Company", "type": "short_text", "value": "Acme"}})
            for o in orders])


def _env(tmp_path) -> dict:
    settings = connection.settings_dict
    host = settings["HOST"].replace("/", "%2F")
    env = os.environ.copy()
    env.update(DJANGO_SETTINGS_MODULE="tests.e2e.exports_settings", EXPORTS_ROOT=str(tmp_path),
               DATABASE_URL=f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{host}:"
                            f"{settings['PORT'] or 5432}/{settings['NAME']}")
    return env


@pytest.fixture
def worker(tmp_path, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        env = _env(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                                "--without-mingle", "--without-gossip", "--loglevel=WARNING"], cwd=BASE_DIR, env=env)
    yield process
    _terminate(process)


def test_large_export_shows_progress_to_100_percent_and_downloads(django_db_setup, django_db_blocker, browser,
                                                                  tmp_path, worker):
    with django_db_blocker.unblock(), committed_organization("exp") as organization:
        _seed(organization)
        owner = User.objects.get(email=f"owner@{organization.slug}.test")
        owner.set_password(PASSWORD)
        owner.save(update_fields=["password"])
        server = ServerProcess(extra_env={k: v for k, v in _env(tmp_path).items()
                                          if k in ("DJANGO_SETTINGS_MODULE", "EXPORTS_ROOT")})
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        try:
            page.goto(server.url(organization, "/admin/login/"))
            page.get_by_label(re.compile(r"e-?mail", re.I)).fill(owner.email)
            page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
            page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
            page.goto(server.url(organization, "/admin/exports/"))
            page.screenshot(path=SHOTS / "e2e-exports.png", full_page=True)
            page.get_by_label("File format").select_option("csv")
            page.get_by_role("button", name="Export", exact=True).click()
            expect(page).to_have_url(re.compile(r"/admin/exports/jobs/\d+/$"))
            seen = set()
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                seen.add(int(page.locator("#export-progress").get_attribute("value") or 0))
                if 100 in seen:
                    break
                time.sleep(0.2)
            assert 100 in seen and len(seen) >= 3, seen  # it moved through intermediate values
            expect(page.locator("#export-percent")).to_have_text("100 %")
            link = page.get_by_role("link", name="Download the file")
            expect(link).to_be_visible()
            with page.expect_download() as info:
                link.click()
            rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8-sig").read())))
            assert len(rows) == ATTENDEES and rows[0]["Company"] == "Acme"
            page.screenshot(path=SHOTS / "e2e-export-ready.png", full_page=True)

            # The report draws its charts from our own Chart.js and shows the same numbers in tables.
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(server.url(organization, "/admin/exports/reports/"))
            expect(page.locator("table[data-report=by_ticket_type]")).to_contain_text("Visitor")
            expect(page.locator("table[data-report=by_ticket_type]")).to_contain_text(str(ATTENDEES))
            assert page.evaluate("() => !!window.Chart && !!Chart.getChart('chart-over_time')")
            assert not errors, errors
            page.screenshot(path=SHOTS / "e2e-reports-phone.png", full_page=True)
        finally:
            context.close()
            server.stop()
