"""The platform operator's admin at /platform-admin/ on the root domain."""

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_exists

from operations.accounts.models import User
from operations.audit.models import AuditEntry
from operations.organizations.models import Domain, Membership, Organization

ORGANIZATIONS = "/platform-admin/organizations/organization/"
MEMBERSHIPS = "/platform-admin/organizations/membership/"



def _new_organization(**overrides) -> dict:
    return {
        "name": "Gamma Gatherings",
        "name_en": "",
        "slug": "gamma",
        "owner_email": "Boss@Gamma.test",
        "timezone": "Asia/Seoul",
        "locale": "ko",
        "contact_email": "",
        **overrides,
    }


def _change_form_data(response) -> dict:
    """What a browser would post back unchanged from an admin change form (with its inlines)."""
    data = {}

    def add(form):
        for bound in form:
            if bound.field.disabled:
                continue
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for form in formset.forms:
            add(form)
    return data


# --- Access -----------------------------------------------------------------------------------

def test_operator_lists_real_organizations_only(admin_client):
    response = admin_client.get(ORGANIZATIONS)

    assert response.status_code == 200
    listed = {organization.slug for organization in response.context["cl"].result_list}
    assert {"alpha", "beta"} <= listed
    assert "tenant-template" not in listed and "platform" not in listed
    assert b"Alpha Events" in response.content and b"Template for new organizations" not in response.content
    assert b"http://alpha.localhost/" in response.content


@pytest.mark.parametrize("who", ["plain user", "organization owner"])
def test_people_who_are_not_operators_are_sent_to_the_login_page(org_a, member, who):
    user = (
        User.objects.create_user(email="someone@example.test", password="x" * 12)
        if who == "plain user"
        else member(org_a, "owner")
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="operations.accounts.backends.EmailBackend")

    for path in ("/platform-admin/", ORGANIZATIONS):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/platform-admin/login/")


def test_staff_without_the_operator_flag_cannot_enter_the_platform_admin(db):
    staff = User.objects.create_user(email="staff@platform.test", password="x" * 12, is_staff=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff, backend="operations.accounts.backends.EmailBackend")

    response = client.get(ORGANIZATIONS)
    assert response.status_code == 302 and response["Location"].startswith("/platform-admin/login/")


def test_the_operator_has_no_platform_admin_on_an_organizations_host(org_a, operator):
    client = Client(HTTP_HOST=org_a.primary_host())
    client.force_login(operator, backend="operations.accounts.backends.EmailBackend")

    assert client.get(ORGANIZATIONS).status_code == 404


# --- Creating ---------------------------------------------------------------------------------

def test_operator_creates_an_organization_through_the_service(admin_client, operator, in_schema):
    response = admin_client.post(f"{ORGANIZATIONS}add/", _new_organization())

    organization = Organization.objects.get(slug="gamma")
    assert response.status_code == 302 and response["Location"] == f"{ORGANIZATIONS}"
    assert schema_exists(organization.schema_name)
    assert (organization.name, organization.timezone, organization.locale) == ("Gamma Gatherings", "Asia/Seoul", "ko")
    owner = Membership.objects.get(organization=organization)
    assert (owner.user.email, owner.role, owner.invited_by) == ("boss@gamma.test", "owner", operator)
    assert Domain.objects.get(tenant=organization).domain == "gamma.localhost"
    with in_schema(organization):
        assert AuditEntry.objects.get(action="organization.created").actor == operator


@pytest.mark.parametrize(
    ("slug", "code", "message"),
    [
        ("alpha", "slug_taken", "An organization with the address “alpha” already exists."),
        ("Not_A_Slug!", "slug_invalid", "cannot be an organization&#x27;s address"),
        ("www", "slug_taken", "“www” is reserved by the platform"),
    ],
)
def test_refused_slug_is_shown_on_the_form_and_nothing_is_created(admin_client, slug, code, message):
    organizations, users = Organization.objects.count(), User.objects.count()

    response = admin_client.post(f"{ORGANIZATIONS}add/", _new_organization(slug=slug, owner_email="new@x.test"))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["adminform"].form.has_error("slug", code=code)
    assert Organization.objects.count() == organizations and User.objects.count() == users


def test_add_form_asks_for_the_owner_and_labels_every_field(admin_client):
    response = admin_client.get(f"{ORGANIZATIONS}add/")

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("name", "name_en", "slug", "owner_email", "timezone", "locale", "contact_email"):
        assert re.search(rf'<label[^>]* for="id_{field}"', html), field
    assert "schema_name" not in html


# --- Changing ---------------------------------------------------------------------------------

def test_slug_and_schema_cannot_be_changed(admin_client, org_a):
    form_page = admin_client.get(f"{ORGANIZATIONS}{org_a.pk}/change/")
    data = _change_form_data(form_page) | {"name": "Alpha Events Renamed", "slug": "hijack", "schema_name": "public"}

    response = admin_client.post(f"{ORGANIZATIONS}{org_a.pk}/change/", data)

    assert response.status_code == 302
    org_a.refresh_from_db()
    assert (org_a.name, org_a.slug, org_a.schema_name) == ("Alpha Events Renamed", "alpha", "org_alpha")


def test_operator_adds_a_custom_domain_unverified_and_then_verifies_it(admin_client, org_a):
    change = f"{ORGANIZATIONS}{org_a.pk}/change/"
    data = _change_form_data(admin_client.get(change))
    data |= {
        "domains-TOTAL_FORMS": "2",
        "domains-1-domain": "Tickets.Alpha-Events.example",
        "domains-1-tenant": org_a.pk,
    }

    assert admin_client.post(change, data).status_code == 302
    custom = Domain.objects.get(domain="tickets.alpha-events.example")
    assert custom.tenant == org_a and not custom.is_verified and not custom.is_primary
    assert org_a.primary_host() == "alpha.localhost"

    data = _change_form_data(admin_client.get(change))
    index = next(i for i in range(2) if data.get(f"domains-{i}-id") == custom.pk)
    data[f"domains-{index}-is_verified"] = "on"
    assert admin_client.post(change, data).status_code == 302
    custom.refresh_from_db()
    assert custom.is_verified


@pytest.mark.parametrize("host", ["gamma.localhost", "not a host"])
def test_platform_subdomains_and_malformed_hosts_cannot_be_added(admin_client, org_a, host):
    change = f"{ORGANIZATIONS}{org_a.pk}/change/"
    data = _change_form_data(admin_client.get(change))
    data |= {"domains-TOTAL_FORMS": "2", "domains-1-domain": host, "domains-1-tenant": org_a.pk}

    response = admin_client.post(change, data)

    assert response.status_code == 200
    assert not Domain.objects.filter(domain=host).exists()


def test_platform_subdomain_is_read_only_and_cannot_be_removed(admin_client, org_a):
    change = f"{ORGANIZATIONS}{org_a.pk}/change/"
    page = admin_client.get(change)
    subdomain_form = page.context["inline_admin_formsets"][0].formset.forms[0]
    assert subdomain_form.instance.domain == "alpha.localhost"
    assert subdomain_form.fields["domain"].disabled and subdomain_form.fields["is_verified"].disabled

    data = _change_form_data(page) | {"domains-0-domain": "elsewhere.example", "domains-0-DELETE": "on"}
    response = admin_client.post(change, data)

    assert response.status_code == 200 and b"cannot be removed" in response.content
    assert Domain.objects.get(tenant=org_a, is_primary=True).domain == "alpha.localhost"


def test_a_verified_custom_domain_cannot_be_renamed_in_place(admin_client, org_a):
    custom = Domain.objects.create(domain="tickets.alpha.example", tenant=org_a, is_primary=False, is_verified=True)
    change = f"{ORGANIZATIONS}{org_a.pk}/change/"
    data = _change_form_data(admin_client.get(change))
    index = next(i for i in range(2) if data.get(f"domains-{i}-id") == custom.pk)
    data[f"domains-{index}-domain"] = "someone-else.example"

    assert admin_client.post(change, data).status_code == 302
    custom.refresh_from_db()
    assert custom.domain == "tickets.alpha.example"
    assert not Domain.objects.filter(domain="someone-else.example").exists()


# --- Deactivating -----------------------------------------------------------------------------

def test_operator_deactivates_an_organization_with_the_action(admin_client, operator, org_a, org_b, in_schema):
    response = admin_client.post(
        ORGANIZATIONS, {"action": "deactivate_organizations", "_selected_action": [org_a.pk]}
    )

    assert response.status_code == 302
    org_a.refresh_from_db()
    org_b.refresh_from_db()
    assert not org_a.is_active and org_b.is_active
    with in_schema(org_a):
        assert AuditEntry.objects.get(action="organization.deactivated").actor == operator
    assert Client(HTTP_HOST="alpha.localhost").get("/").status_code == 404


def test_organizations_cannot_be_deleted_from_the_admin(admin_client, org_a):
    assert admin_client.get(f"{ORGANIZATIONS}{org_a.pk}/delete/").status_code == 403
    actions = admin_client.get(ORGANIZATIONS).context["action_form"].fields["action"].choices
    assert "delete_selected" not in dict(actions)


# --- Memberships ------------------------------------------------------------------------------

def test_memberships_are_listed_by_organization_and_role(admin_client, org_a, org_b, member):
    marketer = member(org_a, "marketing")

    response = admin_client.get(MEMBERSHIPS, {"organization__id__exact": org_a.pk, "role__exact": "marketing"})

    assert response.status_code == 200
    assert [m.user for m in response.context["cl"].result_list] == [marketer]


def test_changing_a_role_goes_through_the_service(admin_client, org_a, member, in_schema):
    user = member(org_a, "staff")
    membership = Membership.objects.get(user=user, organization=org_a)
    page = admin_client.get(f"{MEMBERSHIPS}{membership.pk}/change/")
    assert set(page.context["adminform"].form.fields) == {"role"}

    response = admin_client.post(f"{MEMBERSHIPS}{membership.pk}/change/", {"role": "admin"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "admin"
    assert list(user.groups.values_list("name", flat=True)) == ["org_alpha:admin"]
    with in_schema(org_a):
        assert AuditEntry.objects.filter(action="membership.role_changed").exists()


def test_last_owner_cannot_be_demoted_and_the_reason_is_shown(admin_client, org_a):
    owner = Membership.objects.get(organization=org_a, role="owner")
    change = f"{MEMBERSHIPS}{owner.pk}/change/"

    response = admin_client.post(change, {"role": "admin"}, follow=True)

    assert response.status_code == 200
    assert b"at least one owner" in response.content
    owner.refresh_from_db()
    assert owner.role == "owner"
