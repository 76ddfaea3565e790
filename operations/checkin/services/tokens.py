"""Scanner tokens: what a device sends instead of a session and CSRF token (API clients, scripts).

A token names the user and the organization's schema and is signed with the site's secret; the
permission is still checked against the user's membership in the organization on every request,
so removing someone from the team stops their token at once."""

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection
from django.db.models import OuterRef, Subquery

from operations.organizations.access import KeptAnswers
from operations.organizations.models import Membership
from operations.organizations.roles import role_permissions

_users = KeptAnswers()

SALT = "tessera.checkin.token"
MAX_AGE = 24 * 3600


def scanner_token_issue(*, user) -> str:
    return signing.dumps({"u": user.pk, "s": connection.schema_name}, salt=SALT, compress=True)


def scanner_token_user(token: str):
    """The active user a token names for *this* organization, or None. The user and their role here
    come in one query, kept per process until a user, membership or organization changes (a scan
    is latency-critical); the role's permissions are handed to MembershipBackend's per-schema
    cache so that has_perm needs no second query."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    schema = connection.schema_name
    if not isinstance(data, dict) or data.get("s") != schema:
        return None
    user = _users.get((schema, data.get("u")), lambda: _user_load(data.get("u"), schema))
    if user is not None:
        user.__dict__.setdefault("_membership_permissions", {})[schema] = role_permissions(user.role_here)
    return user


def _user_load(user_id, schema: str):
    return (get_user_model().objects.filter(pk=user_id, is_active=True)
            .annotate(role_here=Subquery(Membership.objects.filter(
                user=OuterRef("pk"), organization__schema_name=schema, organization__is_active=True)
                .values("role")[:1])).first())
