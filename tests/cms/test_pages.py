import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
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
