"""Exports: small ones are written at once and downloaded; large ones run in Celery, report their
progress, and end with a private file reached through a signed, expiring link (and an e-mail).

Guarantees: an export reads only the current organization's schema; every export is audited
(who, what, filters, row count); memory stays bounded (rows.CHUNK rows at a time).
"""

import io
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from operations.audit.services import audit_record
from operations.core.queue import after_commit
from operations.exports.errors import ExportError
from operations.exports.models import ExportJob, Format, Kind
from operations.exports.resources import ANSWER_PREFIX, RESOURCES
from operations.exports.rows import filters_clean, queryset_for, questions_for, rows_for
from operations.exports.services import writers

SIGNING_SALT = "operations.exports.download"


def sync_max_rows() -> int:
    """Exports up to this many rows are downloaded at once; larger ones go to Celery."""
    return int(getattr(settings, "EXPORTS_SYNC_MAX_ROWS", 2000))


def link_max_age() -> int:
    return int(getattr(settings, "EXPORTS_LINK_MAX_AGE", 24 * 3600))


def files_root() -> Path:
    """Private: outside MEDIA_ROOT, so no static or media route can serve these files."""
    root = getattr(settings, "EXPORTS_ROOT", None) or Path(settings.MEDIA_ROOT).parent / "exports"
    return Path(root)


def resource_for(kind: str, filters: dict):
    if kind not in RESOURCES:
        raise ExportError("Choose what to export.", code="kind_invalid")
    resource = RESOURCES[kind]()
    if kind == Kind.ATTENDEES:
        resource.add_question_columns(questions_for(filters))
    return resource


def columns_clean(kind: str, columns, resource=None) -> list[str]:
    columns = [c for c in (columns or []) if isinstance(c, str)]
    known = set(resource.fields) if resource is not None else set(RESOURCES[kind]().fields)
    # Question columns depend on the data, so presets may name ones this filter does not have.
    return [c for c in dict.fromkeys(columns) if c in known or c.startswith("answer:")]


@dataclass
class Plan:
    kind: str
    format: str
    filters: dict
    columns: list[str]


def export_plan(*, kind: str, format: str, filters: dict, columns=None) -> Plan:
    """Validate a request (raises ExportError: kind_invalid, format_invalid, filter_invalid)."""
    if kind not in Kind.values:
        raise ExportError("Choose what to export.", code="kind_invalid")
    if format not in Format.values:
        raise ExportError("Choose a file format.", code="format_invalid")
    if format == Format.PDF and kind != Kind.ATTENDEES:
        raise ExportError("The printable PDF is an attendee list: choose Attendees.", code="format_invalid")
    return Plan(kind, format, filters_clean(filters), columns_clean(kind, columns))


def export_write(plan: Plan, out, progress=lambda done: None) -> int:
    """Write the export into the binary file ``out``; returns the number of rows."""
    resource = resource_for(plan.kind, plan.filters)
    fields = resource.export_fields_for(plan.columns)
    if not fields:
        raise ExportError("Choose at least one column.", code="columns_empty")
    headers = [str(f.column_name) for f in fields]
    getters = writers._getters(fields, resource)
    chosen = {resource.get_field_name(f) for f in fields}
    questions = [n for n in getattr(resource, "questions", ()) if f"{ANSWER_PREFIX}{n}" in chosen]
    rows = rows_for(plan.kind, plan.filters, questions)
    if plan.format == Format.CSV:
        return writers.write_csv(out, headers, rows, getters, progress)
    if plan.format == Format.XLSX:
        return writers.write_xlsx(out, headers, rows, getters, progress, title=Kind(plan.kind).label.split(" (")[0])
    if plan.format == Format.JSON:
        keys = [resource.get_field_name(f) for f in fields]
        return writers.write_json(out, headers, keys, rows, getters, progress)
    return writers.write_pdf(out, headers, rows, getters, progress, title="Attendee list")


PDF_MAX_ROWS = 20000  # a printed list; the PDF library keeps every page in memory


def export_count(plan: Plan) -> int:
    """Rows the export will hold. Raises ExportError(too_many_for_pdf) for an oversized PDF."""
    count = queryset_for(plan.kind, plan.filters).count()
    if plan.format == Format.PDF and count > PDF_MAX_ROWS:
        raise ExportError(f"A printable list holds at most {PDF_MAX_ROWS:,} attendees; filter by event or ticket "
                          "type, or choose CSV or XLSX.", code="too_many_for_pdf")
    return count


def file_name(plan: Plan) -> str:
    return f"{plan.kind}-{timezone.now():%Y%m%d-%H%M}.{plan.format}"


def _audit_after(plan: Plan, rows: int, **extra) -> dict:
    return {"kind": plan.kind, "format": plan.format, "filters": plan.filters, "columns": plan.columns,
            "rows": rows, **extra}


def export_now(*, plan: Plan, actor, request=None) -> bytes:
    """Write a small export in this request and audit it (export.downloaded)."""
    buffer = io.BytesIO()
    count = export_write(plan, buffer)
    with transaction.atomic():
        audit_record("export.downloaded", actor=actor, after=_audit_after(plan, count), request=request)
    return buffer.getvalue()


def export_start(*, plan: Plan, actor, request=None, rows_total: int | None = None) -> ExportJob:
    """Queue a large export (export.started); the Celery task is sent once this commits."""
    from operations.exports.tasks import export_job_run

    if rows_total is None:
        rows_total = export_count(plan)
    with transaction.atomic():
        job = ExportJob.objects.create(kind=plan.kind, format=plan.format, filters=plan.filters, columns=plan.columns,
                                       rows_total=rows_total, created_by=actor if getattr(actor, "pk", None) else None)
        audit_record("export.started", actor=actor, target=job, after=_audit_after(plan, rows_total, job=job.pk),
                     request=request)
        after_commit(export_job_run, job_id=job.pk)
    return job


def job_path(job: ExportJob) -> Path:
    return files_root() / connection.schema_name / f"{job.file_token}.{job.format}"


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write a queued export to its private file, updating progress after each chunk (each update
    commits on its own so the admin sees it). Idempotent: a finished job is left alone."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (ExportJob.Status.DONE, ExportJob.Status.EXPIRED):
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, rows_done=0)
    plan = Plan(job.kind, job.format, job.filters, job.columns)
    path = job_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    try:
        with open(partial, "wb") as out:
            count = export_write(plan, out, progress=lambda done: ExportJob.objects.filter(pk=job.pk)
                                 .update(rows_done=done))
        os.replace(partial, path)
    except ExportError as error:
        partial.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=error.message[:300])
        return job
    except Exception:
        # Not the user's fault: the page must not wait forever; the worker logs the traceback.
        partial.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED,
                                                   error="The export failed. Please try again.")
        raise
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE, rows_done=count, rows_total=count,
                                                   finished_at=timezone.now())
        job.refresh_from_db()
        audit_record("export.finished", actor=job.created_by, target=job,
                     after=_audit_after(plan, count, job=job.pk))
    return job


def link_token(job: ExportJob) -> str:
    """A signed token naming the organization's schema, the job and its file; it expires."""
    return signing.TimestampSigner(salt=SIGNING_SALT).sign_object(
        {"schema": connection.schema_name, "job": job.pk, "file": job.file_token})


def link_open(token: str) -> ExportJob:
    """The finished job a download token names, in this organization only. Raises ExportError:
    link_expired (410), link_invalid (404: forged, another organization's, or gone)."""
    try:
        data = signing.TimestampSigner(salt=SIGNING_SALT).unsign_object(token, max_age=link_max_age())
    except signing.SignatureExpired:
        raise ExportError("This download link has expired. Start the export again.", code="link_expired") from None
    except signing.BadSignature:
        raise ExportError("This download link is not valid.", code="link_invalid") from None
    if data.get("schema") != connection.schema_name:
        raise ExportError("This download link is not valid.", code="link_invalid")
    job = ExportJob.objects.filter(pk=data.get("job"), file_token=data.get("file"), status=ExportJob.Status.DONE).first()
    if job is None or not job_path(job).exists():
        raise ExportError("This download link is not valid.", code="link_invalid")
    return job


def export_files_purge(*, now=None) -> int:
    """Delete the files of exports older than the link's lifetime (their links no longer work)."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=link_max_age())
    count = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff):
        job_path(job).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.EXPIRED)
        count += 1
    return count
