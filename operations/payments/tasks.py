"""Celery entry points for payments: thin, idempotent, run inside the organization's schema."""

from celery import shared_task
from django_tenants.utils import schema_context


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def refund_execute_task(*, refund_id: int) -> None:
    from operations.payments.services.refunds import refund_execute

    refund_execute(refund_id=refund_id)


@shared_task
def payments_reconcile_task() -> int:
    from operations.payments.services.reconcile import payments_reconcile

    return payments_reconcile().checked


@shared_task
def payments_reconcile_all_organizations() -> int:
    """Beat entry point (runs in public): one reconciliation task per organization."""
    from operations.organizations.models import Organization

    count = 0
    for schema_name in Organization.objects.real().filter(is_active=True).values_list("schema_name", flat=True):
        with schema_context(schema_name):
            payments_reconcile_task.delay()
        count += 1
    return count
