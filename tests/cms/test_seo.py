"""What search engines and link previews read: JSON-LD, Open Graph, canonical URLs, sitemap, robots."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

from cms.models import EventPage, HomePage, Visibility
from cms.selectors import discoverable_event_pages
from operations.events.models import Event
from tests.cms.conftest import event_make, event_page_publish, image_make, offer


def jsonld_of(html: str) -> dict:
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1
    return json.loads(scripts[0])


def test_event_json_ld_carries_schema_org_fields_with_the_events_offsets(org_a, org_b, in_schema, site_client,
                                                                         ticket_offers):
    ticket_offers.offers = [offer("Early bird", "25000"), offer("VIP", "90000", available=False, remaining=0)]
    with in_schema(org_a):
        event_page_publish(event_make("seoul", zone="Asia/Seoul", start=dt.datetime(2031, 5, 20, 9, 30)),
                           title="Seoul Summit", slug="seoul", summary="AI and cloud",
                           hero_image=image_make("hero"), hero_image_alt="Stage")
    with in_schema(org_b):
        event_page_publish(event_make("berlin", zone="Europe/Berlin", start=dt.datetime(2031, 1, 15, 18, 0),
                                      format=Event.Format.HYBRID, venue_name="Kraftwerk", city="Berlin", country="DE",
                                      online_url="https://live.example/berlin", currency="EUR",
                                      status=Event.Status.CANCELLED),
                           title="Berlin Opening", slug="berlin")
        event_page_publish(event_make("web", zone="Europe/Berlin", start=dt.datetime(2031, 7, 1, 10, 0),
                                      format=Event.Format.ONLINE, online_url="https://live.example/web"),
                           title="Webinar", slug="web")

    seoul = jsonld_of(site_client(org_a).get("/seoul/").text)
    assert seoul["@context"] == "https://schema.org" and seoul["@type"] == "Event" and seoul["name"] == "Seoul Summit"
    assert seoul["startDate"] == "2031-05-20T09:30:00+09:00" and seoul["endDate"] == "2031-05-20T17:30:00+09:00"
    assert seoul["eventStatus"] == "https://schema.org/EventScheduled"
    assert seoul["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert seoul["location"]["@type"] == "Place" and seoul["location"]["address"]["addressCountry"] == "KR"
    assert seoul["image"][0].startswith("http://alpha.localhost/") and seoul["image"][0].endswith(".jpg")
    assert seoul["organizer"] == {"@type": "Organization", "name": org_a.display_name, "url": "http://alpha.localhost/"}
    assert seoul["url"] == "http://alpha.localhost/seoul/" and seoul["description"] == "AI and cloud"
    assert [(o["name"], o["price"], o["priceCurrency"], o["availability"]) for o in seoul["offers"]] == [
        ("Early bird", "25000", "KRW", "https://schema.org/InStock"),
        ("VIP", "90000", "KRW", "https://schema.org/SoldOut"),
    ]
    assert seoul["offers"][0]["validFrom"] == "2031-01-01T00:00:00+00:00"

    berlin = jsonld_of(site_client(org_b).get("/berlin/").text)
    assert berlin["startDate"] == "2031-01-15T18:00:00+01:00"  # winter time
    assert berlin["eventStatus"] == "https://schema.org/EventCancelled"
    assert berlin["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in berlin["location"]] == ["Place", "VirtualLocation"]
    web = jsonld_of(site_client(org_b).get("/web/").text)
    assert web["startDate"] == "2031-07-01T10:00:00+02:00"  # summer time
    assert web["location"] == {"@type": "VirtualLocation", "url": "https://live.example/web"}


def test_json_ld_omits_offers_without_ticketing_and_cannot_be_broken_out_of(org_a, in_schema, site_client):
    with in_schema(org_a):
        event_page_publish(event_make(), title="</script><script>alert(1)</script>", slug="tricky")
    html = site_client(org_a).get("/tricky/").text
    data = jsonld_of(html)
    assert "offers" not in data and data["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_event_page_has_meta_description_open_graph_twitter_and_canonical(org_a, in_schema, site_client):
    with in_schema(org_a):
        event_page_publish(event_make(), title="Summit", slug="summit", seo_title="Summit 2031 in Seoul",
                           search_description="Two days of talks", hero_image=image_make("hero"),
                           hero_image_alt="The main stage")
    html = site_client(org_a).get("/summit/").text
    assert "<title>Summit 2031 in Seoul · " in html
    assert '<meta name="description" content="Two days of talks">' in html
    assert '<link rel="canonical" href="http://alpha.localhost/summit/">' in html
    for tag in ['property="og:title" content="Summit 2031 in Seoul"', 'property="og:type" content="event"',
                'property="og:url" content="http://alpha.localhost/summit/"', 'property="og:image" content="http://alpha.localhost/',
                'property="og:image:alt" content="The main stage"', 'name="twitter:card" content="summary_large_image"',
                'name="twitter:description" content="Two days of talks"']:
        assert tag in html, tag
    assert 'name="robots"' not in html


def private(page, password="open-sesame"):
    from wagtail.models import PageViewRestriction

    return PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.PASSWORD, password=password)


def publish_three(organization, in_schema):
    with in_schema(organization):
        public = event_page_publish(event_make("pub"), title="Public Talk", slug="public-talk")
        unlisted = event_page_publish(event_make("unl"), title="Unlisted Talk", slug="unlisted-talk",
                                      visibility=Visibility.UNLISTED)
        secret = event_page_publish(event_make("sec"), title="Private Talk", slug="private-talk")
        private(secret)
    return public, unlisted, secret


def test_sitemap_lists_public_pages_only(org_a, in_schema, site_client):
    publish_three(org_a, in_schema)
    response = site_client(org_a).get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {loc.text for loc in ET.fromstring(response.content).findall("s:url/s:loc", ns)}
    assert urls == {"http://alpha.localhost/", "http://alpha.localhost/public-talk/"}


def test_discovery_and_listings_leave_out_unlisted_and_private_pages(org_a, in_schema, site_client):
    publish_three(org_a, in_schema)
    with in_schema(org_a):
        assert [p.title for p in discoverable_event_pages()] == ["Public Talk"]
    home = site_client(org_a).get("/").text
    assert "Public Talk" in home and "Unlisted Talk" not in home and "Private Talk" not in home


def test_unlisted_page_is_reachable_by_link_but_not_indexed(org_a, in_schema, site_client):
    publish_three(org_a, in_schema)
    response = site_client(org_a).get("/unlisted-talk/")
    assert response.status_code == 200 and '<meta name="robots" content="noindex, nofollow">' in response.text


def test_private_page_refuses_a_wrong_password_and_opens_with_the_right_one(org_a, in_schema, site_client):
    _public, _unlisted, secret = publish_three(org_a, in_schema)
    with in_schema(org_a):
        restriction = secret.get_view_restrictions().get()
    client = site_client(org_a)
    form = client.get("/private-talk/")
    assert form.status_code == 200 and "This page is private" in form.text and "Private Talk" not in form.text
    assert "noindex" in form.text and "--brand-primary" in form.text  # branded
    action = f"/_util/authenticate_with_password/{restriction.pk}/{secret.pk}/"
    wrong = client.post(action, {"password": "guess", "return_url": "/private-talk/"})
    assert wrong.status_code == 200 and "This page is private" in wrong.text
    assert "Private Talk" not in client.get("/private-talk/").text
    right = client.post(action, {"password": "open-sesame", "return_url": "/private-talk/"})
    assert right.status_code == 302
    opened = client.get("/private-talk/").text
    assert "Private Talk" in opened and '<meta name="robots" content="noindex, nofollow">' in opened


def test_invitation_link_opens_a_private_page_and_a_forged_one_does_not(org_a, in_schema, site_client):
    from cms.access import page_invitation_token

    _public, _unlisted, secret = publish_three(org_a, in_schema)
    with in_schema(org_a):
        token = page_invitation_token(page=secret)
        other = page_invitation_token(page=HomePage.objects.get())
    assert "Private Talk" not in site_client(org_a).get(f"/private-talk/?invite={other}").text
    assert "Private Talk" not in site_client(org_a).get("/private-talk/?invite=forged").text
    client = site_client(org_a)
    assert "Private Talk" in client.get(f"/private-talk/?invite={token}").text
    assert "Private Talk" in client.get("/private-talk/").text  # remembered for the session


def test_robots_txt_points_at_the_organizations_sitemap(org_a, site_client):
    response = site_client(org_a).get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://alpha.localhost/sitemap.xml" in response.text and "Disallow: /admin/" in response.text


def test_event_page_without_an_event_still_renders(org_a, in_schema, site_client):
    with in_schema(org_a):
        page = HomePage.objects.get().add_child(instance=EventPage(title="TBA", slug="tba"))
        page.save_revision().publish()
    response = site_client(org_a).get("/tba/")
    assert response.status_code == 200 and "application/ld+json" not in response.text


def test_editor_sees_the_invitation_link_of_a_page(org_a, in_schema, member, site_client):
    from cms.access import page_invitation_valid

    owner = member(org_a, "owner")
    _public, _unlisted, secret = publish_three(org_a, in_schema)
    html = site_client(org_a, owner).get(f"/admin/pages/{secret.pk}/edit/").text
    match = re.search(r'value="http://alpha\.localhost/private-talk/\?invite=([^"]+)"', html)
    assert match
    with in_schema(org_a):
        assert page_invitation_valid(page=secret, token=match.group(1))
