from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from operations.audit.selectors import audit_entries

PERMISSION = "audit.view_auditentry"


def audit_log(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    action = request.GET.get("action", "").strip()[:80]
    page = Paginator(audit_entries(action_prefix=action), 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "audit/admin/log.html", {"page_obj": page, "action": action})
