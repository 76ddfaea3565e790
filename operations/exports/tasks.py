"""Celery entry points for exports: thin, run inside the organization's schema."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django_tenants.utils import schema_context


@shared_task(acks_late=True)
def export_job_run(*, job_id: int) -> int:
    """Write a queued export, then e-mail its signed link to whoever asked for it."""
    from operations.exports.models import ExportJob
    from operations.exports.services.exporting import export_job_run as run

    job = run(job_id=job_id)
    if job is not None and job.status == ExportJob.Status.DONE:
        export_ready_email.delay(job_id=job.pk)
    return job.rows_done if job else 0


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def export_ready_email(*, job_id: int) -> None:
    from operations.exports.models import ExportJob
    from operations.exports.services.exporting import link_max_age, link_token
    from operations.organizations.models import Organization

    job = ExportJob.objects.filter(pk=job_id).first()
    user = job and job.created_by
    if job is None or user is None or not user.email:
        return
    organization = Organization.objects.get(schema_name=connection.schema_name)
    url = organization.url(f"/exports/download/{link_token(job)}/")
    hours = link_max_age() // 3600
    send_mail(subject=f"Your export is ready: {job.get_kind_display()}",
              message=(f"Your export of {job.rows_done} rows ({job.get_format_display()}) is ready.\n\n"
                       f"Download it within {hours} hours (sign in as {user.email}):\n{url}\n"),
              from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email])


@shared_task
def export_files_purge() -> int:
    from operations.exports.services.exporting import export_files_purge as purge

    return purge()


@shared_task
def exports_housekeeping_all_organizations() -> int:
    """Beat entry point (runs in public): per organization, delete expired export files and store
    the page-view counters of the funnel."""
    from operations.organizations.models import Organization

    count = 0
    for schema_name in Organization.objects.real().filter(is_active=True).values_list("schema_name", flat=True):
        with schema_context(schema_name):
            export_files_purge.delay()
            page_views_flush.delay()
        count += 1
    return count


@shared_task
def page_views_flush() -> int:
    from operations.exports.funnel import page_views_flush as flush

    return flush()
