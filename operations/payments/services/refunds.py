"""Refunds: full or partial, from the admin (with a reason), from attendee cancellation, or
automatic (late payment for seats already taken, double payment). A Refund row is written first
(pending), the provider is called outside any transaction, then the row and the order move."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from operations.audit.services import audit_record
from operations.core.queue import after_commit
from operations.payments.errors import PaymentError
from operations.payments.models import Payment, Refund
from operations.payments.providers import provider_get
from operations.ticketing.models import Order
from operations.ticketing.money import money_is_exact
from operations.ticketing.services.lifecycle import order_cancel, order_refund

S = Order.Status


def refund_snapshot(refund: Refund) -> dict:
    return {"amount": str(refund.amount), "currency": refund.currency, "status": refund.status,
            "reason": refund.reason, "reference": refund.provider_reference, "automatic": refund.automatic,
            "payment": refund.payment_id}


def _pending_total(order: Order) -> Decimal:
    return order.refunds.filter(status=Refund.Status.PENDING, automatic=False).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def _split(order: Order, amount: Decimal) -> list[tuple[Payment | None, Decimal]]:
    """Which payments give the money back: card payments first (newest first), the rest offline."""
    parts = []
    for payment in order.payments.filter(status=Payment.Status.SUCCEEDED, provider="stripe").order_by("-pk"):
        refunded = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount"))["s"] or 0
        take = min(amount, payment.amount - refunded)
        if take > 0:
            parts.append((payment, take))
            amount -= take
    if amount > 0:
        parts.append((None, amount))
    return parts


def refund_request(*, order: Order, amount, reason: str, actor, request=None) -> list[Refund]:
    """Refund ``amount`` of a confirmed order (admin). The order follows once the provider agrees:
    refunded, or partially refunded. Raises PaymentError(amount_invalid, reason_required,
    not_refundable)."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError("Give a reason for the refund.", code="reason_required")
    try:
        amount = Decimal(str(amount).strip())
    except InvalidOperation:
        raise PaymentError("Enter the amount to refund.", code="amount_invalid") from None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in (S.CONFIRMED, S.PARTIALLY_REFUNDED):
            raise PaymentError("Only confirmed orders can be refunded.", code="not_refundable")
        available = order.paid - _pending_total(order)
        if not amount.is_finite() or amount <= 0 or amount > available or not money_is_exact(amount, order.currency):
            raise PaymentError(f"Refund between 0 and {available} {order.currency}, in whole units of the currency.",
                               code="amount_invalid")
        refunds = _create(order, amount, reason[:500], actor, request)
    return [refund_execute(refund_id=r.pk, actor=actor, request=request) for r in refunds]


def _create(order, amount, reason, actor, request, *, automatic=False) -> list[Refund]:
    refunds = []
    for payment, part in _split(order, amount):
        refund = Refund.objects.create(payment=payment, order=order, amount=part, currency=order.currency, reason=reason,
                                       automatic=automatic, actor=actor if getattr(actor, "is_authenticated", False) else None)
        audit_record("refund.requested", actor=actor, target=refund, after=refund_snapshot(refund), request=request)
        refunds.append(refund)
    return refunds


def refund_execute(*, refund_id: int, actor=None, request=None) -> Refund:
    """Ask the provider to pay a pending refund back, then record the result: succeeded (the order
    becomes refunded / partially refunded) or failed (shown in the admin, can be retried).
    Safe to run twice: the provider call carries the refund's idempotency key."""
    refund = Refund.objects.select_related("payment", "order").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    provider = provider_get(refund.payment.provider if refund.payment else "offline")
    try:
        reference, error = provider.refund_create(refund), None
    except PaymentError as failure:
        reference, error = "", failure
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return refund
        before = refund_snapshot(refund)
        if error is not None:
            refund.status, refund.failure_message = Refund.Status.FAILED, error.message[:500]
        else:
            refund.status, refund.provider_reference, refund.settled_at = Refund.Status.SUCCEEDED, reference, timezone.now()
        refund.save()
        audit_record(f"refund.{refund.status}", actor=actor, target=refund, before=before, after=refund_snapshot(refund),
                     request=request)
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        if refund.status == Refund.Status.SUCCEEDED and order.status in (S.CONFIRMED, S.PARTIALLY_REFUNDED) \
                and not refund.automatic and refund.amount <= order.paid:
            order_refund(order=order, amount=refund.amount, actor=actor, request=request)
        _email_after_commit(refund)
    return refund


def _email_after_commit(refund: Refund) -> None:
    from operations.ticketing.tasks import order_email_send

    order_id, kind = refund.order_id, f"refund_{refund.status}"
    if refund.status == Refund.Status.SUCCEEDED:
        after_commit(order_email_send, order_id=order_id, kind=kind)


def refund_retry(*, refund: Refund, actor, request=None) -> Refund:
    """Try a failed refund again (a new Refund row, so the history stays)."""
    with transaction.atomic():
        failed = Refund.objects.select_for_update().get(pk=refund.pk)
        if failed.status != Refund.Status.FAILED:
            raise PaymentError("Only failed refunds can be retried.", code="not_refundable")
        again = Refund.objects.create(payment=failed.payment, order=failed.order, amount=failed.amount,
                                      currency=failed.currency, reason=failed.reason, automatic=failed.automatic,
                                      actor=actor if getattr(actor, "is_authenticated", False) else None)
        audit_record("refund.retried", actor=actor, target=again, after=refund_snapshot(again), request=request)
    return refund_execute(refund_id=again.pk, actor=actor, request=request)


def order_cancel_refunding(*, order: Order, actor=None, reason: str = "", by_attendee: bool = False,
                           request=None) -> Order:
    """Cancel an order (ticketing's rules, incl. the attendee self-service policy) and give the money
    back through the provider it came from when the policy says so. Raises OrderError as
    order_cancel does."""
    if order.status == S.ON_HOLD:
        if by_attendee:
            raise PaymentError("Your payment is being checked; please contact the organizer.", code="cancel_not_allowed")
        # The money of a held order sits in the held payments: refusing the review refunds them.
        from operations.payments.services.payments import order_hold_resolve

        return order_hold_resolve(order=order, accept=False, actor=actor, reason=reason or "Order cancelled.",
                                  request=request)
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("event").get(pk=order.pk)
        paid = locked.paid - _pending_total(locked)
        refund_due = paid > 0 and (not by_attendee or locked.event.self_cancel_refund)
        cancelled = order_cancel(order=locked, actor=actor, reason=reason, by_attendee=by_attendee, request=request)
        refunds = _create(cancelled, paid, reason or "Order cancelled.", actor, request, automatic=True) if refund_due else []
    for refund in refunds:
        refund_execute(refund_id=refund.pk, actor=actor, request=request)
    return cancelled
