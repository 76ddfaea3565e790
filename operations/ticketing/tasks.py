"""Celery entry points for ticketing: thin, idempotent, run inside the organization's schema
(tenant_schemas_celery carries the caller's schema in a header)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django_tenants.utils import schema_context

from operations.ticketing.models import Order

log = logging.getLogger(__name__)

SUBJECTS = {
    "confirmed": "Your tickets for {event}: {code}",
    "awaiting_payment": "Your registration for {event}: please pay ({code})",
    "awaiting_approval": "We received your registration for {event} ({code})",
    "rejected": "Your registration for {event} was not approved ({code})",
    "cancelled": "Your order for {event} was cancelled ({code})",
    "expired": "Your reservation for {event} expired ({code})",
    "resend": "Your order for {event}: {code}",
    "refund_succeeded": "Your refund for {event} ({code})",
}


def _organization():
    """The organization whose schema this task runs in (tenant_schemas_celery switched to it)."""
    from operations.organizations.models import Organization

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organization):
        return tenant
    return Organization.objects.filter(schema_name=connection.schema_name).first()


def _branding():
    try:
        from wagtail.models import Site

        from cms.models import Branding

        site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
        if site:
            return Branding.for_site(site)
    except Exception:  # branding is decoration: a missing site must not stop the e-mail  # noqa: BLE001
        log.warning("branding unavailable for ticket e-mail", exc_info=True)
    return None


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def order_email_send(*, order_id: int, kind: str) -> None:
    """E-mail the buyer about their order (HTML + text); confirmed orders carry the PDF tickets and
    the .ics file. Sends nothing when the order no longer exists."""
    from operations.ticketing.services.documents import calendar_links, order_ics, tickets_pdf

    order = Order.objects.select_related("event").filter(pk=order_id).first()
    if order is None or not order.email:
        return
    organization = _organization()
    order_url = organization.url(f"/register/order/{order.secret}/") if hasattr(organization, "url") else ""
    context = {"order": order, "event": order.event, "kind": kind, "organization": organization,
               "order_url": order_url, "positions": order.positions.select_related("ticket_type"),
               "calendar": calendar_links(order), "platform_name": settings.PLATFORM_NAME}
    subject = SUBJECTS.get(kind, SUBJECTS["resend"]).format(event=order.event.name, code=order.code)
    message = EmailMultiAlternatives(subject=subject, body=render_to_string("ticketing/email/order.txt", context),
                                     to=[order.email])
    message.attach_alternative(render_to_string("ticketing/email/order.html", context), "text/html")
    if order.status == Order.Status.CONFIRMED and kind in ("confirmed", "resend"):
        branding = _branding()
        pdf = tickets_pdf(order, organization_name=getattr(organization, "display_name", ""),
                          primary_colour=getattr(branding, "primary_colour", "#1d4ed8"))
        message.attach(f"tickets-{order.code}.pdf", pdf, "application/pdf")
        message.attach(f"{order.code}.ics", order_ics(order, url=order_url), "text/calendar")
        from operations.invoicing.services.receipts import receipt_attachment

        if receipt := receipt_attachment(order):  # none for free orders
            message.attach(*receipt, "application/pdf")
    message.send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def waiting_list_offer(*, event_id: int) -> None:
    from operations.ticketing.services.waitlist import waiting_list_offer_next

    waiting_list_offer_next(event_id=event_id)


@shared_task
def orders_expire() -> int:
    """Expire due reservations in the current organization (then notify its waiting lists)."""
    from operations.ticketing.services.lifecycle import order_expire_due

    return order_expire_due()


@shared_task
def orders_expire_all_organizations() -> int:
    """Beat entry point (runs in public): one orders_expire task per organization."""
    from operations.organizations.models import Organization

    count = 0
    for schema_name in Organization.objects.real().filter(is_active=True).values_list("schema_name", flat=True):
        with schema_context(schema_name):
            orders_expire.delay()
        count += 1
    return count


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def waiting_list_offer_email(*, entry_id: int) -> None:
    from operations.ticketing.models import WaitingListEntry

    entry = WaitingListEntry.objects.select_related("order", "event").filter(pk=entry_id).first()
    if entry is None or entry.order is None:
        return
    organization = _organization()
    url = organization.url(f"/register/order/{entry.order.secret}/details/") if hasattr(organization, "url") else ""
    context = {"entry": entry, "event": entry.event, "url": url, "organization": organization}
    message = EmailMultiAlternatives(
        subject=f"A seat is free for {entry.event.name}",
        body=render_to_string("ticketing/email/waiting_list_offer.txt", context), to=[entry.email])
    message.send()
