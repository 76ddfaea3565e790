from allauth.account.signals import password_reset
from axes.utils import reset as axes_reset
from django.dispatch import receiver


@receiver(password_reset)
def lift_lockout_after_password_reset(sender, request, user, **kwargs):
    """Someone who proved they own the address by resetting the password may sign in again."""
    axes_reset(username=user.email)
