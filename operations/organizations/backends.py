from django.contrib.auth.backends import BaseBackend
from django.db import connection
from django_tenants.utils import get_public_schema_name

from operations.organizations.roles import role_permissions


class MembershipBackend(BaseBackend):
    """Permissions inside an organization, from the user's membership in *that* organization.

    Ignores user-level permissions, groups' model permissions and the platform operator flag: a
    right granted anywhere else never leaks into an organization. On the root domain (public
    schema) it grants nothing; the platform admin is for operators (User.is_superuser).
    """

    def authenticate(self, request, **credentials):
        return None

    def _permissions(self, user_obj) -> frozenset[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return frozenset()
        schema = connection.schema_name
        if schema == get_public_schema_name():
            return frozenset()
        cache = user_obj.__dict__.setdefault("_membership_permissions", {})
        if schema not in cache:
            cache[schema] = role_permissions(membership_role(user_obj, schema))
        return cache[schema]

    def get_all_permissions(self, user_obj, obj=None):
        return set(self._permissions(user_obj))

    def get_group_permissions(self, user_obj, obj=None):
        return set(self._permissions(user_obj))

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self._permissions(user_obj)

    def has_module_perms(self, user_obj, app_label):
        prefix = f"{app_label}."
        return any(perm.startswith(prefix) for perm in self._permissions(user_obj))


def membership_role(user, schema_name: str) -> str | None:
    from operations.organizations.models import Membership

    return (
        Membership.objects.filter(
            user=user, organization__schema_name=schema_name, organization__is_active=True
        )
        .values_list("role", flat=True)
        .first()
    )
