"""Provider events (webhooks): every delivery verified, stored, and processed exactly once.

The event id is unique per provider (constraint), and processing happens under a row lock on the
stored event with its processed time written in the same transaction: a replay, a duplicate or ten
concurrent deliveries of one event find it processed and change nothing. Out-of-order events are
safe because payment_apply never lets a late failure undo a success.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from operations.audit.services import audit_record
from operations.core.errors import DomainError
from operations.payments.errors import PaymentError
from operations.payments.models import Payment, ProviderEvent, Refund
from operations.payments.providers import ProviderNotice, provider_get
from operations.payments.services.payments import payment_apply
from operations.ticketing.models import Order

log = logging.getLogger(__name__)


def webhook_receive(*, provider: str, body: bytes, headers) -> ProviderEvent:
    """Verify, store and process one delivery. Raises PaymentError(signature_invalid, event_invalid)
    before anything is written when the delivery is not a valid signed event."""
    notice = provider_get(provider).event_parse(body, headers)
    try:
        with transaction.atomic():
            event, created = ProviderEvent.objects.get_or_create(
                provider=provider, event_id=notice.event_id, defaults={"type": notice.type, "payload": notice.payload})
    except IntegrityError:  # a concurrent delivery stored it first
        event, created = ProviderEvent.objects.get(provider=provider, event_id=notice.event_id), False
    if not created:
        ProviderEvent.objects.filter(pk=event.pk).update(deliveries=F("deliveries") + 1)
    return webhook_process(event_pk=event.pk, notice=notice)


def webhook_process(*, event_pk: int, notice: ProviderNotice) -> ProviderEvent:
    try:
        with transaction.atomic():
            event = ProviderEvent.objects.select_for_update().get(pk=event_pk)
            if event.processed_at is not None:
                return event  # already processed: a replay or a duplicate
            try:
                with transaction.atomic():
                    event.result, event.payment = _dispatch(event, notice)
                    event.error = ""
            except DomainError as error:  # known refusal: recorded, not retried
                if error.code == "busy":
                    raise  # locks not granted in time: let the provider deliver again
                event.result, event.error = "not applied", error.message[:500]
            event.processed_at = timezone.now()
            event.save(update_fields=["result", "error", "processed_at", "payment"])
            return event
    except Exception as error:
        # Unexpected: record it for the admin and let the provider deliver again later.
        ProviderEvent.objects.filter(pk=event_pk).update(error=f"{type(error).__name__} (will retry)"[:500])
        log.exception("processing provider event %s failed", event_pk)
        raise


def _payment(provider: str, reference: str) -> Payment:
    payment = Payment.objects.filter(provider=provider, provider_reference=reference).first() if reference else None
    if payment is None:
        raise PaymentError("No payment of this organization has this reference.", code="payment_unknown")
    return payment


def _dispatch(event: ProviderEvent, notice: ProviderNotice) -> tuple[str, Payment | None]:
    if notice.kind == "ignored":
        return "ignored (type not used)", None
    payment = _payment(event.provider, notice.reference)
    if notice.kind == "payment":
        outcome = payment_apply(payment=payment, status=notice.status, source=f"webhook {notice.type}")
        return outcome.result, payment
    if notice.kind == "refund":
        return _refunded_at_provider(payment, notice), payment
    if notice.kind == "dispute":
        return _disputed(payment, notice), payment
    return "ignored", payment


def _refunded_at_provider(payment: Payment, notice: ProviderNotice) -> str:
    """charge.refunded: money given back outside Tessera (e.g. in the Stripe dashboard) is recorded
    as a refund; refunds Tessera made itself are already counted."""
    from operations.payments.services.refunds import refund_snapshot
    from operations.ticketing.services.lifecycle import order_refund

    order = Order.objects.select_for_update().get(pk=payment.order_id)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    known = locked.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount"))["s"] or 0
    extra = (notice.refunded_total or 0) - known
    if extra <= 0:
        return "refund already recorded"
    refund = Refund.objects.create(payment=locked, order=order, amount=extra, currency=locked.currency,
                                   status=Refund.Status.SUCCEEDED, reason="Refunded at the provider.",
                                   settled_at=timezone.now())
    audit_record("refund.succeeded", target=refund, after={**refund_snapshot(refund), "source": notice.type})
    if order.status in (Order.Status.CONFIRMED, Order.Status.PARTIALLY_REFUNDED) and extra <= order.paid:
        order_refund(order=order, amount=extra, actor=None)
    return f"refund of {extra} {locked.currency} recorded"


def _disputed(payment: Payment, notice: ProviderNotice) -> str:
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    before = locked.status
    locked.status, locked.failure_message, locked.updated_at = Payment.Status.DISPUTED, notice.message, timezone.now()
    locked.save(update_fields=["status", "failure_message", "updated_at"])
    audit_record("payment.disputed", target=locked, before={"status": before},
                 after={"status": locked.status, "dispute": notice.message})
    return "dispute recorded; answer it in the provider's dashboard"
