"""Export, import and report screens in the organization's Wagtail admin. Each view parses input,
calls one service and shows its refusal (ExportError) with the matching 4xx."""

import secrets

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from operations.audit.services import audit_record
from operations.core.errors import DomainError, refuse_without
from operations.events.models import Event
from operations.exports.errors import ExportError
from operations.exports.models import ColumnPreset, ExportJob, Format, Kind
from operations.exports.services import exporting
from operations.exports.services.writers import CONTENT_TYPES
from operations.ticketing.models import Order, TicketType, WaitingListEntry

EXPORT, IMPORT, REPORTS = "exports.run_export", "exports.import_data", "exports.view_reports"


def _columns_from(post, choices) -> list[str]:
    """Ticked columns, in the order of their position numbers (ties keep the listed order)."""
    ticked = []
    for index, (key, _label) in enumerate(choices):
        if post.get(f"col:{key}"):
            try:
                position = int(post.get(f"pos:{key}") or index + 1)
            except ValueError:
                position = index + 1
            ticked.append((position, index, key))
    return [key for _, _, key in sorted(ticked)]


def _ordered_choices(choices, columns):
    """Choices with the chosen ones first, in their order, then the rest."""
    chosen = [c for key in columns for c in choices if c[0] == key]
    return chosen + [c for c in choices if c[0] not in columns]


def _status_choices(kind: str) -> list[tuple[str, str]]:
    """What "status" means for each export: the order's for attendees and orders, else the row's."""
    if kind in (Kind.PAYMENTS, Kind.REFUNDS):
        from operations.payments.models import Payment, Refund

        return (Payment if kind == Kind.PAYMENTS else Refund).Status.choices
    if kind == Kind.CHECKINS:
        from operations.checkin.models import Scan

        results = set(Scan.objects.values_list("result", flat=True).distinct()[:50]) | {"ok"}
        return [(r, "Admitted (ok)" if r == "ok" else r.replace("_", " ").capitalize()) for r in sorted(results)]
    if kind == Kind.WAITING_LIST:
        return WaitingListEntry.Status.choices
    return Order.Status.choices


def exports_index(request):
    refuse_without(request.user, EXPORT)
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind") if source.get("kind") in Kind.values else Kind.ATTENDEES
    filters_raw = {k: source.get(k, "") for k in ("event", "ticket_type", "status", "date_from", "date_to")}
    error, status = None, 200
    preset = None
    if source.get("preset", "").isdigit():
        preset = ColumnPreset.objects.filter(pk=source["preset"], kind=kind).first()
    try:
        filters = exporting.filters_clean(filters_raw)
        choices = exporting.resource_for(kind, filters).column_choices()
    except ExportError as exc:
        error, status = exc, exc.http_status
        choices = exporting.resource_for(kind, {}).column_choices()
    columns = preset.columns if preset else [key for key, _ in choices]
    if request.method == "POST" and error is None:
        columns = _columns_from(request.POST, choices)
        try:
            if request.POST.get("action") == "save_preset":
                _preset_save(request, kind, columns)
                messages.success(request, "The column preset was saved.")
                return redirect(f"{reverse('exports_index')}?kind={kind}")
            plan = exporting.export_plan(kind=kind, format=request.POST.get("format", ""), filters=filters_raw,
                                         columns=columns)
            if not plan.columns:
                raise ExportError("Choose at least one column.", code="columns_empty")
            total = exporting.export_count(plan)
            if total <= exporting.sync_max_rows():
                content = exporting.export_now(plan=plan, actor=request.user, request=request)
                response = HttpResponse(content, content_type=CONTENT_TYPES[plan.format])
                response["Content-Disposition"] = f'attachment; filename="{exporting.file_name(plan)}"'
                return response
            job = exporting.export_start(plan=plan, actor=request.user, request=request, rows_total=total)
            return redirect("exports_job", job_id=job.pk)
        except DomainError as exc:
            error, status = exc, exc.http_status
    return TemplateResponse(request, "exports/admin/index.html", {
        "kind": kind, "kinds": Kind.choices, "formats": Format.choices, "filters": filters_raw,
        "events": Event.objects.all(), "ticket_types": TicketType.objects.select_related("event"),
        "statuses": _status_choices(kind), "choices": _ordered_choices(choices, columns), "columns": columns,
        "presets": ColumnPreset.objects.filter(kind=kind), "preset": preset, "error": error,
        "jobs": ExportJob.objects.all()[:10], "sync_max_rows": exporting.sync_max_rows(),
    }, status=status)


def _preset_save(request, kind: str, columns: list[str]) -> ColumnPreset:
    name = request.POST.get("preset_name", "").strip()[:80]
    if not name:
        raise ExportError("Give the preset a name.", code="preset_name_required")
    if not columns:
        raise ExportError("Choose at least one column.", code="columns_empty")
    with transaction.atomic():
        preset, created = ColumnPreset.objects.select_for_update().get_or_create(kind=kind, name=name,
                                                                                 defaults={"columns": columns})
        before = None if created else {"columns": preset.columns}
        if not created:
            preset.columns = columns
            preset.save(update_fields=["columns"])
        audit_record("export.preset_saved", actor=request.user, target=preset, before=before,
                     after={"kind": kind, "name": name, "columns": columns}, request=request)
    return preset


def _download_url(request, job: ExportJob) -> str:
    return reverse("exports:download", args=[exporting.link_token(job)])


def export_job(request, job_id: int):
    refuse_without(request.user, EXPORT)
    job = get_object_or_404(ExportJob, pk=job_id)
    return TemplateResponse(request, "exports/admin/job.html", {
        "job": job, "download_url": _download_url(request, job) if job.status == ExportJob.Status.DONE else "",
        "status_url": reverse("exports_job_status", args=[job.pk])})


@require_GET
def export_job_status(request, job_id: int):
    refuse_without(request.user, EXPORT)
    job = get_object_or_404(ExportJob, pk=job_id)
    return JsonResponse({"status": job.status, "label": job.get_status_display(), "percent": job.percent,
                         "rows_done": job.rows_done, "rows_total": job.rows_total, "error": job.error,
                         "download_url": _download_url(request, job) if job.status == ExportJob.Status.DONE else ""})


IMPORT_KINDS = [("attendees", "Attendees (registrations settled elsewhere)"), ("complimentary", "Complimentary tickets"),
                ("legacy", "Events and registrations from an older system")]


def imports_index(request):
    """Upload → dry-run preview (nothing written; the file waits in the cache for an hour) → apply."""
    from operations.exports.services import importing, legacy

    refuse_without(request.user, IMPORT)
    context = {"kinds": IMPORT_KINDS, "events": Event.objects.all(),
               "ticket_types": TicketType.objects.select_related("event"), "post": request.POST}
    if request.method != "POST":
        return TemplateResponse(request, "exports/admin/import.html", context)
    kind = request.POST.get("kind", "")
    try:
        if kind not in dict(IMPORT_KINDS):
            raise ExportError("Choose what to import.", code="kind_invalid")
        if request.POST.get("action") == "apply":
            stored = cache.get(f"exports:import:{request.POST.get('token', '')}")
            if not stored:
                raise ExportError("The preview is older than an hour: upload the file again.", code="preview_expired")
            content, filename = stored
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise ExportError("Choose a file to import.", code="file_missing")
            if upload.size > importing.MAX_BYTES:
                raise ExportError("The file is larger than 5 MB.", code="file_too_large")
            content, filename = upload.read(), upload.name
        event = ticket_type = None
        if kind != "legacy":
            event_id, type_id = request.POST.get("event", ""), request.POST.get("ticket_type", "")
            event = Event.objects.filter(pk=event_id).first() if event_id.isdigit() else None
            if event is None:
                raise ExportError("Choose the event to import into.", code="event_required")
            if type_id:
                ticket_type = TicketType.objects.filter(pk=type_id, event=event).first() if type_id.isdigit() else None
                if ticket_type is None:
                    raise ExportError("That ticket type does not belong to the event.", code="ticket_type_invalid")
        if request.POST.get("action") == "apply":
            if kind == "legacy":
                result = legacy.legacy_apply(content=content, filename=filename, actor=request.user, request=request)
            else:
                result = importing.import_apply(event=event, content=content, filename=filename, ticket_type=ticket_type,
                                                complimentary=kind == "complimentary", actor=request.user,
                                                request=request)
            messages.success(request, f"Imported {result['created']} new registrations "
                                      f"({result['rows'] - result['created']} rows were already there).")
            return redirect("exports_imports")
        if kind == "legacy":
            preview = legacy.legacy_check(content=content, filename=filename)
        else:
            preview = importing.import_check(event=event, content=content, filename=filename, ticket_type=ticket_type)
        token = secrets.token_urlsafe(16)
        cache.set(f"exports:import:{token}", (content, filename), 3600)
        context.update(preview=preview, token=token, kind=kind, event=event, ticket_type=ticket_type, filename=filename,
                       legacy=kind == "legacy")
        return TemplateResponse(request, "exports/admin/import.html", context,
                                status=400 if preview.problems else 200)
    except ExportError as exc:
        context.update(error=exc, problems=exc.details.get("problems"))
        return TemplateResponse(request, "exports/admin/import.html", context, status=exc.http_status)


def reports_index(request):
    import csv

    from operations.exports import reports

    refuse_without(request.user, REPORTS)
    event = None
    if request.GET.get("event"):
        event = get_object_or_404(Event, pk=request.GET["event"]) if request.GET["event"].isdigit() else None
    try:
        rng = reports.range_parse(request.GET.get("from"), request.GET.get("to"))
    except ExportError as exc:
        return TemplateResponse(request, "exports/admin/reports.html", {"error": exc, "events": Event.objects.all()},
                                status=exc.http_status)
    data = reports.report_build(event_id=event.pk if event else None, rng=rng)
    section = request.GET.get("download", "")
    if section in reports.SECTIONS:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="report-{section}-{rng.start}-{rng.end}.csv"'
        writer = csv.writer(response)
        columns = reports.SECTIONS[section]
        writer.writerow([label for _, label in columns])
        rows = data[section] if isinstance(data[section], list) else [data[section]]
        for row in rows:
            writer.writerow(["" if row[key] is None else row[key] for key, _ in columns])
        audit_record("report.exported", actor=request.user, request=request,
                     after={"section": section, "event": event.pk if event else None, "from": str(rng.start),
                            "to": str(rng.end), "rows": len(rows)})
        return response
    tables = {name: {"columns": cols, "rows": data[name] if isinstance(data[name], list) else [data[name]]}
              for name, cols in reports.SECTIONS.items()}
    return TemplateResponse(request, "exports/admin/reports.html", {
        "event": event, "events": Event.objects.all(), "range": rng, "data": data, "tables": tables,
        "chart": _chart_data(data), "query": request.GET.urlencode()})


def _chart_data(data) -> dict:
    days = sorted({str(r["day"]) for r in data["over_time"]})
    by_currency: dict[str, dict] = {}
    for r in data["over_time"]:
        by_currency.setdefault(r["currency"], {})[str(r["day"])] = r
    return {
        "days": days,
        "registrations": [sum(r["registrations"] for r in data["over_time"] if str(r["day"]) == d) for d in days],
        "revenue": {c or "—": [float(rows.get(d, {}).get("revenue", 0)) for d in days] for c, rows in by_currency.items()},
        "types": [f"{r['ticket_type']} ({r['event']})" for r in data["by_ticket_type"]],
        "type_tickets": [r["tickets"] for r in data["by_ticket_type"]],
        "funnel_labels": [r["step"] for r in data["funnel"]],
        "funnel": [r["count"] for r in data["funnel"]],
    }
