"""A person's first minutes on the platform, in Chromium on a phone-sized screen."""

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import PASSWORD

SHOTS = Path(__file__).resolve().parent.parent.parent / ".data" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)


def test_visitor_finds_an_organization_and_its_owner_signs_in_to_its_admin(platform_server, phone):
    phone.goto(platform_server.url())
    expect(phone.get_by_role("heading", name="Find your next event")).to_be_visible()
    phone.get_by_role("link", name="Alpha Events").click()
    expect(phone).to_have_url(re.compile(r"http://alpha\.localhost:\d+/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Alpha Events")
    phone.screenshot(path=SHOTS / "e2e-organization-home.png", full_page=True)

    phone.goto(platform_server.url(path="/admin/").replace("localhost", "alpha.localhost"))
    phone.get_by_label(re.compile(r"e-?mail", re.I)).fill("owner@alpha.test")
    phone.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    phone.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(phone.get_by_text("Alpha Events").first).to_be_visible()

    phone.goto(phone.url.split("/admin/")[0] + "/admin/team/")
    expect(phone.get_by_role("heading", name="Members (1)")).to_be_visible()
    expect(phone.locator("table.listing")).to_contain_text("owner@alpha.test")


def test_unknown_host_shows_the_friendly_page(platform_server, phone):
    response = phone.goto(platform_server.url().replace("localhost", "nobody.localhost"))
    assert response.status == 404
    expect(phone.get_by_role("heading", name=re.compile("There is no site at"))).to_be_visible()
