"""The same event page for two organizations, in Chromium at desktop and phone widths: each shows
its own brand. Screenshots land in tests/e2e/artifacts/ for people to look at."""

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect
from wagtail.images.models import Image

from cms import demo_images
from cms.models import EventPage, HomePage, Speaker, Sponsor, Venue
from operations.events.models import Event
from tests import harness
from tests.cms.conftest import branding_set

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BRANDS = {
    "aurora": {"name": "Aurora Conference", "primary_colour": "#5b21b6", "accent_colour": "#0e7490",
               "background_colour": "#faf7ff", "font": "geometric", "mark": "AUR"},
    "birch": {"name": "Birch Folk Festival", "primary_colour": "#166534", "accent_colour": "#9a3412",
              "background_colour": "#fbfaf5", "font": "old-style", "mark": "BFF"},
}
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def picture(title, drawing):
    return Image.objects.create(title=title, file=demo_images.as_file(drawing, f"{title.replace(' ', '-')}.png"))


def site_fill(key: str) -> None:
    brand = BRANDS[key]
    colours = {k: brand[k] for k in ("primary_colour", "accent_colour", "background_colour")}
    logo = picture("logo", demo_images.word_mark(text=brand["mark"], primary=brand["primary_colour"],
                                                 accent=brand["accent_colour"]))
    branding_set(**colours, font=brand["font"], logo=logo, footer_text=f"{brand['name']} · example footer",
                 instagram_url="https://instagram.com/example")
    speaker_ids = [
        Speaker.objects.create(name=name, title=title, organization=brand["name"],
                               photo=picture(f"p{n}", demo_images.portrait(seed=name, colour=brand["primary_colour"]))).pk
        for n, (name, title) in enumerate([("Mina Seo", "Host"), ("Tom Reed", "Keynote"), ("Ana Silva", "Panel")])
    ]
    sponsor = Sponsor.objects.create(name="Northwind", tier="gold",
                                     logo=picture("sponsor", demo_images.sponsor_logo(name="Northwind", colour=brand["accent_colour"])))
    venue = Venue.objects.create(name="Town Hall", address="1 Main Street", city="Springfield", country="NZ",
                                 latitude=-41.29, longitude=174.78, accessibility_notes="Step-free entrance.")
    day = (timezone.now() + dt.timedelta(days=30)).date()
    starts = dt.datetime.combine(day, dt.time(9, 30), tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland"))
    event = Event.objects.create(name="Spring Gathering", slug="spring", starts_at=starts,
                                 ends_at=starts + dt.timedelta(hours=8), status="published", venue_name="Town Hall",
                                 city="Springfield", country="NZ", timezone="Pacific/Auckland", currency="NZD")
    content = [
        {"type": "agenda", "value": {"title": "Agenda", "sessions": [
            {"day": None, "starts": f"{9 + n:02d}:30:00", "ends": f"{10 + n:02d}:15:00", "title": title, "room": "Main hall",
             "speakers": [speaker_ids[n]], "description": ""}
            for n, title in enumerate(["Welcome", "Keynote: working in the open", "Panel and questions"])]}},
        {"type": "speakers", "value": {"title": "Speakers", "speakers": speaker_ids}},
        {"type": "tickets", "value": {"title": "Tickets", "intro": ""}},
        {"type": "venue", "value": {"venue": venue.pk, "directions": "Ten minutes from the station."}},
        {"type": "sponsors", "value": {"title": "Sponsors", "sponsors": [sponsor.pk]}},
        {"type": "faq", "value": {"title": "FAQ", "items": [{"question": "Is lunch included?", "answer": "<p>Yes.</p>"}]}},
    ]
    hero = picture("hero", demo_images.hero(seed=key, primary=brand["primary_colour"], accent=brand["accent_colour"]))
    page = HomePage.objects.get().add_child(instance=EventPage(
        title="Spring Gathering", slug="spring-gathering", event=event, summary="A day of talks, music and good food.",
        hero_image=hero, hero_image_alt="Illustration of a stage", content=content))
    page.save_revision().publish()


@pytest.fixture(scope="module")
def branded_sites(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), \
            harness.committed_organization("aurora", name=BRANDS["aurora"]["name"]) as aurora, \
            harness.committed_organization("birch", name=BRANDS["birch"]["name"]) as birch:
        for key, organization in (("aurora", aurora), ("birch", birch)):
            with schema_context(organization.schema_name):
                site_fill(key)
        # DEBUG on so the server also serves the uploaded images (media) for the screenshots.
        server = harness.ServerProcess(workers=1, threads=4, extra_env={"DEBUG": "true"})
        try:
            yield server, {"aurora": aurora, "birch": birch}
        finally:
            server.stop()


@pytest.mark.parametrize("size", list(SIZES))
def test_same_event_page_shows_each_organizations_brand(branded_sites, browser, size):
    server, organizations = branded_sites
    ARTIFACTS.mkdir(exist_ok=True)
    colours = {}
    for key, organization in organizations.items():
        context = browser.new_context(viewport=SIZES[size], device_scale_factor=1, is_mobile=size == "phone")
        page = context.new_page()
        response = page.goto(server.url(organization, "/spring-gathering/"))
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_text("Spring Gathering")
        expect(page.locator("img.brand-logo")).to_be_visible()
        expect(page.get_by_text(f"{BRANDS[key]['name']} · example footer")).to_be_visible()
        # Bring every lazy image into view once, so the screenshot and the check see them loaded.
        page.evaluate("async () => { for (const img of document.images) { img.scrollIntoView(); "
                      "await new Promise(r => setTimeout(r, 30)); } window.scrollTo(0, 0); }")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        colours[key] = page.evaluate(
            "() => getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()")
        link = page.locator(".session-time").first
        assert re.match(r"rgb\(", link.evaluate("e => getComputedStyle(e).color"))
        page.screenshot(path=ARTIFACTS / f"cms-event-page-{key}-{size}.png", full_page=True)
        context.close()
    assert colours == {key: BRANDS[key]["primary_colour"] for key in BRANDS}
