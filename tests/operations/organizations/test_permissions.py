import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Page

from operations.accounts.models import User


def test_member_of_one_organization_is_refused_in_another_organizations_admin(org_a, org_b, member, site_client):
    admin_of_a = member(org_a, "admin")

    assert site_client(org_a, admin_of_a).get("/admin/").status_code == 200
    refused = site_client(org_b, admin_of_a).get("/admin/")
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]


def test_anonymous_visitor_is_sent_to_the_login_page(org_a, site_client):
    response = site_client(org_a).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_platform_operator_flag_grants_nothing_inside_an_organization(org_a, site_client, in_schema):
    operator = User.objects.create_superuser(email="operator@platform.test", password="x" * 12)
    assert operator.is_superuser  # on the root domain
    response = site_client(org_a, operator).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with in_schema(org_a):
        assert not operator.is_superuser and not operator.has_perm("wagtailadmin.access_admin")


def test_wagtails_global_default_groups_grant_nothing_in_an_organization(org_a, site_client, in_schema):
    user = User.objects.create_user(email="editor@elsewhere.test", password="x" * 12)
    user.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    assert user.groups.count() == 2  # Wagtail's migration made them; they must stay powerless

    assert site_client(org_a, user).get("/admin/").status_code == 302
    with in_schema(org_a):
        home = Page.objects.get(depth=2)
        assert not home.permissions_for_user(user).can_edit()


def test_user_level_permissions_are_ignored_inside_organizations(org_a, in_schema):
    user = User.objects.create_user(email="direct@elsewhere.test", password="x" * 12)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user = User.objects.get(pk=user.pk)
    with in_schema(org_a):
        assert not user.has_perm("wagtailadmin.access_admin")


@pytest.mark.parametrize(
    ("role", "can_edit_pages"),
    [("owner", True), ("admin", True), ("marketing", True), ("staff", False), ("finance", False)],
)
def test_page_editing_follows_the_role(org_a, member, in_schema, role, can_edit_pages):
    user = member(org_a, role)
    with in_schema(org_a):
        home = Page.objects.get(depth=2)
        assert home.permissions_for_user(user).can_edit() is can_edit_pages
        assert user.has_perm("wagtailadmin.access_admin")


def test_role_decides_what_each_member_may_do(org_a, member, in_schema):
    marketing, staff, finance, admin = (member(org_a, r) for r in ("marketing", "staff", "finance", "admin"))
    with in_schema(org_a):
        assert marketing.has_perm("cms.change_branding") and not marketing.has_perm("organizations.manage_team")
        assert not marketing.has_perm("audit.view_auditentry") and not marketing.has_perm("events.change_event")
        assert not staff.has_perm("cms.change_branding") and not staff.has_perm("wagtailimages.add_image")
        assert finance.has_perm("audit.view_auditentry") and not finance.has_perm("cms.change_branding")
        # Finance handles orders, money and exports, and sees (never changes) what is on sale.
        assert finance.has_perms(["ticketing.view_order", "ticketing.change_order", "ticketing.view_tickettype",
                                  "payments.view_payment", "exports.view_exportjob", "invoicing.view_receipt"])
        assert not any(finance.has_perm(p) for p in ("ticketing.change_tickettype", "ticketing.add_promocode",
                                                     "ticketing.change_quota", "events.change_event"))
        assert admin.has_perm("organizations.manage_team") and admin.has_perm("events.change_event")
        assert not admin.has_perm("organizations.manage_owners")
        assert not admin.has_perm("auth.change_user") and not admin.has_perm("auth.change_group")


def test_a_role_in_one_organization_means_nothing_in_another(org_a, org_b, member, in_schema):
    admin_of_a = member(org_a, "admin")
    with in_schema(org_b):
        assert admin_of_a.get_all_permissions() == set()


def test_deactivated_organization_members_lose_access(org_a, member, site_client):
    admin = member(org_a, "admin")
    org_a.is_active = False
    org_a.save(update_fields=["is_active"])
    assert site_client(org_a, admin).get("/admin/").status_code == 404
