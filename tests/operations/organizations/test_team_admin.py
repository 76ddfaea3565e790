import pytest
from django.core import mail

from operations.audit.models import AuditEntry
from operations.organizations.models import Membership


def assert_refused(response):
    """A role without the screen gets a 403 page that says so (operations.core.middleware)."""
    assert response.status_code == 403 and "does not include this screen" in response.text, response


@pytest.mark.parametrize("path", ["/admin/team/", "/admin/audit/"])
def test_marketing_member_cannot_open_operations_screens(org_a, member, site_client, path):
    marketing = member(org_a, "marketing")
    client = site_client(org_a, marketing)
    assert client.get("/admin/pages/", follow=True).status_code == 200  # their own area works
    assert_refused(client.get(path))


@pytest.mark.parametrize("role", ["staff", "finance", "marketing"])
def test_only_admins_and_owners_manage_the_team(org_a, member, site_client, role):
    user = member(org_a, role)
    assert_refused(site_client(org_a, user).post("/admin/team/invite/", {"email": "x@y.test", "role": "staff"}))
    assert not Membership.objects.filter(user__email="x@y.test").exists()


def test_admin_invites_a_member_who_gets_an_email_and_the_change_is_audited(
    org_a, member, site_client, in_schema, django_capture_on_commit_callbacks
):
    admin = member(org_a, "admin")
    client = site_client(org_a, admin)
    team = client.get("/admin/team/")
    assert team.status_code == 200 and admin.email in team.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/team/invite/", {"email": "New.Person@Example.test", "role": "staff"})
    assert response.status_code == 302
    membership = Membership.objects.get(organization=org_a, user__email="new.person@example.test")
    assert membership.role == "staff"
    assert mail.outbox[-1].to == ["new.person@example.test"]
    with in_schema(org_a):
        entry = AuditEntry.objects.get(action="membership.created", target_id=str(membership.pk))
        assert entry.actor_id == admin.pk and entry.after == {"user": "new.person@example.test", "role": "staff"}


def test_team_lists_only_this_organizations_members(org_a, org_b, member, site_client):
    admin = member(org_a, "admin")
    outsider = member(org_b, "marketing")
    page = site_client(org_a, admin).get("/admin/team/").text
    assert admin.email in page and outsider.email not in page


def test_bad_invitations_are_refused_with_a_message(org_a, member, site_client):
    admin = member(org_a, "admin")
    client = site_client(org_a, admin)
    assert client.post("/admin/team/invite/", {"email": "nope", "role": "staff"}).status_code == 400
    assert client.post("/admin/team/invite/", {"email": "a@b.test", "role": "emperor"}).status_code == 400
    response = client.post("/admin/team/invite/", {"email": admin.email, "role": "staff"})
    assert response.status_code == 400 and "already a member" in response.text


def test_admin_cannot_make_owners_but_owner_can(org_a, member, site_client):
    admin, owner = member(org_a, "admin"), member(org_a, "owner")
    staff = member(org_a, "staff")
    membership = Membership.objects.get(user=staff, organization=org_a)
    url = f"/admin/team/{membership.pk}/role/"

    refused = site_client(org_a, admin).post(url, {"role": "owner"})  # the service says no
    assert refused.status_code == 403 and "not allowed" in refused.text
    assert site_client(org_a, owner).post(url, {"role": "owner"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_the_last_owner_cannot_be_removed_or_demoted(org_a, site_client):
    owner_membership = Membership.objects.get(organization=org_a, role="owner")
    client = site_client(org_a, owner_membership.user)
    demote = client.post(f"/admin/team/{owner_membership.pk}/role/", {"role": "admin"})
    assert demote.status_code == 400 and "at least one owner" in demote.text
    owner_membership.refresh_from_db()
    assert owner_membership.role == "owner"


def test_removed_member_loses_access_at_once(org_a, member, site_client):
    admin, staff = member(org_a, "admin"), member(org_a, "staff")
    membership = Membership.objects.get(user=staff, organization=org_a)
    assert site_client(org_a, admin).post(f"/admin/team/{membership.pk}/remove/").status_code == 302
    assert site_client(org_a, staff).get("/admin/").status_code == 302


def test_membership_of_another_organization_cannot_be_touched(org_a, org_b, member, site_client):
    admin_a = member(org_a, "admin")
    victim = Membership.objects.get(organization=org_b, role="owner")
    response = site_client(org_a, admin_a).post(f"/admin/team/{victim.pk}/remove/")
    assert response.status_code == 404
    assert Membership.objects.filter(pk=victim.pk).exists()


def test_wagtails_platform_wide_user_and_group_screens_are_closed(org_a, member, site_client):
    client = site_client(org_a, member(org_a, "owner"))
    assert client.get("/admin/users/").status_code in (302, 403)
    assert client.get("/admin/groups/").status_code in (302, 403)


def test_an_invited_person_sets_a_password_from_the_email_and_signs_in(org_a, member, site_client,
                                                                       django_capture_on_commit_callbacks):
    import re

    admin = member(org_a, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        site_client(org_a, admin).post("/admin/team/invite/", {"email": "newbie@example.test", "role": "marketing"})
    link = re.search(r"http://alpha\.localhost(/admin/password_reset/confirm/\S+/)", mail.outbox[-1].body).group(1)

    visitor = site_client(org_a)
    form_page = visitor.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "a-long-and-new-passphrase-7"
    done = visitor.post(set_password_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302

    signed_in = site_client(org_a).post("/admin/login/", {"username": "newbie@example.test", "password": new_password})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
