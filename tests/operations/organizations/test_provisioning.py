import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists

from cms.models import Branding, HomePage
from operations.audit.models import AuditEntry
from operations.organizations.errors import OrganizationError
from operations.organizations.models import Domain, Membership, Organization
from operations.organizations.services import organization_create, organization_schema_name
from wagtail.models import Site


def test_creates_schema_domain_site_home_page_branding_and_owner(db, in_schema):
    org = organization_create(slug="gamma-events", name="Gamma Events", owner_email="Boss@Gamma.test",
                              timezone="Pacific/Auckland")

    assert org.schema_name == "org_gamma_events" and schema_exists(org.schema_name)
    assert Domain.objects.get(tenant=org).domain == "gamma-events.localhost"
    owner = Membership.objects.get(organization=org)
    assert (owner.user.email, owner.role) == ("boss@gamma.test", "owner")
    with in_schema(org):
        site = Site.objects.get()
        assert site.hostname == "gamma-events.localhost"
        assert isinstance(site.root_page.specific, HomePage) and site.root_page.title == "Gamma Events"
        assert Branding.objects.filter(site=site).exists()
        assert AuditEntry.objects.filter(action="organization.created").count() == 1


def test_new_owner_receives_an_invitation_with_a_password_link(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        organization_create(slug="delta", name="Delta", owner_email="new-owner@delta.test")

    message = mail.outbox[-1]
    assert message.to == ["new-owner@delta.test"]
    assert "http://delta.localhost/admin/password_reset/confirm/" in message.body


@pytest.mark.parametrize("slug", ["ab", "with_underscore", "-leading", "trailing-", "double--hyphen",
                                  "x" * 41, "www", "platform", "tenant-template", ""])
def test_invalid_or_reserved_slug_is_rejected_and_nothing_is_created(db, slug):
    before = Organization.objects.count()
    with pytest.raises(OrganizationError) as error:
        organization_create(slug=slug, name="Nope", owner_email="a@b.test")
    assert error.value.code in {"slug_invalid", "slug_taken"}
    assert Organization.objects.count() == before


def test_slug_is_normalised_to_lowercase(db):
    assert organization_create(slug=" Theta ", name="Theta", owner_email="o@theta.test").slug == "theta"


def test_duplicate_slug_is_rejected_with_a_clear_error(db, org_a):
    with pytest.raises(OrganizationError) as error:
        organization_create(slug="alpha", name="Another Alpha", owner_email="x@y.test")
    assert error.value.code == "slug_taken"
    assert "already exists" in error.value.message


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  "}, "name_required"),
        ({"timezone": "Mars/Olympus"}, "timezone_invalid"),
        ({"locale": "xx"}, "locale_invalid"),
        ({"owner_email": "not-an-address"}, "email_invalid"),
    ],
)
def test_bad_fields_are_rejected_before_anything_is_written(db, fields, code):
    arguments = {"slug": "epsilon", "name": "Epsilon", "owner_email": "o@e.test", **fields}
    with pytest.raises(OrganizationError) as error:
        organization_create(**arguments)
    assert error.value.code == code
    assert not Organization.objects.filter(slug="epsilon").exists()
    assert not schema_exists("org_epsilon")


def test_a_failure_half_way_leaves_no_schema_domain_or_membership(db, settings):
    settings.ORGANIZATION_PROVISIONERS = [*settings.ORGANIZATION_PROVISIONERS, "tests.operations.organizations.test_provisioning.explode"]
    with pytest.raises(RuntimeError):
        organization_create(slug="zeta", name="Zeta", owner_email="o@zeta.test")
    connection.set_schema_to_public()
    assert not schema_exists(organization_schema_name("zeta"))
    assert not Organization.objects.filter(slug="zeta").exists()
    assert not Domain.objects.filter(domain__startswith="zeta.").exists()
    assert not Membership.objects.filter(user__email="o@zeta.test").exists()


def explode(organization):
    raise RuntimeError("provisioner failed")


def test_command_creates_an_organization_and_reports_errors_clearly(db, capsys):
    call_command("create_organization", "eta", "Eta Events", "--owner", "o@eta.test", "--timezone", "Asia/Seoul")
    assert "Created Eta Events" in capsys.readouterr().out
    assert Organization.objects.get(slug="eta").timezone == "Asia/Seoul"

    with pytest.raises(CommandError, match=r"already exists.*\[slug_taken\]"):
        call_command("create_organization", "eta", "Eta Again", "--owner", "o@eta.test")
    with pytest.raises(CommandError, match=r"slug_invalid"):
        call_command("create_organization", "Bad Slug", "Bad", "--owner", "o@eta.test")


def test_editing_an_organization_is_audited_with_before_and_after(org_a, in_schema):
    from operations.organizations.services import organization_update

    organization_update(organization=org_a, actor=None, name="Alpha Events Co.", timezone="Asia/Tokyo")
    org_a.refresh_from_db()
    assert (org_a.name, org_a.timezone, org_a.slug) == ("Alpha Events Co.", "Asia/Tokyo", "alpha")
    with in_schema(org_a):
        entry = AuditEntry.objects.get(action="organization.updated")
        assert entry.before["timezone"] == "Asia/Seoul" and entry.after["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(("changes", "code"), [
    ({"slug": "renamed"}, "field_invalid"), ({"name": ""}, "name_required"), ({"timezone": "Nowhere/Void"}, "timezone_invalid"),
])
def test_bad_organization_edits_are_refused(org_a, changes, code):
    from operations.organizations.services import organization_update

    with pytest.raises(OrganizationError) as error:
        organization_update(organization=org_a, actor=None, **changes)
    assert error.value.code == code
    org_a.refresh_from_db()
    assert org_a.slug == "alpha" and org_a.name == "Alpha Events"


def test_custom_domains_are_added_verified_and_removed_with_an_audit_trail(org_a, in_schema):
    from operations.organizations.services import domain_add, domain_remove, domain_set_verified

    domain = domain_add(organization=org_a, host="Tickets.Alpha.Example.", actor=None)
    assert (domain.domain, domain.is_primary, domain.is_verified) == ("tickets.alpha.example", False, False)
    with pytest.raises(OrganizationError) as error:
        domain_add(organization=org_a, host="tickets.alpha.example", actor=None)
    assert error.value.code == "domain_taken"
    domain_set_verified(domain=domain, verified=True, actor=None)
    domain_remove(domain=domain, actor=None)
    with pytest.raises(OrganizationError):
        domain_remove(domain=Domain.objects.get(domain="alpha.localhost"), actor=None)
    with in_schema(org_a):
        actions = list(AuditEntry.objects.filter(action__startswith="domain.").order_by("id").values_list("action", flat=True))
    assert actions == ["domain.added", "domain.verified", "domain.removed"]
