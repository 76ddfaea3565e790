"""Reconciliation: ask the provider about payments still open after a few minutes and settle them,
so a lost or failed webhook never leaves a paid order waiting. What cannot be settled is kept on
the payment (reconcile_error) and listed in the admin."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from operations.audit.services import audit_record
from operations.payments.errors import PaymentError
from operations.payments.models import Payment
from operations.payments.providers import PROVIDERS, provider_get
from operations.payments.services.payments import payment_refresh


@dataclass
class ReconcileReport:
    checked: int = 0
    settled: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)


def _online_providers() -> list[str]:
    return [name for name in PROVIDERS if provider_get(name).online]


def payments_unsettled():
    """Payments reconciliation could not settle, and payments held for review or disputed."""
    return Payment.objects.select_related("order").filter(
        status__in=(*Payment.OPEN, Payment.Status.HELD, Payment.Status.DISPUTED)).exclude(
        status__in=Payment.OPEN, reconcile_error="").order_by("-created_at")


def payments_reconcile(*, older_than_minutes: int | None = None, payment_ids=None, limit: int = 200,
                       actor=None, request=None) -> ReconcileReport:
    """Settle open online payments older than ``older_than_minutes`` (or exactly ``payment_ids``).
    Provider calls happen outside transactions; each payment is applied under its own locks."""
    minutes = settings.PAYMENTS_RECONCILE_AFTER_MINUTES if older_than_minutes is None else older_than_minutes
    payments = Payment.objects.filter(status__in=Payment.OPEN, provider__in=_online_providers()).exclude(
        provider_reference="")
    if payment_ids is not None:
        payments = payments.filter(pk__in=payment_ids)
    else:
        payments = payments.filter(created_at__lte=timezone.now() - timedelta(minutes=minutes))
    report = ReconcileReport()
    for payment in payments.order_by("created_at")[:limit]:
        report.checked += 1
        try:
            outcome = payment_refresh(payment=payment, source="reconciliation", request=request)
        except PaymentError as error:
            _unsettled(payment, error.message)
            report.unsettled.append(f"{payment.order_id}: {error.message}")
            continue
        if outcome.payment is not None and outcome.payment.status in Payment.OPEN:
            _unsettled(payment, f"Still {outcome.payment.get_status_display().lower()} at the provider.")
            report.unsettled.append(f"{payment.order_id}: still open")
        else:
            Payment.objects.filter(pk=payment.pk).update(reconcile_error="")
            report.settled.append(f"{payment.order_id}: {outcome.result}")
    if actor is not None:
        audit_record("payments.reconciled", actor=actor, after={"checked": report.checked, "settled": report.settled,
                                                                "unsettled": report.unsettled}, request=request)
    return report


def _unsettled(payment: Payment, message: str) -> None:
    Payment.objects.filter(pk=payment.pk).update(reconcile_error=message[:500],
                                                 reconcile_attempts=F("reconcile_attempts") + 1)
