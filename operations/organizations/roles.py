"""What each organization role may do. The single place that turns a role into permissions.

Model permissions are global in Django; MembershipBackend grants them only for the organization
whose schema the request runs in. Page and collection permissions are granted to the
organization's role groups inside its own schema (see services.organization_role_groups_grant).
"""

from functools import lru_cache

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MARKETING = "marketing", "Marketing"
    STAFF = "staff", "Check-in staff"
    FINANCE = "finance", "Finance"


ACCESS_ADMIN = "wagtailadmin.access_admin"

# App labels whose permissions a role receives in full.
ROLE_APPS: dict[str, set[str]] = {
    Role.MARKETING: {"cms", "wagtailimages", "wagtaildocs", "wagtailforms", "wagtailredirects", "wagtailembeds", "taggit"},
    Role.FINANCE: {"payments", "exports", "invoicing"},
}
# App labels whose view permissions a role receives: finance sees what is sold and who came, and
# handles orders (ROLE_EXTRA), but does not change events, ticket types, quotas or promo codes.
ROLE_VIEW_APPS: dict[str, set[str]] = {
    Role.FINANCE: {"ticketing", "checkin"},
}
# Single permissions a role receives beyond its apps.
ROLE_EXTRA: dict[str, set[str]] = {
    Role.MARKETING: {"events.view_event"},
    # Check-in staff scan and look attendees up; undo, manual check-in, lists and the dashboard
    # are for owners and admins (who hold every checkin permission).
    Role.STAFF: {"events.view_event", "ticketing.view_order", "checkin.scan_ticket", "checkin.view_checkinlist"},
    Role.FINANCE: {"events.view_event", "audit.view_auditentry", "ticketing.change_order"},
    Role.ADMIN: {"organizations.manage_team"},
    Role.OWNER: {"organizations.manage_team", "organizations.manage_owners"},
}
# Never granted inside an organization: these screens list every account on the platform.
NEVER = {"auth", "accounts", "wagtailusers", "organizations", "sessions", "admin", "contenttypes", "axes", "account"}
# Roles whose group edits pages and collections.
PAGE_EDITING_ROLES = {Role.OWNER, Role.ADMIN, Role.MARKETING}


@lru_cache(maxsize=1)
def _permissions_by_app() -> dict[str, frozenset[str]]:
    from django.contrib.auth.models import Permission

    by_app: dict[str, set[str]] = {}
    for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename"):
        by_app.setdefault(app_label, set()).add(f"{app_label}.{codename}")
    return {label: frozenset(perms) for label, perms in by_app.items()}


@lru_cache(maxsize=8)
def role_permissions(role: str | None) -> frozenset[str]:
    """Every 'app_label.codename' a role holds inside its organization (empty for no role)."""
    if not role:
        return frozenset()
    by_app = _permissions_by_app()
    if role in (Role.OWNER, Role.ADMIN):
        apps = set(by_app) - NEVER
    else:
        apps = ROLE_APPS.get(role, set())
    granted = {perm for label in apps for perm in by_app.get(label, ())}
    granted |= {perm for label in ROLE_VIEW_APPS.get(role, ()) for perm in by_app.get(label, ())
                if perm.split(".", 1)[1].startswith("view_")}
    return frozenset(granted | ROLE_EXTRA.get(role, set()) | {ACCESS_ADMIN})


def role_permissions_forget() -> None:
    """Call after migrations add permissions."""
    _permissions_by_app.cache_clear()
    role_permissions.cache_clear()
