"""Reports: registrations and revenue by day, ticket type and promo code, check-in rate and the
funnel from page views (counted in Redis by the event page) to paid; CSV of each section;
a bad range is a clear 400."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.exports import reports
from operations.exports.funnel import funnel_page_view, page_views_flush
from operations.exports.models import PageViewCount
from operations.ticketing.models import Order, PromoCode
from tests.operations.exports.builders import order_make
from tests.operations.ticketing.builders import event_make, ticket_type_make

TODAY = timezone.now().date()


@pytest.fixture
def gala(org_a, in_schema):
    with in_schema(org_a):
        event = event_make(slug="gala", currency="EUR")
        general = ticket_type_make(event, name="General", price="20")
        vip = ticket_type_make(event, name="VIP", price="100")
        promo = PromoCode.objects.create(event=event, code="EARLY", value=10)
        order_make(event, general, price="20")
        order_make(event, general, price="20", promo=promo, attendees=2)
        order_make(event, vip, price="100")
        order_make(event, general, price="20", status=Order.Status.AWAITING_PAYMENT, paid="0")
        order_make(event, general, price="20", status=Order.Status.PENDING, email="", paid="0")
        order_make(event, general, price="20", status=Order.Status.EXPIRED, paid="0")
        yield {"event": event, "general": general, "vip": vip}


def test_figures_by_day_ticket_type_promo_code_and_funnel(gala):
    rng = reports.range_parse(None, None)
    for _ in range(7):
        funnel_page_view(gala["event"].pk)
    data = reports.report_build(event_id=gala["event"].pk, rng=rng)
    today = next(r for r in data["over_time"] if r["day"] == TODAY)
    assert today["registrations"] == 4 and today["tickets"] == 5 and today["revenue"] == 160
    assert len(data["over_time"]) == 30
    assert {(r["ticket_type"], r["tickets"], r["revenue"]) for r in data["by_ticket_type"]} == {
        ("General", 3, 60), ("VIP", 1, 100)}
    assert [(r["code"], r["orders"]) for r in data["by_promo_code"]] == [("EARLY", 1)]
    assert [(s["step"], s["count"]) for s in data["funnel"]] == [
        ("Event page views", 7), ("Registration started", 6), ("Details completed", 5), ("Payment started", 4),
        ("Paid", 3)]
    assert data["checkin"] == {"tickets": 4, "checked_in": 0, "rate": 0.0}


def test_page_views_flush_adds_to_stored_counts_once(gala):
    funnel_page_view(gala["event"].pk)
    funnel_page_view(gala["event"].pk)
    assert page_views_flush() == 2 and page_views_flush() == 0
    funnel_page_view(gala["event"].pk)
    page_views_flush()
    assert PageViewCount.objects.get(event_id=gala["event"].pk).views == 3


def test_a_custom_range_excludes_other_days(gala):
    last_year = TODAY - dt.timedelta(days=400)
    data = reports.report_build(event_id=None, rng=reports.range_parse(str(last_year), str(last_year)))
    assert data["over_time"] == [{"day": last_year, "currency": "", "registrations": 0, "tickets": 0, "revenue": 0}]
    assert data["funnel"][1]["count"] == 0


def test_report_page_shows_chart_and_table_and_exports_csv(gala, org_a, member, site_client):
    client = site_client(org_a, member(org_a, "finance"))
    page = client.get(reverse("exports_reports") + f"?event={gala['event'].pk}").content.decode()
    assert "exports/vendor/chart.umd.js" in page and 'id="chart-over_time"' in page
    assert "<td>VIP</td>" in page and 'id="report-chart"' in page
    response = client.get(reverse("exports_reports") + f"?event={gala['event'].pk}&download=by_ticket_type")
    lines = response.content.decode().splitlines()
    assert lines[0] == "Event,Ticket type,Currency,Tickets sold,Revenue"
    assert "Conference gala,VIP,EUR,1,100.000" in lines
    assert client.get(reverse("exports_reports") + "?from=2026-02-01&to=2026-01-01").status_code == 400


def test_each_event_page_view_counts_in_the_funnel_without_a_query(org_a, in_schema, site_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from operations.exports.funnel import funnel_page_view as count
    from tests.cms.conftest import event_make as cms_event_make
    from tests.cms.conftest import event_page_publish

    with in_schema(org_a):
        event = cms_event_make("funnel-expo")
        page = event_page_publish(event)
        page_views_flush()
    client = site_client(org_a)
    for _ in range(3):
        assert client.get(page.url_path.replace("/home", "", 1)).status_code == 200
    with in_schema(org_a), CaptureQueriesContext(connection) as queries:
        count(event.pk)
    assert len(queries) == 0
    with in_schema(org_a):
        page_views_flush()
        assert PageViewCount.objects.get(event_id=event.pk).views == 4


def test_another_organization_cannot_open_a_report_of_this_organizations_event(gala, org_b, member, site_client):
    client = site_client(org_b, member(org_b, "owner", email="boss@beta.test"))
    assert client.get(reverse("exports_reports") + f"?event={gala['event'].pk}").status_code == 404
    page = client.get(reverse("exports_reports")).content.decode()
    assert "VIP" not in page and "EARLY" not in page
