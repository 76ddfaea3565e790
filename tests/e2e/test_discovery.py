"""Discovery in Chromium on a phone: type part of a word, pick a suggestion, apply a facet, follow a
result to the event page on the organization's own site. Data is committed (harness) and indexed
the way production indexes it (search_rebuild), served by gunicorn over HTTP."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from search.client import search_client
from search.documents import events_alias
from search.indexing import events_index_rebuild_all_organizations
from tests import harness

SHOTS = Path(__file__).resolve().parent.parent.parent / ".data" / "screenshots"


def _worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@pytest.fixture
def discovery_server(django_db_setup, django_db_blocker, settings):
    """A one-worker server and a committed organization with two published events, indexed.

    The test settings name indexes after the process id (config/settings_test.py), so the server's
    worker gets an alias of its own onto the same index."""
    from cms.models import EventPage, HomePage
    from operations.events.models import Event

    with django_db_blocker.unblock():
        server = harness.ServerProcess(workers=1, threads=4)
        try:
            with harness.committed_organization("disc", name="Zephyr Arts") as organization:
                settings.PLATFORM_PORT = str(server.port)  # links in the index point at the test server
                with schema_context(organization.schema_name):
                    home = HomePage.objects.get()
                    for title, city, days in (("Zephyr Jazz Night", "Seoul", 5), ("Zephyr Jazz Brunch", "Busan", 6)):
                        starts = timezone.now() + dt.timedelta(days=days)
                        event = Event.objects.create(name=title, slug=title.lower().replace(" ", "-"), starts_at=starts,
                                                     ends_at=starts + dt.timedelta(hours=3), status="published",
                                                     city=city, country="KR", timezone="Asia/Seoul")
                        page = home.add_child(instance=EventPage(title=title, event=event, summary=f"Live jazz in {city}"))
                        page.save_revision().publish()
                events_index_rebuild_all_organizations()
                client = search_client()
                index = next(iter(client.indices.get_alias(name=events_alias())))
                aliases = [f"test-{pid}-events" for pid in _worker_pids(server.process.pid)]
                assert aliases, "the test server has no worker"
                client.indices.update_aliases(actions=[{"add": {"index": index, "alias": a}} for a in aliases])
                yield server, organization
                client.indices.delete(index=index, ignore_unavailable=True)
        finally:
            server.stop()


def test_visitor_picks_a_suggestion_applies_a_facet_and_reaches_the_event_page(discovery_server, phone):
    server, organization = discovery_server
    phone.goto(server.url())
    expect(phone.get_by_role("heading", name="Find your next event")).to_be_visible()

    box = phone.get_by_role("combobox", name="Search events")
    box.press_sequentially("zeph", delay=60)
    listbox = phone.get_by_role("listbox", name="Suggestions")
    suggestion = listbox.get_by_role("option", name=re.compile("Zephyr Jazz Night"))
    expect(suggestion).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(2)
    suggestion.click()
    expect(phone).to_have_url(re.compile(r"[?&]q=Zephyr\+Jazz\+Night"))
    expect(phone.get_by_role("heading", name=re.compile(r"2 events for"))).to_be_visible()

    phone.get_by_text("Filters", exact=True).click()
    phone.get_by_role("checkbox", name=re.compile("Seoul")).click()  # applies at once (discovery.js)
    expect(phone).to_have_url(re.compile(r"[?&]city=Seoul"))
    expect(phone.get_by_role("heading", name=re.compile(r"1 event for"))).to_be_visible()
    phone.screenshot(path=SHOTS / "e2e-discovery.png", full_page=True)

    phone.get_by_role("link", name="Zephyr Jazz Night").click()
    expect(phone).to_have_url(re.compile(rf"http://{re.escape(organization.primary_host())}:\d+/zephyr-jazz-night/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Zephyr Jazz Night")


def test_discovery_works_without_javascript(discovery_server, browser):
    server, _ = discovery_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url())
    page.get_by_label("Search events").fill("jazz")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile(r"2 events for “jazz”"))).to_be_visible()
    page.get_by_text("Filters", exact=True).click()  # <details>: opens without JavaScript
    page.get_by_role("checkbox", name=re.compile("Busan")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"city=Busan"))
    expect(page.get_by_role("link", name="Zephyr Jazz Brunch")).to_be_visible()
    expect(page.get_by_role("link", name="Zephyr Jazz Night")).to_have_count(0)
    context.close()
