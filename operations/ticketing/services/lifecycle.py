"""The order state machine and the services that move an order through it.

pending ─┬─> awaiting_approval ─┬─> awaiting_payment ─┬─> confirmed ─┬─> cancelled
         ├─> awaiting_payment ──┘                     │              ├─> refunded
         ├─> confirmed          (and every non-final state ─> cancelled / expired)
Every transition is checked here, audited with before/after, and its e-mail queued after commit.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from operations.audit.services import audit_record
from operations.core.queue import after_commit
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, PromoCode, Ticket
from operations.ticketing.services import capacity

S = Order.Status
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.AWAITING_APPROVAL, S.AWAITING_PAYMENT, S.CONFIRMED, S.CANCELLED, S.EXPIRED},
    S.AWAITING_APPROVAL: {S.AWAITING_PAYMENT, S.CONFIRMED, S.CANCELLED, S.EXPIRED},
    S.AWAITING_PAYMENT: {S.CONFIRMED, S.CANCELLED, S.EXPIRED, S.ON_HOLD},
    S.CONFIRMED: {S.CANCELLED, S.REFUNDED, S.PARTIALLY_REFUNDED},
    S.PARTIALLY_REFUNDED: {S.REFUNDED, S.CANCELLED},
    # A payment whose amount or currency did not match the order waits for staff.
    S.ON_HOLD: {S.CONFIRMED, S.CANCELLED},
    S.CANCELLED: set(),
    # Only a late card payment revives an expired order (order_paid_confirm_locked, seats re-checked).
    S.EXPIRED: {S.CONFIRMED, S.ON_HOLD},
    S.REFUNDED: set(),
}
# How long a submitted card order holds its seats while the attendee pays.
CARD_PAYMENT_HOLD_MINUTES = 30


def order_snapshot(order: Order) -> dict:
    return {"code": order.code, "status": order.status, "email": order.email, "name": order.name,
            "total": str(order.total), "currency": order.currency, "paid": str(order.paid),
            "expires_at": order.expires_at.isoformat() if order.expires_at else None}


def _move(order: Order, to: str) -> None:
    if to not in TRANSITIONS[order.status]:
        raise OrderError(f"An order that is {order.get_status_display().lower()} cannot become "
                         f"{S(to).label.lower()}.", code="invalid_transition")
    order.status = to


def _email_after_commit(order: Order, kind: str, **extra) -> None:
    from operations.ticketing.tasks import order_email_send

    after_commit(order_email_send, order_id=order.pk, kind=kind, **extra)


def _tickets_issue(order: Order, positions=None) -> None:
    """A ticket for every position of the order that holds no valid one (two statements), or for
    each of ``positions`` when the caller knows that none holds one (one statement)."""
    if positions is None:
        valid = Ticket.objects.filter(position=OuterRef("pk"), revoked_at__isnull=True)
        positions = order.positions.filter(is_cancelled=False).exclude(Exists(valid)).order_by("pk")
    Ticket.objects.bulk_create([Ticket(position=position) for position in positions if not position.is_cancelled])


def _confirm_move(order: Order, now) -> None:
    _move(order, S.CONFIRMED)
    order.confirmed_at = now
    order.expires_at = None


def _confirmed(order: Order, positions=None) -> None:
    """What a confirmation brings, once the order and its positions are written: tickets, and the
    receipt after commit."""
    _tickets_issue(order, positions)
    from operations.invoicing.services.receipts import receipt_issue_on_commit  # numbered after commit

    receipt_issue_on_commit(order)


def _confirm(order: Order, now, positions=None) -> None:
    _confirm_move(order, now)
    _confirmed(order, positions)


def _promo_release(order: Order) -> None:
    if order.promo_code_id:
        PromoCode.objects.filter(pk=order.promo_code_id).update(used_count=Greatest(F("used_count") - 1, 0))


def order_submit_locked(order: Order, *, payment_method: str, now, request=None, before=None,
                        positions=None) -> None:
    """Submit a locked pending order: free → confirmed, else offline → awaiting payment; events that
    require approval → awaiting approval first. Raises OrderError(payment_method_invalid).
    ``positions``: the order's positions, when the caller has them (they hold no tickets yet)."""
    kind = order_submit_move(order, payment_method=payment_method, now=now)
    order.save()
    order_submitted(order, kind, positions=positions, before=before, request=request)


def order_submit_move(order: Order, *, payment_method: str, now) -> str:
    """The submission's step of the state machine, in memory only: the order's new status, payment
    method and hold; returns what happened (confirmed, awaiting_approval, awaiting_payment,
    awaiting_card_payment). A one-step registration moves its order before writing it, so the
    order is written once, already submitted (orders.py). Raises OrderError(payment_method_invalid)."""
    event = order.event
    if order.total > 0:
        if payment_method not in ("", *payment_methods_offered()):
            raise OrderError("Choose a payment method offered for this event.", code="payment_method_invalid")
        order.payment_method = payment_method or Order.PaymentMethod.OFFLINE
    else:
        order.payment_method = Order.PaymentMethod.FREE
    if event.requires_approval:
        _move(order, S.AWAITING_APPROVAL)
        order.expires_at = now + timedelta(hours=event.approval_hold_hours)
        return "awaiting_approval"
    if order.total > 0 and order.payment_method == Order.PaymentMethod.STRIPE:
        # The attendee pays on the next page; the confirmation e-mail follows the payment.
        _move(order, S.AWAITING_PAYMENT)
        order.expires_at = now + timedelta(minutes=CARD_PAYMENT_HOLD_MINUTES)
        return "awaiting_card_payment"
    if order.total > 0:
        _move(order, S.AWAITING_PAYMENT)
        order.expires_at = now + timedelta(days=event.offline_payment_days)
        return "awaiting_payment"
    _confirm_move(order, now)
    return "confirmed"


def order_submitted(order: Order, kind: str, *, positions=None, before=None, request=None) -> None:
    """What follows a submission once the order is written with its new status (``kind`` from
    order_submit_move): tickets when confirmed, the audit entry, the e-mail after commit."""
    if kind == "confirmed":
        _confirmed(order, positions)
    audit_record(f"order.{kind}", target=order, before=before, after=order_snapshot(order), request=request,
                 actor=getattr(request, "user", None))
    if kind != "awaiting_card_payment":
        _email_after_commit(order, kind)


def payment_methods_offered() -> list[str]:
    """Payment methods of paid orders in the current organization: offline always, card when the
    organization (or, in development, the platform) has Stripe keys."""
    from operations.payments.services.accounts import stripe_credentials

    methods = [Order.PaymentMethod.OFFLINE]
    if stripe_credentials() is not None:
        methods.insert(0, Order.PaymentMethod.STRIPE)
    return methods


def order_paid_confirm_locked(order: Order, *, amount, now, actor=None, request=None, source: str = "") -> None:
    """Record ``amount`` received on a locked order and confirm it (tickets issued, e-mail queued).
    An expired order is revived only here, and only when the caller re-checked its seats under the
    quota locks (late card payment)."""
    before = order_snapshot(order)
    late = order.status == S.EXPIRED
    order.paid += amount
    _confirm(order, now)
    if late and order.promo_code_id:
        # Expiry gave the code's use back; take it again unless the code has been used up since.
        PromoCode.objects.filter(pk=order.promo_code_id).filter(
            Q(max_uses__isnull=True) | Q(used_count__lt=F("max_uses"))).update(used_count=F("used_count") + 1)
    order.save()
    audit_record("order.paid", actor=actor, target=order, before=before,
                 after={**order_snapshot(order), "amount": str(amount), "source": source, "late": late},
                 request=request)
    _email_after_commit(order, "confirmed")


def order_hold_locked(order: Order, *, reason: str, actor=None, request=None) -> None:
    """Hold a locked order for review (a payment that does not match it); staff decide."""
    before = order_snapshot(order)
    _move(order, S.ON_HOLD)
    order.expires_at = None
    order.reason = reason[:500]
    order.save()
    audit_record("order.held", actor=actor, target=order, before=before,
                 after={**order_snapshot(order), "reason": reason}, request=request)


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("event").get(pk=order.pk)


def _locked_with_seats(order: Order) -> Order:
    """The order locked after the quotas and sessions it counts against (the lock order), so that a
    hold that lapsed can be re-checked before the order moves on."""
    capacity.order_seats_lock(order.pk)
    return _locked(order)


def order_approve(*, order: Order, actor, request=None, now=None) -> Order:
    """Approve a registration: free → confirmed (tickets issued), paid → awaiting payment. When the
    approval hold ran out, only while its seats are still free (OrderError hold_lapsed)."""

    def work() -> Order:
        locked = _locked_with_seats(order)
        at = now or timezone.now()  # after the locks: a hold that lapsed while waiting for them has lapsed
        if locked.status != S.AWAITING_APPROVAL:
            raise OrderError("Only registrations awaiting approval can be approved.", code="invalid_transition")
        capacity.order_still_fits_check(locked, at)
        before = order_snapshot(locked)
        if locked.total > 0:
            _move(locked, S.AWAITING_PAYMENT)
            locked.expires_at = at + timedelta(days=locked.event.offline_payment_days)
            kind = "awaiting_payment"
        else:
            _confirm(locked, at)
            kind = "confirmed"
        locked.save()
        audit_record("order.approved", actor=actor, target=locked, before=before, after=order_snapshot(locked),
                     request=request)
        _email_after_commit(locked, kind)
        return locked

    return capacity.with_lock_retry(work)


def order_reject(*, order: Order, actor, reason: str, request=None) -> Order:
    """Reject a registration with a reason (sent to the buyer); its seats are released."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderError("Give a reason for the rejection; the buyer will read it.", code="reason_required")
    with transaction.atomic():
        order = _locked(order)
        if order.status != S.AWAITING_APPROVAL:
            raise OrderError("Only registrations awaiting approval can be rejected.", code="invalid_transition")
        before = order_snapshot(order)
        _move(order, S.CANCELLED)
        order.reason = reason[:500]
        order.save()
        _release(order)
        audit_record("order.rejected", actor=actor, target=order, before=before, after=order_snapshot(order), request=request)
        _email_after_commit(order, "rejected")
    _waiting_list_after_commit(order)
    return order


def order_mark_paid(*, order: Order, actor, request=None, now=None) -> Order:
    """Record an offline payment of the full amount and confirm the order. When its payment hold
    ran out, only while its seats are still free (OrderError hold_lapsed)."""

    def work() -> Order:
        locked = _locked_with_seats(order)
        at = now or timezone.now()  # after the locks
        if locked.status != S.AWAITING_PAYMENT:
            raise OrderError("Only orders awaiting payment can be marked as paid.", code="invalid_transition")
        capacity.order_still_fits_check(locked, at)
        before = order_snapshot(locked)
        locked.paid = locked.total
        _confirm(locked, at)
        locked.save()
        audit_record("order.paid_offline", actor=actor, target=locked, before=before, after=order_snapshot(locked),
                     request=request)
        _email_after_commit(locked, "confirmed")
        return locked

    return capacity.with_lock_retry(work)


def order_refund(*, order: Order, amount, actor, request=None) -> Order:
    """Record a refund of ``amount`` (exact in the order's currency, at most what was paid):
    all of it → refunded (tickets revoked, seats freed), part → partially refunded.
    Raises OrderError(amount_invalid, invalid_transition)."""
    from decimal import Decimal, InvalidOperation

    from operations.ticketing.money import money_is_exact

    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise OrderError("Enter the amount to refund.", code="amount_invalid") from None
    with transaction.atomic():
        order = _locked(order)
        if order.status not in (S.CONFIRMED, S.PARTIALLY_REFUNDED):
            raise OrderError("Only confirmed orders can be refunded.", code="invalid_transition")
        if amount <= 0 or amount > order.paid or not money_is_exact(amount, order.currency):
            raise OrderError(f"Refund between 0 and {order.paid} {order.currency}, in whole units of the currency.",
                             code="amount_invalid")
        before = order_snapshot(order)
        order.paid -= amount
        _move(order, S.REFUNDED if order.paid == 0 else S.PARTIALLY_REFUNDED)
        order.save()
        if order.status == S.REFUNDED:
            _release(order)
        audit_record("order.refunded", actor=actor, target=order, before=before,
                     after={**order_snapshot(order), "amount": str(amount)}, request=request)
        _credit_after_commit(order, reason="Refund")
    if order.status == S.REFUNDED:
        _waiting_list_after_commit(order)
    return order


def _credit_after_commit(order: Order, *, reason: str) -> None:
    """Money went back: the receipt gets its credit note (same number sequence) after commit."""
    from operations.invoicing.services.receipts import credit_note_issue_on_commit

    credit_note_issue_on_commit(order, reason=reason)


def _release(order: Order) -> None:
    _promo_release(order)
    Ticket.objects.filter(position__order=order, revoked_at__isnull=True).update(revoked_at=timezone.now())


def order_cancel(*, order: Order, actor=None, reason: str = "", by_attendee: bool = False, request=None, now=None) -> Order:
    """Cancel an order: seats freed, tickets revoked, promo use returned, waiting list notified.
    By the attendee only within the event's self-service policy (code cancel_not_allowed)."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order)
        if by_attendee:
            until = order.event.self_cancel_until
            if until is None or now >= until:
                raise OrderError("This order can no longer be cancelled online; contact the organizer.",
                                 code="cancel_not_allowed")
        before = order_snapshot(order)
        refund = order.paid > 0 and (not by_attendee or order.event.self_cancel_refund)
        _move(order, S.CANCELLED)
        if refund:
            order.paid = 0  # refunded outside Tessera for offline payments
        order.reason = (reason or "")[:500]
        order.save()
        _release(order)
        audit_record("order.cancelled", actor=actor, target=order, before=before,
                     after={**order_snapshot(order), "by_attendee": by_attendee, "refund": refund}, request=request)
        if refund:
            _credit_after_commit(order, reason=order.reason or "Cancelled")
        _email_after_commit(order, "cancelled")
    _waiting_list_after_commit(order)
    return order


def order_expire_due(*, now=None, limit: int = 500) -> int:
    """Expire unpaid or unapproved orders whose hold ran out. Safe to run concurrently (skips rows
    another worker holds). Returns how many expired."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        due = list(Order.objects.select_for_update(skip_locked=True)
                   .filter(status__in=Order.HOLDING_UNTIL_EXPIRY, expires_at__lte=now).order_by("pk")[:limit])
        for order in due:
            before = order_snapshot(order)
            _move(order, S.EXPIRED)
            order.save(update_fields=["status"])
            _release(order)
            audit_record("order.expired", target=order, before=before, after=order_snapshot(order))
            if before["status"] != S.PENDING:
                _email_after_commit(order, "expired")
            expired += 1
        if due:
            events = {o.event_id for o in due}
            for event_id in events:
                _waiting_list_after_commit_event(event_id)
    return expired


# The catch-up sweep e-mails the tickets of orders confirmed at least EMAIL_CATCH_UP_AFTER ago (the
# first e-mail has had its chance) and at most EMAIL_CATCH_UP_WITHIN ago (older ones are left to
# the organizer's "resend").
EMAIL_CATCH_UP_AFTER, EMAIL_CATCH_UP_WITHIN, EMAIL_CATCH_UP_BATCH = timedelta(minutes=5), timedelta(days=1), 200


def order_emails_catch_up(*, now=None) -> int:
    """Queue the tickets e-mail of confirmed orders in the current organization that never got
    theirs: the broker may have been unreachable when they were confirmed (queue.after_commit
    logs that and lets the order stand). Returns how many were queued."""
    from operations.ticketing.tasks import order_email_send

    now = now or timezone.now()
    due = list(Order.objects.filter(status=S.CONFIRMED, tickets_emailed_at__isnull=True,
                                    confirmed_at__lte=now - EMAIL_CATCH_UP_AFTER,
                                    confirmed_at__gt=now - EMAIL_CATCH_UP_WITHIN)
               .exclude(email="").order_by("confirmed_at").values_list("pk", flat=True)[:EMAIL_CATCH_UP_BATCH])
    for order_id in due:
        after_commit(order_email_send, order_id=order_id, kind="confirmed")
    return len(due)


def _waiting_list_after_commit(order: Order) -> None:
    _waiting_list_after_commit_event(order.event_id)


def _waiting_list_after_commit_event(event_id: int) -> None:
    from operations.ticketing.tasks import waiting_list_offer

    after_commit(waiting_list_offer, event_id=event_id)
