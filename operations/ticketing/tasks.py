"""Celery entry points for ticketing: thin, idempotent, run inside the organization's schema
(tenant_schemas_celery carries the caller's schema in a header)."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import schema_context

from operations.ticketing.models import Order, Ticket, WaitingListEntry

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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def order_email_send(*, order_id: int, kind: str) -> None:
    """E-mail the buyer about their order (HTML + text); confirmed orders carry the PDF tickets and
    the .ics file. Sends nothing when the order no longer exists.

    The tickets of a confirmation go out once: the task claims the order (``tickets_emailed_at``)
    before sending and gives the claim back when sending fails, so the catch-up sweep
    (lifecycle.order_emails_catch_up) and a late first task do not both send them."""
    from operations.ticketing.services.documents import calendar_links, order_ics, tickets_pdf

    order = Order.objects.select_related("event").filter(pk=order_id).first()
    if order is None or not order.email:
        return
    if kind == "confirmed" and order.tickets_emailed_at is not None:
        return  # sent already
    organization = _organization()
    order_url = _url(organization, f"/register/order/{order.secret}/")
    context = {"order": order, "event": order.event, "kind": kind, "organization": organization,
               "order_url": order_url, "positions": order.positions.select_related("ticket_type"),
               "calendar": calendar_links(order), "platform_name": settings.PLATFORM_NAME}
    attachments = []
    if order.status == Order.Status.CONFIRMED and kind in ("confirmed", "resend"):
        from operations.invoicing.services.receipts import receipt_attachment

        pdf = tickets_pdf(order, organization_name=getattr(organization, "display_name", ""))
        attachments += [(f"tickets-{order.code}.pdf", pdf, "application/pdf"),
                        (f"{order.code}.ics", order_ics(order, url=order_url), "text/calendar")]
        if receipt := receipt_attachment(order):  # none for free orders
            attachments.append((*receipt, "application/pdf"))
    if kind == "confirmed" and not _tickets_email_claim(order.pk):
        return  # another task sent them meanwhile
    try:
        _send(subject=SUBJECTS.get(kind, SUBJECTS["resend"]).format(event=order.event.name, code=order.code),
              template="ticketing/email/order", context=context, to=order.email, attachments=attachments)
    except Exception:
        if kind == "confirmed":
            Order.objects.filter(pk=order.pk).update(tickets_emailed_at=None)  # the retry claims it again
        raise
    if kind == "resend":
        _tickets_email_claim(order.pk)


def _tickets_email_claim(order_id: int) -> bool:
    """Note that the order's tickets are being e-mailed; False when they were already."""
    return bool(Order.objects.filter(pk=order_id, tickets_emailed_at__isnull=True).update(
        tickets_emailed_at=timezone.now()))


@shared_task
def order_emails_catch_up_all_organizations() -> int:
    """Beat entry point (runs in public): in each organization, e-mail the tickets of confirmed
    orders whose e-mail never went out. Returns how many were queued."""
    from operations.organizations.selectors import in_each_organization
    from operations.ticketing.services.lifecycle import order_emails_catch_up

    return in_each_organization(order_emails_catch_up, name="tickets e-mail catch-up")


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


def _send(*, subject: str, template: str, context: dict, to: str, attachments=()) -> None:
    """One e-mail as text and HTML (``template``.txt and .html)."""
    message = EmailMultiAlternatives(subject=subject, body=render_to_string(f"{template}.txt", context), to=[to])
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    for attachment in attachments:
        message.attach(*attachment)
    message.send()


def _url(organization, path: str) -> str:
    return organization.url(path) if hasattr(organization, "url") else ""


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def waiting_list_offer_email(*, entry_id: int) -> None:
    """Tell the person offered a seat how to take it and until when (in the event's time zone).
    Sends nothing once the offer is no longer open."""
    entry = WaitingListEntry.objects.select_related("order", "event", "session").filter(pk=entry_id).first()
    if entry is None or entry.order is None or entry.status != WaitingListEntry.Status.OFFERED:
        return
    organization = _organization()
    context = {"entry": entry, "event": entry.event, "organization": organization,
               "url": _url(organization, f"/register/order/{entry.order.secret}/details/")}
    _send(subject=f"A seat is free for {entry.event.name}", template="ticketing/email/waiting_list_offered",
          context=context, to=entry.email)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def waiting_list_lapsed_email(*, entry_id: int) -> None:
    """Tell the person whose offer ran out (or was withdrawn) that the seat went to the next in line."""
    entry = WaitingListEntry.objects.select_related("event", "session").filter(pk=entry_id).first()
    if entry is None or entry.status != WaitingListEntry.Status.LAPSED:
        return
    organization = _organization()
    context = {"entry": entry, "event": entry.event, "organization": organization,
               "url": _url(organization, f"/register/{entry.event.slug}/")}
    _send(subject=f"Your held seat for {entry.event.name} has been released",
          template="ticketing/email/waiting_list_lapsed", context=context, to=entry.email)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def ticket_transferred_email(*, ticket_id: int, recipient: str, previous_name: str = "") -> None:
    """After a transfer: the new holder gets their ticket (``recipient`` "holder"), the buyer a
    notice (``recipient`` "buyer"). Sends nothing once the ticket was revoked (transferred again:
    that transfer sends its own)."""
    from operations.ticketing.services.documents import tickets_pdf

    ticket = (Ticket.objects.select_related("position__ticket_type", "position__order__event")
              .filter(pk=ticket_id, revoked_at__isnull=True).first())
    if ticket is None:
        return
    position, order = ticket.position, ticket.position.order
    organization = _organization()
    context = {"ticket": ticket, "position": position, "order": order, "event": order.event,
               "organization": organization, "previous_name": previous_name, "recipient": recipient,
               "order_url": _url(organization, f"/register/order/{order.secret}/")}
    if recipient == "buyer":
        if order.email:
            _send(subject=f"A ticket for {order.event.name} was transferred ({order.code})",
                  template="ticketing/email/ticket_transfer_notice", context=context, to=order.email)
        return
    # The holder gets this ticket only: the order's other tickets are the buyer's.
    attachment = (f"ticket-{order.code}-{ticket.pk}.pdf", tickets_pdf(
        order, organization_name=getattr(organization, "display_name", ""), tickets=[ticket]), "application/pdf")
    _send(subject=f"Your ticket for {order.event.name}", template="ticketing/email/ticket_transferred",
          context=context, to=position.attendee_email, attachments=[attachment])
