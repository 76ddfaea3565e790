"""Accounts in the platform operator's admin, and the admin site meant to replace Django's default."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.test import RequestFactory
from wagtail.images.models import Image

from operations.accounts.admin_site import PlatformAdminSite
from operations.accounts.models import User
from operations.organizations.models import Organization

USERS = "/platform-admin/accounts/user/"



def test_operator_creates_an_account_with_a_password(admin_client):
    response = admin_client.post(
        f"{USERS}add/",
        {"email": "New.Person@Example.test", "usable_password": "true",
         "password1": "a-long-enough-passphrase", "password2": "a-long-enough-passphrase"},
    )

    user = User.objects.get(email="new.person@example.test")
    assert response.status_code == 302 and response["Location"] == f"{USERS}{user.pk}/change/"
    assert user.check_password("a-long-enough-passphrase")
    assert not (user.is_staff or user.is_platform_operator)


def test_an_address_that_differs_only_in_case_is_refused(admin_client, operator):
    response = admin_client.post(
        f"{USERS}add/", {"email": "OPERATOR@platform.test", "usable_password": "false"}
    )

    assert response.status_code == 200 and "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="operator@platform.test").count() == 1


def test_accounts_are_listed_and_searched_by_email(admin_client, operator):
    User.objects.create_user(email="findme@example.test")

    response = admin_client.get(USERS, {"q": "FINDME"})

    assert response.status_code == 200
    assert [user.email for user in response.context["cl"].result_list] == ["findme@example.test"]


def test_change_form_shows_the_platform_fields_only(admin_client):
    user = User.objects.create_user(email="someone@example.test", password="x" * 12)

    form = admin_client.get(f"{USERS}{user.pk}/change/").context["adminform"].form

    assert set(form.fields) == {"email", "password", "first_name", "last_name", "is_active", "is_staff",
                                "is_platform_operator"}


def test_operator_sets_a_password_from_the_admin(admin_client):
    user = User.objects.create_user(email="someone@example.test", password="x" * 12)

    response = admin_client.post(
        f"{USERS}{user.pk}/password/",
        {"password1": "fresh-long-passphrase", "password2": "fresh-long-passphrase", "usable_password": "true"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("fresh-long-passphrase")


def test_accounts_and_role_groups_cannot_be_deleted_or_edited_from_the_admin(admin_client, operator):
    assert admin_client.get(f"{USERS}{operator.pk}/delete/").status_code == 403
    assert admin_client.get("/platform-admin/auth/group/").status_code == 404


# --- PlatformAdminSite ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"is_staff": True, "is_platform_operator": True}, True),
        ({"is_staff": True, "is_platform_operator": False}, False),
        ({"is_staff": False, "is_platform_operator": True}, False),
        ({"is_staff": True, "is_platform_operator": True, "is_active": False}, False),
    ],
)
def test_platform_site_lets_in_active_staff_operators_only(db, fields, allowed):
    request = RequestFactory().get("/platform-admin/")
    request.user = User.objects.create_user(email="someone@platform.test", **fields)

    assert PlatformAdminSite().has_permission(request) is allowed


def test_platform_site_refuses_anonymous_visitors():
    request = RequestFactory().get("/platform-admin/")
    request.user = AnonymousUser()

    assert not PlatformAdminSite().has_permission(request)


def test_platform_site_leaves_out_models_stored_in_organizations_schemas():
    site = PlatformAdminSite()
    site.register([Organization, Group, Image])

    assert site.is_registered(Organization) and site.is_registered(Group)
    assert not site.is_registered(Image)
