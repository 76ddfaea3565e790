"""The marketing role in an organization's admin: content screens only, and a moderation workflow."""

import pytest
from django.test import RequestFactory
from wagtail.admin.menu import admin_menu, settings_menu
from wagtail.models import Page

from cms.models import ContentPage, EventPage, HomePage
from operations.accounts.models import User
from tests.cms.conftest import event_make


def menu_names(user, menu=admin_menu) -> set[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return {item.name for item in menu.menu_items_for_request(request)}


def test_marketing_member_edits_pages_and_submits_them_for_approval(org_a, member, site_client, in_schema):
    marketer = member(org_a, "marketing")
    with in_schema(org_a):
        home = HomePage.objects.get()
        permissions = home.permissions_for_user(marketer)
        assert permissions.can_edit() and permissions.can_add_subpage() and permissions.can_lock()
        assert not permissions.can_publish()  # an owner or admin approves
        workflow = home.get_workflow()
        assert workflow.name == "Marketing approval"
        approvers = {g.name for g in workflow.tasks.get().specific.groups.all()}
        assert approvers == {f"{org_a.schema_name}:owner", f"{org_a.schema_name}:admin"}
    client = site_client(org_a, marketer)
    assert client.get(f"/admin/pages/{home.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/add/cms/eventpage/{home.pk}/").status_code == 200

    response = client.post(f"/admin/pages/add/cms/contentpage/{home.pk}/", {
        "title": "About us", "slug": "about", "body-count": "0", "visibility": "public", "action-submit": "Submit",
    })
    assert response.status_code == 302, response.content[:2000]
    with in_schema(org_a):
        page = Page.objects.get(slug="about")
        assert not page.live and page.workflow_states.get().status == "in_progress"


def test_marketing_member_is_refused_operations_screens_and_permissions(org_a, member, site_client, in_schema):
    marketer = member(org_a, "marketing")
    client = site_client(org_a, marketer)
    for url in ("/admin/ticketing/orders/", "/admin/team/", "/admin/audit/"):
        refused = client.get(url)
        assert refused.status_code == 403 and "does not include this screen" in refused.text, url
        assert client.get(url, headers={"Accept": "application/json"}).json()["error"]["code"] == "forbidden"
    assert site_client(org_a, member(org_a, "finance")).get("/admin/ticketing/orders/").status_code == 200
    with in_schema(org_a):
        for perm in ("ticketing.view_order", "ticketing.change_order", "payments.view_payment", "events.change_event"):
            assert not marketer.has_perm(perm)


def test_marketing_menu_shows_content_screens_only(org_a, member, in_schema):
    marketer, admin = member(org_a, "marketing"), member(org_a, "admin")
    with in_schema(org_a):
        marketing_menu = menu_names(marketer)
        assert {"explorer", "images", "documents", "event-content", "registration-forms"} <= marketing_menu
        assert marketing_menu <= {"explorer", "images", "documents", "snippets", "event-content",
                                  "registration-forms", "settings", "help"}
        assert menu_names(marketer, settings_menu) <= {"branding", "redirects"}
        assert "reports" in menu_names(admin) or "settings" in menu_names(admin)


def test_editor_can_preview_an_event_page_draft(org_a, member, site_client, in_schema):
    owner = member(org_a, "owner")
    with in_schema(org_a):
        home = HomePage.objects.get()
        page = home.add_child(instance=EventPage(title="Draft Summit", slug="draft", live=False, event=event_make()))
        page.save_revision()
    client = site_client(org_a, owner)
    assert "Draft Summit" in client.get(f"/admin/pages/{page.pk}/edit/preview/?mode=").text \
        or client.get(f"/admin/pages/{page.pk}/view_draft/").status_code == 200
    assert site_client(org_a).get("/draft/").status_code == 404


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_publish_directly(org_a, member, in_schema, role):
    user = member(org_a, role)
    with in_schema(org_a):
        assert HomePage.objects.get().permissions_for_user(user).can_publish()


def test_scheduled_page_goes_live_when_the_beat_task_runs(org_a, in_schema, site_client):
    import datetime as dt

    from django.utils import timezone
    from freezegun import freeze_time

    from cms.models import ContentPage
    from cms.tasks import pages_publish_scheduled_all_organizations

    with in_schema(org_a):
        page = HomePage.objects.get().add_child(instance=ContentPage(title="Later", slug="later", live=False))
        page.go_live_at = timezone.now() + dt.timedelta(hours=1)
        revision = page.save_revision()
        revision.publish()
        page.refresh_from_db()
        assert not page.live and revision.approved_go_live_at is not None
    assert site_client(org_a).get("/later/").status_code == 404
    with freeze_time(timezone.now() + dt.timedelta(hours=2)):
        assert pages_publish_scheduled_all_organizations() >= 2
    assert site_client(org_a).get("/later/").status_code == 200


@pytest.mark.parametrize("slug", ["search", "register", "checkin", "admin"])
def test_top_level_pages_cannot_take_a_path_the_site_serves_itself(org_a, site_client, in_schema, slug):
    with in_schema(org_a):
        home = HomePage.objects.get()
    client = site_client(org_a, User.objects.get(email="owner@alpha.test"))
    response = client.post(f"/admin/pages/add/cms/contentpage/{home.pk}/", {
        "title": "Search tips", "slug": slug, "body-count": "0", "visibility": "public", "action-publish": "Publish",
    })
    assert response.status_code == 200 and "is taken by a page the site provides itself" in response.text
    with in_schema(org_a):
        assert not Page.objects.filter(slug=slug).exists()
        home.add_child(instance=ContentPage(title="Tips", slug="tips"))
        tips = Page.objects.get(slug="tips")
    nested = client.post(f"/admin/pages/add/cms/contentpage/{tips.pk}/", {  # /tips/search/ is free
        "title": "Search tips", "slug": "search", "body-count": "0", "visibility": "public", "action-publish": "Publish",
    })
    assert nested.status_code == 302
