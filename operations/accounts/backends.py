from django.contrib.auth.backends import BaseBackend

from operations.accounts.models import User


class EmailBackend(BaseBackend):
    """Signs people in by e-mail and password. Grants no permissions: those come only from
    memberships (operations.organizations.backends.MembershipBackend)."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        address = (email or username or kwargs.get("login") or "").strip()
        if not address or password is None:
            return None
        try:
            user = User.objects.get(email__iexact=address)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing hint
            return None
        if user.is_active and user.check_password(password):
            return user
        return None

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_active=True).first()


def credentials_email(request, credentials: dict) -> str | None:
    """The address django-axes counts failed sign-ins against, whatever the form called it."""
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    return value.strip().lower() if value else None
