"""The download of a finished export on the organization's own site: the signed link (from the
progress page or the e-mail) plus a signed-in member allowed to export."""

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse

from operations.audit.services import audit_record
from operations.core.errors import refuse_without
from operations.exports.services.exporting import job_path, link_open
from operations.exports.services.writers import CONTENT_TYPES


def export_download(request, token: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url="/admin/login/")
    refuse_without(request.user, "exports.run_export")
    job = link_open(token)  # ExportError → 404/410 through the middleware
    audit_record("export.file_downloaded", actor=request.user, target=job, request=request,
                 after={"kind": job.kind, "format": job.format, "rows": job.rows_done})
    response = FileResponse(open(job_path(job), "rb"), as_attachment=True,
                            filename=f"{job.kind}-{job.created_at:%Y%m%d-%H%M}.{job.format}",
                            content_type=CONTENT_TYPES[job.format])
    return response
