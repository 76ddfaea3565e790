from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from operations.audit.selectors import audit_entries
from operations.core.errors import refuse_without

PERMISSION = "audit.view_auditentry"


def audit_log(request):
    refuse_without(request.user, PERMISSION)
    action = request.GET.get("action", "").strip()[:80]
    page = Paginator(audit_entries(action_prefix=action), 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "audit/admin/log.html", {"page_obj": page, "action": action})
