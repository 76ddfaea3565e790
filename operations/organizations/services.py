"""Creating organizations and managing who belongs to them. The only code that changes them."""

import re
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name, schema_context

from operations.accounts.models import AttendeeOrder, User
from operations.audit.services import audit_record
from operations.organizations.errors import OrganizationError
from operations.organizations.models import LOCALE_CHOICES, Domain, Membership, Organization
from operations.organizations.roles import Role

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
# Host names the platform keeps for itself (and names that would confuse people).
RESERVED_SLUGS = frozenset(
    "admin api app assets auth billing blog cdn checkin dashboard docs help mail media platform "
    "platform-admin portal public search static status support template tenant-template www".split()
)


# --- Organizations ----------------------------------------------------------------------------

def organization_schema_name(slug: str) -> str:
    return "org_" + slug.replace("-", "_")


def organization_slug_validate(slug: str) -> str:
    """The normalised slug, or OrganizationError(code='slug_invalid' | 'slug_taken')."""
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug) or "--" in slug:
        raise OrganizationError(
            f"“{slug}” cannot be an organization's address: use 3 to 40 lowercase letters, digits "
            "and single hyphens, starting and ending with a letter or digit.",
            code="slug_invalid",
        )
    if slug in RESERVED_SLUGS:
        raise OrganizationError(f"“{slug}” is reserved by the platform; choose another.", code="slug_taken")
    host = f"{slug}.{settings.PLATFORM_DOMAIN}"
    if (
        Organization.objects.filter(slug=slug).exists()
        or Organization.objects.filter(schema_name=organization_schema_name(slug)).exists()
        or Domain.objects.filter(domain=host).exists()
    ):
        raise OrganizationError(f"An organization with the address “{slug}” already exists.", code="slug_taken")
    return slug


def organization_create(
    *,
    slug: str,
    name: str,
    owner_email: str,
    name_en: str = "",
    timezone: str = "UTC",
    locale: str = "en",
    contact_email: str = "",
    actor: User | None = None,
) -> Organization:
    """Create an organization ready to use: its schema (cloned from the template), its subdomain,
    its Wagtail site with a home page and default branding (ORGANIZATION_PROVISIONERS), its role
    groups, and the owner's membership.

    One transaction: if any step fails nothing remains, not even the schema. The owner account
    is created when it does not exist yet and is sent an invitation after commit.
    Raises OrganizationError (slug_invalid, slug_taken, name_required, timezone_invalid,
    locale_invalid, email_invalid).
    """
    slug = organization_slug_validate(slug)
    name = (name or "").strip()
    if not name:
        raise OrganizationError("Give the organization a name.", code="name_required")
    if timezone not in zoneinfo.available_timezones():
        raise OrganizationError(f"“{timezone}” is not a known time zone (e.g. Asia/Seoul).", code="timezone_invalid")
    if locale not in dict(LOCALE_CHOICES):
        raise OrganizationError(f"“{locale}” is not a supported language.", code="locale_invalid")
    owner_email = _email_validate(owner_email)
    if contact_email:
        contact_email = _email_validate(contact_email)

    organization_template_ensure()
    try:
        organization = _organization_create_atomically(
            slug=slug, name=name, name_en=name_en, timezone=timezone, locale=locale,
            contact_email=contact_email or owner_email, owner_email=owner_email, actor=actor,
        )
    except IntegrityError:  # another request took the slug between our check and our insert
        raise OrganizationError(f"An organization with the address “{slug}” already exists.", code="slug_taken") from None
    return organization


def _organization_create_atomically(*, slug, name, name_en, timezone, locale, contact_email, owner_email, actor):
    with transaction.atomic():
        organization = Organization.objects.create(
            schema_name=organization_schema_name(slug),
            slug=slug,
            name=name,
            name_en=name_en.strip(),
            timezone=timezone,
            locale=locale,
            contact_email=contact_email,
        )
        organization.create_schema(check_if_exists=False, verbosity=0)
        Domain.objects.create(
            domain=f"{slug}.{settings.PLATFORM_DOMAIN}", tenant=organization, is_primary=True, is_verified=True
        )
        _role_groups_ensure(organization)
        owner, owner_is_new = _user_get_or_invite(owner_email)
        with schema_context(organization.schema_name):
            for provisioner in settings.ORGANIZATION_PROVISIONERS:
                import_string(provisioner)(organization)
            audit_record("organization.created", actor=actor, target=organization, after=_snapshot(organization))
        membership = _membership_create(organization=organization, user=owner, role=Role.OWNER, actor=actor)
    if owner_is_new:
        transaction.on_commit(lambda: _invitation_send(membership))
    return organization


def organization_template_ensure() -> Organization:
    """The template schema new organizations are cloned from, created (fully migrated) if missing.

    It is a tenant row so that ``migrate_schemas`` keeps it current; cloning a stale template
    would create organizations that silently miss migrations.
    """
    template = Organization.objects.filter(schema_name=settings.TENANT_BASE_SCHEMA).first()
    if template:
        return template
    template = Organization.objects.create(
        schema_name=settings.TENANT_BASE_SCHEMA,
        slug="tenant-template",
        name="Template for new organizations",
        is_active=False,
        is_template=True,
    )
    # Full migrations cannot share one transaction (Wagtail's mix data and schema changes), so a
    # failure is undone by hand.
    try:
        template.create_schema(check_if_exists=True, verbosity=0)
        with schema_context(template.schema_name):
            for preparer in settings.ORGANIZATION_TEMPLATE_PREPARERS:
                import_string(preparer)()
    except BaseException:
        template.delete(force_drop=True)
        raise
    return template


def platform_tenant_ensure() -> Organization:
    """The public schema's tenant row, reached at PLATFORM_DOMAIN: the portal and platform admin."""
    public, _ = Organization.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"slug": "platform", "name": settings.PLATFORM_NAME},
    )
    Domain.objects.get_or_create(
        domain=settings.PLATFORM_DOMAIN, defaults={"tenant": public, "is_primary": True, "is_verified": True}
    )
    return public


EDITABLE_FIELDS = ("name", "name_en", "timezone", "locale", "contact_email", "contact_phone", "is_active")


def organization_update(*, organization: Organization, actor: User | None, **changes) -> Organization:
    """Change an organization's editable details (not its slug or schema), audited.
    Raises OrganizationError (field_invalid, name_required, timezone_invalid, locale_invalid,
    email_invalid)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise OrganizationError(f"These details cannot be changed here: {', '.join(sorted(unknown))}.",
                                code="field_invalid")
    if "name" in changes and not (changes["name"] or "").strip():
        raise OrganizationError("Give the organization a name.", code="name_required")
    if "timezone" in changes and changes["timezone"] not in zoneinfo.available_timezones():
        raise OrganizationError(f"“{changes['timezone']}” is not a known time zone.", code="timezone_invalid")
    if "locale" in changes and changes["locale"] not in dict(LOCALE_CHOICES):
        raise OrganizationError(f"“{changes['locale']}” is not a supported language.", code="locale_invalid")
    if changes.get("contact_email"):
        changes["contact_email"] = _email_validate(changes["contact_email"])
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        before = _snapshot(organization)
        for field, value in changes.items():
            setattr(organization, field, value.strip() if isinstance(value, str) else value)
        organization.save(update_fields=list(changes))
        after = _snapshot(organization)
        if after != before:
            with schema_context(organization.schema_name):
                audit_record("organization.updated", actor=actor, target=organization, before=before, after=after)
    return organization


def domain_add(*, organization: Organization, host: str, actor: User | None) -> Domain:
    """Attach a custom domain, unverified (it does not route until verified), audited.
    Raises OrganizationError (domain_taken)."""
    host = host.strip().lower().rstrip(".")
    with transaction.atomic():
        if Domain.objects.filter(domain=host).exists():
            raise OrganizationError(f"{host} is already in use.", code="domain_taken")
        domain = Domain.objects.create(domain=host, tenant=organization, is_primary=False, is_verified=False)
        with schema_context(organization.schema_name):
            audit_record("domain.added", actor=actor, target=domain, after={"domain": host, "verified": False})
    return domain


def domain_set_verified(*, domain: Domain, verified: bool, actor: User | None) -> Domain:
    """Mark a custom domain verified (it routes from now on) or not, audited."""
    with transaction.atomic():
        domain = Domain.objects.select_for_update().select_related("tenant").get(pk=domain.pk)
        if domain.is_verified != verified:
            before = {"verified": domain.is_verified}
            domain.is_verified = verified
            domain.save(update_fields=["is_verified"])
            with schema_context(domain.tenant.schema_name):
                audit_record("domain.verified" if verified else "domain.unverified", actor=actor, target=domain,
                             before=before, after={"verified": verified})
    return domain


def domain_remove(*, domain: Domain, actor: User | None) -> None:
    """Detach a custom domain, audited. The platform subdomain cannot be removed.
    Raises OrganizationError (forbidden)."""
    organization = domain.tenant
    if domain.domain == f"{organization.slug}.{settings.PLATFORM_DOMAIN}":
        raise OrganizationError(f"{domain.domain} is the organization's platform address.", code="forbidden")
    with transaction.atomic():
        with schema_context(organization.schema_name):
            audit_record("domain.removed", actor=actor, target=domain, before={"domain": domain.domain})
        domain.delete()


def organization_deactivate(*, organization: Organization, actor: User | None = None) -> Organization:
    """Take an organization offline: its hosts answer 404 and its members lose access."""
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        before = _snapshot(organization)
        organization.is_active = False
        organization.save(update_fields=["is_active"])
        with schema_context(organization.schema_name):
            audit_record("organization.deactivated", actor=actor, target=organization, before=before,
                         after=_snapshot(organization))
    return organization


def organization_delete(*, organization: Organization) -> None:
    """Erase an organization and everything it owns: schema, domains, memberships, role groups,
    and the public copies of its orders.

    Irreversible; for the platform operator and test harnesses. The schema goes first, in its own
    transaction: deleting the role groups queues deferred foreign-key checks on tables inside the
    schema, and dropping those tables in the same transaction makes the commit fail."""
    if organization.is_template or organization.schema_name == get_public_schema_name():
        raise OrganizationError("The platform's own schemas cannot be deleted.", code="forbidden")
    with transaction.atomic():
        organization._drop_schema(force_drop=True)
    with transaction.atomic():
        groups = Group.objects.filter(name__startswith=f"{organization.schema_name}:")
        User.groups.through.objects.filter(group__in=groups).delete()
        # Raw delete: the ORM would look for Wagtail's group grants in the public schema, where
        # they do not exist; they went with the organization's schema.
        groups._raw_delete(groups.db)
        AttendeeOrder.objects.filter(schema_name=organization.schema_name).delete()  # "My tickets" copies
        organization.delete()


def _snapshot(organization: Organization) -> dict:
    return {
        "name": organization.name, "name_en": organization.name_en, "slug": organization.slug,
        "timezone": organization.timezone, "locale": organization.locale, "is_active": organization.is_active,
        "contact_email": organization.contact_email, "contact_phone": organization.contact_phone,
    }


# --- Members ----------------------------------------------------------------------------------

def role_group_name(organization: Organization, role: str) -> str:
    return f"{organization.schema_name}:{role}"


def _role_groups_ensure(organization: Organization) -> dict[str, Group]:
    return {
        role: Group.objects.get_or_create(name=role_group_name(organization, role))[0] for role in Role.values
    }


def _role_group_set(membership: Membership) -> None:
    # Groups carry only the page and collection grants made inside the organization's schema.
    org = membership.organization
    names = [role_group_name(org, role) for role in Role.values]
    membership.user.groups.remove(*Group.objects.filter(name__in=names))
    membership.user.groups.add(Group.objects.get(name=role_group_name(org, membership.role)))


def _email_validate(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise OrganizationError(f"“{email}” is not a valid e-mail address.", code="email_invalid") from None
    return email


def _user_get_or_invite(email: str) -> tuple[User, bool]:
    user = User.objects.filter(email__iexact=email).first()
    if user:
        return user, False
    return User.objects.create_user(email=email, password=None), True


def _membership_create(*, organization, user, role, actor) -> Membership:
    membership = Membership.objects.create(organization=organization, user=user, role=role, invited_by=actor)
    _role_group_set(membership)
    with schema_context(organization.schema_name):
        audit_record("membership.created", actor=actor, target=membership, after={"user": user.email, "role": role})
    return membership


def _require(actor: User | None, organization: Organization, permission: str) -> None:
    if actor is None:  # system calls (commands, provisioning)
        return
    with schema_context(organization.schema_name):
        allowed = actor.has_perm(permission)
    if not allowed:
        raise OrganizationError("You are not allowed to manage this organization's team.", code="forbidden")


def membership_invite(*, organization: Organization, email: str, role: str, actor: User | None) -> Membership:
    """Give a person a role in the organization, creating their account if needed; they get an
    e-mail with a link to the organization's admin (and to set a password when new).

    Raises OrganizationError (forbidden, email_invalid, role_invalid, already_member)."""
    email = _email_validate(email)
    _role_check(organization, role, actor)
    with transaction.atomic():
        user, _ = _user_get_or_invite(email)
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise OrganizationError(f"{email} is already a member of {organization}.", code="already_member")
        membership = _membership_create(organization=organization, user=user, role=role, actor=actor)
    transaction.on_commit(lambda: _invitation_send(membership))
    return membership


def membership_change_role(*, membership: Membership, role: str, actor: User | None) -> Membership:
    """Change a member's role. The last owner cannot be demoted.
    Raises OrganizationError (forbidden, role_invalid, last_owner)."""
    organization = membership.organization
    _role_check(organization, role, actor)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user", "organization").get(pk=membership.pk)
        if membership.role == Role.OWNER:
            _require(actor, organization, "organizations.manage_owners")
            if role != Role.OWNER:
                _last_owner_guard(membership)
        before = {"role": membership.role}
        membership.role = role
        membership.save(update_fields=["role"])
        _role_group_set(membership)
        with schema_context(organization.schema_name):
            audit_record("membership.role_changed", actor=actor, target=membership, before=before, after={"role": role})
    return membership


def membership_remove(*, membership: Membership, actor: User | None) -> None:
    """Remove a member from the organization. The last owner cannot be removed.
    Raises OrganizationError (forbidden, last_owner)."""
    organization = membership.organization
    _require(actor, organization, "organizations.manage_team")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user", "organization").get(pk=membership.pk)
        if membership.role == Role.OWNER:
            _require(actor, organization, "organizations.manage_owners")
            _last_owner_guard(membership)
        membership.user.groups.remove(*Group.objects.filter(name__startswith=f"{organization.schema_name}:"))
        with schema_context(organization.schema_name):
            audit_record("membership.removed", actor=actor, target=membership,
                         before={"user": membership.user.email, "role": membership.role})
        membership.delete()


def _role_check(organization: Organization, role: str, actor: User | None) -> None:
    if role not in Role.values:
        raise OrganizationError(f"“{role}” is not a role.", code="role_invalid")
    _require(actor, organization, "organizations.manage_team")
    if role == Role.OWNER:
        _require(actor, organization, "organizations.manage_owners")


def _last_owner_guard(membership: Membership) -> None:
    owners = (
        Membership.objects.select_for_update()
        .filter(organization=membership.organization, role=Role.OWNER)
        .exclude(pk=membership.pk)
    )
    if not owners.exists():
        raise OrganizationError(
            "An organization needs at least one owner: make someone else owner first.", code="last_owner"
        )


def _invitation_send(membership: Membership) -> None:
    from operations.organizations.tasks import invitation_send

    invitation_send.delay(membership_id=membership.pk)


def current_organization() -> Organization | None:
    """The organization whose schema the connection is in (None on the root domain)."""
    tenant = getattr(connection, "tenant", None)
    if tenant is None or tenant.schema_name == get_public_schema_name():
        return None
    return tenant
