import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Site

from cms.models import Branding, EventPage, HomePage
from operations.events.models import Event


def test_event_times_are_shown_in_the_events_time_zone(org_a, in_schema, site_client):
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    starts = dt.datetime(2031, 5, 20, 9, 30, tzinfo=seoul)
    with in_schema(org_a):
        event = Event.objects.create(name="Summit", slug="summit", timezone="Asia/Seoul", starts_at=starts,
                                     ends_at=starts + dt.timedelta(hours=8), venue_name="COEX", city="Seoul")
        page = HomePage.objects.get().add_child(instance=EventPage(title="Summit 2031", event=event))
        page.save_revision().publish()

    home = site_client(org_a).get("/").text
    detail = site_client(org_a).get("/summit-2031/").text
    assert "Tue 20 May 2031, 09:30" in home  # stored as 00:30 UTC
    assert "Tuesday 20 May 2031, 09:30" in detail and "17:30" in detail and "(Asia/Seoul)" in detail


def test_branding_colours_are_applied_through_css_variables(org_a, in_schema, site_client):
    with in_schema(org_a):
        branding = Branding.objects.get(site=Site.objects.get())
        branding.primary_colour = "#7a1f5c"
        branding.save()
    assert "--brand-primary: #7a1f5c" in site_client(org_a).get("/").text


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"text_colour": "#cccccc"}, "text_colour"), ({"primary_colour": "#facc15"}, "primary_colour")],
)
def test_branding_refuses_colours_that_fail_wcag_contrast(org_a, in_schema, fields, field):
    with in_schema(org_a):
        branding = Branding.objects.get(site=Site.objects.get())
        for name, value in fields.items():
            setattr(branding, name, value)
        with pytest.raises(ValidationError) as error:
            branding.full_clean()
    assert field in error.value.message_dict
    assert "4.5:1" in error.value.message_dict[field][0]


# --- Every page type, two organizations, two brands ---------------------------------------------

from cms.models import ContentPage, EventCategory, EventIndexPage, HomeFeaturedEvent, Speaker, Sponsor, Venue  # noqa: E402
from tests.cms.conftest import branding_set, event_make, event_page_publish, image_make  # noqa: E402

BRANDS = {
    "alpha": {"primary_colour": "#7a1f5c", "accent_colour": "#0f766e", "font": "serif"},
    "beta": {"primary_colour": "#14532d", "accent_colour": "#9a3412", "font": "rounded"},
}


def site_build(organization, brand: dict) -> dict:
    """Home (with a featured event), event index, event page and content page, and branding with a logo."""
    logo = image_make(f"{organization.slug} logo", brand["primary_colour"], size=(400, 120))
    branding_set(**brand, logo=logo, footer_text=f"{organization.name} footer", instagram_url="https://instagram.com/x")
    home = HomePage.objects.get()
    index = home.add_child(instance=EventIndexPage(title="Events", slug="events"))
    index.save_revision().publish()
    event = event_make(f"{organization.slug}-summit", start=dt.datetime(2031, 5, 20, 9, 30))
    page = event_page_publish(event, parent=index, title=f"{organization.name} Summit", summary="Talks and workshops",
                              hero_image=image_make("hero"), hero_image_alt="A full auditorium")
    HomeFeaturedEvent.objects.create(page=home, event_page=page)
    about = home.add_child(instance=ContentPage(title="About us", slug="about", show_in_menus=True))
    about.save_revision().publish()
    return {"home": "/", "index": "/events/", "event": f"/events/{page.slug}/", "content": "/about/"}


@pytest.mark.parametrize("page_type", ["home", "index", "event", "content"])
def test_each_page_type_renders_with_its_organizations_brand(org_a, org_b, in_schema, site_client, page_type):
    urls = {}
    for organization in (org_a, org_b):
        with in_schema(organization):
            urls[organization.slug] = site_build(organization, BRANDS[organization.slug])
    for organization, other in ((org_a, org_b), (org_b, org_a)):
        response = site_client(organization).get(urls[organization.slug][page_type])
        assert response.status_code == 200
        html = response.text
        mine, theirs = BRANDS[organization.slug], BRANDS[other.slug]
        assert f"--brand-primary: {mine['primary_colour']}" in html and theirs["primary_colour"] not in html
        assert f"{organization.slug}-logo" in html and f"{other.slug}-logo" not in html  # the logo rendition
        assert f"{organization.name} footer" in html and 'href="https://instagram.com/x"' in html
        assert "cms/site.css" in html and 'href="/about/"' in html  # menu


def test_home_page_shows_featured_then_upcoming_events_but_not_past_ones(org_a, in_schema, site_client):
    now = timezone.now().replace(tzinfo=None)
    with in_schema(org_a):
        featured = event_page_publish(event_make("featured", start=now + dt.timedelta(days=30)), title="Featured Fest")
        event_page_publish(event_make("soon", start=now + dt.timedelta(days=3)), title="Soon Meetup")
        event_page_publish(event_make("over", start=now - dt.timedelta(days=3)), title="Past Party")
        HomeFeaturedEvent.objects.create(page=HomePage.objects.get(), event_page=featured)
    html = site_client(org_a).get("/").text
    assert html.index("Featured Fest") < html.index("Upcoming events") < html.index("Soon Meetup")
    assert html.count("Featured Fest") == 1 and "Past Party" not in html


def test_event_index_filters_by_time_category_and_format_and_paginates(org_a, in_schema, site_client):
    now = timezone.now().replace(tzinfo=None)
    with in_schema(org_a):
        index = HomePage.objects.get().add_child(instance=EventIndexPage(title="Events", slug="events"))
        index.save_revision().publish()
        music = EventCategory.objects.create(name="Music", slug="music")
        for n in range(14):
            page = event_page_publish(event_make(f"talk-{n}", start=now + dt.timedelta(days=n + 1)), parent=index,
                                      title=f"Talk {n:02d}")
        page.categories.add(music)
        page.save_revision().publish()
        event_page_publish(event_make("web", start=now + dt.timedelta(days=2), format="online"), parent=index,
                           title="Webinar")
        event_page_publish(event_make("old", start=now - dt.timedelta(days=9)), parent=index, title="Old Gig")
    client = site_client(org_a)
    first = client.get("/events/").text
    assert "Talk 00" in first and "Page 1 of 2" in first and "Old Gig" not in first
    assert "Talk 13" in client.get("/events/?page=2").text
    assert "Old Gig" in client.get("/events/?when=past").text and "Talk 00" not in client.get("/events/?when=past").text
    by_category = client.get("/events/?category=music").text
    assert "Talk 13" in by_category and "Talk 00" not in by_category
    online = client.get("/events/?format=online").text
    assert "Webinar" in online and "Talk 00" not in online
    # Nonsense in shared links is ignored, never an error.
    assert client.get("/events/?when=x&category=nope&format=%00&page=abc").status_code == 200


def test_page_tree_rules_keep_editors_from_building_nonsense():
    assert EventPage.allowed_parent_page_models() == [HomePage, EventIndexPage]
    assert EventPage.allowed_subpage_models() == []
    assert EventIndexPage.allowed_subpage_models() == [EventPage]
    assert set(HomePage.allowed_subpage_models()) == {EventIndexPage, EventPage, ContentPage}
    assert ContentPage.allowed_parent_page_models() == [HomePage, ContentPage]


def test_hero_image_needs_alt_text(org_a, in_schema):
    with in_schema(org_a):
        page = EventPage(title="No alt", hero_image=image_make("hero"))
        with pytest.raises(ValidationError) as error:
            page.full_clean()
    assert "hero_image_alt" in error.value.message_dict


def test_content_blocks_render_with_snippets(org_a, in_schema, site_client, ticket_offers):
    from tests.cms.conftest import offer

    ticket_offers.offers = [offer("Early bird", "25000"), offer("Standard", "40000", available=False, remaining=0)]
    with in_schema(org_a):
        photo = image_make("speaker photo", size=(300, 300))
        ada = Speaker.objects.create(name="Ada Park", title="CTO", organization="Hanbit", photo=photo,
                                     website="https://ada.example")
        gold = Sponsor.objects.create(name="Gold Corp", tier="gold", logo=image_make("gold logo", size=(400, 200)))
        platinum = Sponsor.objects.create(name="Platinum Inc", tier="platinum")
        venue = Venue.objects.create(name="COEX", city="Seoul", country="KR", latitude="37.5118", longitude="127.0592",
                                     accessibility_notes="Step-free entrance on the east side")
        picture = image_make("crowd")
        content = [
            ("rich_text", "<p>Welcome to the summit</p>"),
            ("image", {"image": {"image": picture.pk, "alt_text": "A crowd at the keynote", "decorative": False},
                       "caption": "Last year"}),
            ("gallery", {"title": "Photos", "images": [
                {"image": {"image": picture.pk, "alt_text": "Hall A", "decorative": False}, "caption": ""},
                {"image": {"image": photo.pk, "alt_text": "Hall B", "decorative": False}, "caption": ""}]}),
            ("quote", {"quote": "Best conference of the year", "attribution": "A visitor"}),
            ("call_to_action", {"title": "Join us", "text": "", "button_label": "Register", "page": None,
                                "url": "https://example.com/register"}),
            ("agenda", {"title": "Agenda", "sessions": [
                {"day": None, "starts": "09:30", "ends": "10:15", "title": "Opening keynote", "room": "Hall A",
                 "speakers": [ada.pk], "description": ""}]}),
            ("speakers", {"title": "Speakers", "speakers": [ada.pk]}),
            ("sponsors", {"title": "Sponsors", "sponsors": [gold.pk, platinum.pk]}),
            ("faq", {"title": "FAQ", "items": [{"question": "Is lunch included?", "answer": "<p>Yes.</p>"}]}),
            ("venue", {"venue": venue.pk, "directions": "Samseong station, exit 5"}),
            ("tickets", {"title": "Tickets", "intro": ""}),
        ]
        event_page_publish(event_make(), title="Blocks", slug="blocks", content=raw(content))
    html = site_client(org_a).get("/blocks/").text
    for expected in ["Welcome to the summit", 'alt="A crowd at the keynote"', "Last year", 'alt="Hall B"',
                     "Best conference of the year", 'href="https://example.com/register"', "09:30–10:15",
                     "Opening keynote", "Hall A", "Ada Park", "CTO, Hanbit", 'href="https://ada.example"',
                     "<summary>Is lunch included?</summary>", "openstreetmap.org/?mlat=37.511800",
                     "Step-free entrance", "Early bird", "25000 KRW", "Sold out", 'type="image/webp"', "srcset="]:
        assert expected in html, expected
    assert html.index("Platinum") < html.index("Gold Corp")  # sponsors by tier
    assert 'class="button" href="/register/summit/">Register</a>' in html


def raw(content: list[tuple]) -> list[dict]:
    """StreamField data as stored (block type and JSON value), the way the editor saves it."""
    return [{"type": name, "value": value} for name, value in content]


def test_ticket_list_is_empty_while_ticketing_offers_nothing(org_a, in_schema, site_client, ticket_offers):
    with in_schema(org_a):
        event_page_publish(event_make(), title="No tickets", slug="no-tickets",
                           content=raw([("tickets", {"title": "Tickets", "intro": ""})]))
    assert "Tickets are not on sale yet." in site_client(org_a).get("/no-tickets/").text
