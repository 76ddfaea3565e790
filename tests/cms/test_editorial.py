"""Revisions, rollback and locking in the Wagtail admin, as marketing teams use them."""

from decimal import Decimal

from wagtail.models import Page

from cms.models import EventPage
from operations.accounts.models import User
from operations.ticketing.models import Quota, TicketType
from tests.cms.conftest import event_make, event_page_publish


def test_rolling_back_to_an_earlier_revision_restores_its_words_but_not_old_inventory(org_a, in_schema, site_client):
    with in_schema(org_a):
        event = event_make("rollback")
        quota = Quota.objects.create(event=event, name="All seats", size=40)
        TicketType.objects.create(event=event, name="Standard", price=Decimal("30000")).quotas.add(quota)
        page = event_page_publish(event, slug="rollback", summary="First words",
                                  content=[{"type": "tickets", "value": {"title": "Tickets", "intro": ""}}])
        first = page.get_latest_revision()
        page.summary = "Second words"
        page.save_revision().publish()
    visitor = site_client(org_a)
    assert "Second words" in visitor.get("/rollback/").text

    with in_schema(org_a):
        quota.size = 3  # the organizer cuts capacity after the first revision was written
        quota.save()
        first.publish()  # what the admin's "revert" then "publish" does
        assert EventPage.objects.get(pk=page.pk).summary == "First words"
    shown = visitor.get("/rollback/").text
    assert "First words" in shown and "Only 3 left" in shown  # inventory is never part of a revision


def test_a_locked_page_refuses_someone_elses_edit(org_a, in_schema, site_client, member):
    with in_schema(org_a):
        page = event_page_publish(event_make("locked"), slug="locked", summary="Before")
    owner = User.objects.get(email="owner@alpha.test")
    editor = site_client(org_a, owner)
    assert editor.post(f"/admin/pages/{page.pk}/lock/").status_code == 302
    with in_schema(org_a):
        assert Page.objects.get(pk=page.pk).locked_by == owner

    marketer = site_client(org_a, member(org_a, "marketing"))
    response = marketer.post(f"/admin/pages/{page.pk}/edit/", {
        "title": "Locked", "slug": "locked", "summary": "Overwritten", "content-count": "0", "visibility": "public",
    }, follow=True)
    assert "locked" in response.text.lower()
    with in_schema(org_a):
        latest = EventPage.objects.get(pk=page.pk).get_latest_revision_as_object()
        assert latest.summary == "Before"
