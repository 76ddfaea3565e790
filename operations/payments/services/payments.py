"""Opening payments and applying what providers say about them.

``payment_apply`` is the one place where a provider's verdict (webhook, return from the payment
page, reconciliation) reaches an order. It runs under row locks (quotas by id, then the order,
then the payment: the ticketing lock order), so applying the same verdict twice, or two verdicts at
once, settles the payment and confirms the order exactly once.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from operations.audit.services import audit_record
from operations.core.queue import after_commit
from operations.payments.errors import PaymentError
from operations.payments.models import Payment, Refund
from operations.payments.providers import ProviderStatus, provider_get
from operations.ticketing.models import Order
from operations.ticketing.services import capacity
from operations.ticketing.services.lifecycle import order_hold_locked, order_paid_confirm_locked

P = Payment.Status
S = Order.Status


def payment_snapshot(payment: Payment) -> dict:
    return {"provider": payment.provider, "amount": str(payment.amount), "currency": payment.currency,
            "status": payment.status, "reference": payment.provider_reference, "order": payment.order_id}


def payment_start(*, order: Order, request=None) -> Payment:
    """Open (or reuse) the card payment of an order awaiting card payment and create it at the
    provider. Raises PaymentError(not_payable, provider_unavailable, not_configured)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != S.AWAITING_PAYMENT or order.payment_method != Order.PaymentMethod.STRIPE:
            raise PaymentError("This order is not waiting for a card payment.", code="not_payable")
        if order.expires_at and order.expires_at <= timezone.now():
            raise PaymentError("The time to pay for this order has run out. Please register again.", code="not_payable")
        # A failed attempt gets a fresh payment intent (its own history stays in the admin).
        payment = order.payments.filter(provider="stripe", status__in=Payment.OPEN).first()
        if payment is None:
            payment = Payment.objects.create(order=order, provider="stripe", amount=order.total - order.paid,
                                             currency=order.currency)
            audit_record("payment.created", target=payment, after=payment_snapshot(payment), request=request)
    if payment.provider_reference:
        return payment
    status = provider_get(payment.provider).payment_create(payment)  # outside the transaction: HTTP
    Payment.objects.filter(pk=payment.pk, provider_reference="").update(
        provider_reference=status.reference, client_secret=status.client_secret, updated_at=timezone.now())
    return Payment.objects.get(pk=payment.pk)


def payment_offline_record(*, order: Order, actor, proof=None, request=None) -> Payment:
    """Staff received a bank transfer or cash: record the payment (optional proof) and confirm.
    When the order's payment hold ran out, only while its seats are still free (OrderError
    hold_lapsed)."""

    def work() -> Payment:
        capacity.order_seats_lock(order.pk)  # the ticketing lock order: quotas, sessions, then the order
        locked = Order.objects.select_for_update().select_related("event").get(pk=order.pk)
        if locked.status != S.AWAITING_PAYMENT:
            raise PaymentError("Only orders awaiting payment can be marked as paid.", code="not_payable")
        now = timezone.now()  # after the locks
        capacity.order_still_fits_check(locked, now)
        payment = Payment.objects.create(order=locked, provider="offline", amount=locked.total - locked.paid,
                                         currency=locked.currency, provider_reference="", status=P.SUCCEEDED,
                                         settled_at=now)
        if proof is not None:
            payment.proof.save(proof.name, proof, save=True)
        audit_record("payment.received_offline", actor=actor, target=payment, after=payment_snapshot(payment),
                     request=request)
        order_paid_confirm_locked(locked, amount=payment.amount, now=now, actor=actor, request=request,
                                  source="offline")
        return payment

    return capacity.with_lock_retry(work)


@dataclass
class Outcome:
    result: str  # what happened, for the webhook log and the admin
    payment: Payment | None = None


def payment_apply(*, payment: Payment, status: ProviderStatus, source: str, actor=None, request=None) -> Outcome:
    """Apply the provider's view of ``payment``. Idempotent: a settled payment stays settled, and a
    late or repeated failure never undoes a success (out-of-order events change nothing).

    Success → amount and currency checked against the order (mismatch: order held for review) →
    order confirmed; after the hold expired: confirmed if the seats are still free (re-checked under
    the quota locks), else refunded automatically; an order already paid or cancelled: refunded."""
    refunds: list[int] = []

    def work() -> Outcome:
        refunds.clear()  # a retried attempt starts again from nothing
        order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment.pk)
        if status.state == P.SUCCEEDED:  # the ticketing lock order: quotas, sessions, then the order
            capacity.order_seats_lock(order_id)
        order = Order.objects.select_for_update().select_related("event").get(pk=order_id)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        now = timezone.now()  # after the locks: a hold that lapsed while waiting for them has lapsed
        before = payment_snapshot(locked)
        if status.state == P.SUCCEEDED:
            result = _succeeded(order, locked, status, now, source, actor, request, refunds)
        elif locked.status in (P.SUCCEEDED, P.HELD, P.DISPUTED):
            result = f"ignored {status.state}: payment already {locked.status}"
        elif status.state in (P.FAILED, P.CANCELED) or status.state in Payment.OPEN:
            if locked.status == status.state and status.state != P.FAILED:
                return Outcome(f"unchanged ({status.state})", locked)
            locked.status = status.state
            locked.failure_message = status.message[:500]
            result = f"payment {status.state}"
        else:
            result = f"ignored state {status.state}"
        locked.updated_at = now
        locked.save()
        if payment_snapshot(locked) != before:
            audit_record(f"payment.{locked.status}", actor=actor, target=locked, before=before,
                         after={**payment_snapshot(locked), "source": source, "result": result}, request=request)
        return Outcome(result, locked)

    outcome = capacity.with_lock_retry(work)
    for refund_id in refunds:
        _refund_after_commit(refund_id)
    return outcome


def _succeeded(order, payment, status, now, source, actor, request, refunds: list[int]) -> str:
    if payment.status in (P.SUCCEEDED, P.HELD, P.DISPUTED):
        return f"already {payment.status}"
    payment.settled_at = now
    payment.amount_received = payment.amount if status.amount is None else status.amount
    payment.currency_received = (status.currency or payment.currency).upper()
    mismatch = (status.amount is not None and status.amount != payment.amount) or \
        (status.currency and status.currency.upper() != payment.currency.upper()) or \
        payment.currency.upper() != order.currency.upper() or payment.amount != order.total - order.paid
    # Waiting for this payment, and its seats still its own (or, its hold lapsed, still free): a
    # payment held for review keeps the seats, so it must not take seats someone else holds now.
    payable = order.status in (S.AWAITING_PAYMENT, S.EXPIRED)
    late = payable and capacity.order_hold_lapsed(order, now)
    seated = payable and (not late or capacity.order_fits(order, now))
    if mismatch and seated:
        payment.status = P.HELD
        payment.failure_message = (f"Received {status.amount} {status.currency}, expected "
                                   f"{order.total - order.paid} {order.currency}.")[:500]
        order_hold_locked(order, reason=payment.failure_message, actor=actor, request=request)
        return "held for review: amount or currency does not match the order"
    payment.status = P.SUCCEEDED
    if seated:
        order_paid_confirm_locked(order, amount=payment.amount, now=now, actor=actor, request=request, source=source)
        return "late payment: seats still free, order confirmed" if late else "order confirmed"
    reason = {S.EXPIRED: "Paid after the reservation expired and the seats were taken.",
              S.AWAITING_PAYMENT: "Paid after the reservation expired and the seats were taken.",
              S.ON_HOLD: "Paid while the order was held for review."}.get(
        order.status, f"Paid for an order that is already {order.get_status_display().lower()}.")
    # Give back exactly what arrived (it may differ from what was asked for).
    refund = Refund.objects.create(payment=payment, order=order, amount=payment.amount_received,
                                   currency=payment.currency_received, reason=reason, automatic=True)
    audit_record("refund.requested", target=refund, after={"amount": str(refund.amount), "reason": reason,
                                                           "automatic": True}, request=request)
    refunds.append(refund.pk)
    return f"refunded automatically: {reason}"


def _refund_after_commit(refund_id: int) -> None:
    from operations.payments.tasks import refund_execute_task

    after_commit(refund_execute_task, refund_id=refund_id)


def payment_refresh(*, payment: Payment, source: str = "return", request=None) -> Outcome:
    """Ask the provider about an open payment and apply the answer (return from the payment page,
    reconciliation). Raises PaymentError(provider_unavailable)."""
    if not payment.provider_reference:
        return Outcome("no provider reference yet", payment)
    status = provider_get(payment.provider).payment_status(payment)
    return payment_apply(payment=payment, status=status, source=source, request=request)


def payment_card_confirm(*, payment: Payment, payment_method: str, request=None) -> Outcome:
    """Confirm a card payment with a card the browser tokenised at the provider (Stripe.js stand-in
    in test mode), then apply the result."""
    if payment.status not in Payment.OPEN or not payment.provider_reference:
        raise PaymentError("This payment cannot be paid again.", code="not_payable")
    provider = provider_get(payment.provider)
    if not hasattr(provider, "payment_method_confirm"):
        raise PaymentError("This provider confirms payments itself.", code="not_payable")
    status = provider.payment_method_confirm(payment, payment_method)
    return payment_apply(payment=payment, status=status, source="card", request=request)


def order_hold_resolve(*, order: Order, accept: bool, actor, reason: str = "", request=None) -> Order:
    """Staff decide about an order held for review: accept what was received (order confirmed) or
    refuse it (order cancelled, every held payment refunded in full through its provider).
    Raises PaymentError(not_held, reason_required)."""
    from operations.payments.services.refunds import refund_execute
    from operations.ticketing.services.lifecycle import order_cancel

    reason = (reason or "").strip()
    if not accept and not reason:
        raise PaymentError("Give a reason; the buyer will read it.", code="reason_required")
    refunds = []
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("event").get(pk=order.pk)
        if locked.status != S.ON_HOLD:
            raise PaymentError("This order is not held for review.", code="not_held")
        held = list(locked.payments.select_for_update().filter(status=P.HELD))
        if accept and any((p.currency_received or p.currency) != locked.currency for p in held):
            raise PaymentError("A payment in another currency cannot be accepted; refuse and refund it.",
                               code="currency_mismatch")
        for payment in held:
            before = payment_snapshot(payment)
            payment.status = P.SUCCEEDED  # the money arrived either way; refusing refunds it below
            payment.save(update_fields=["status"])
            audit_record("payment.review_accepted" if accept else "payment.review_refused", actor=actor,
                         target=payment, before=before, after=payment_snapshot(payment), request=request)
        if accept:
            received = sum((p.amount_received or p.amount for p in held), start=0)
            order_paid_confirm_locked(locked, amount=received, now=timezone.now(), actor=actor, request=request,
                                      source="review")
        else:
            order_cancel(order=locked, actor=actor, reason=reason, request=request)
            for payment in held:
                refund = Refund.objects.create(payment=payment, order=locked, amount=payment.amount_received or payment.amount,
                                               currency=payment.currency_received or payment.currency,
                                               reason=reason[:500], automatic=True,
                                               actor=actor if getattr(actor, "is_authenticated", False) else None)
                audit_record("refund.requested", actor=actor, target=refund, after={"amount": str(refund.amount)},
                             request=request)
                refunds.append(refund.pk)
    for refund_id in refunds:
        refund_execute(refund_id=refund_id, actor=actor, request=request)
    locked.refresh_from_db()
    return locked
