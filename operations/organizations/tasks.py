from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tenants.utils import schema_context

from operations.organizations.models import Membership


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send(*, membership_id: int) -> None:
    """E-mail a new member the link to their organization's admin (and to set a password)."""
    membership = Membership.objects.select_related("user", "organization").filter(pk=membership_id).first()
    if membership is None:  # removed before the mail went out
        return
    user, organization = membership.user, membership.organization
    password_url = None
    if not user.has_usable_password():
        with schema_context(organization.schema_name):
            path = reverse(
                "wagtailadmin_password_reset_confirm",
                kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                        "token": default_token_generator.make_token(user)},
            )
        password_url = organization.url(path)
    context = {
        "membership": membership,
        "organization": organization,
        "admin_url": organization.url("/admin/"),
        "password_url": password_url,
        "platform_name": settings.PLATFORM_NAME,
    }
    send_mail(
        subject=f"You have been added to {organization.display_name} on {settings.PLATFORM_NAME}",
        message=render_to_string("organizations/email/invitation.txt", context),
        html_message=render_to_string("organizations/email/invitation.html", context),
        from_email=None,
        recipient_list=[user.email],
    )
