from django import forms
from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from operations.audit.selectors import audit_entries
from operations.core.errors import refuse_without

PERMISSION = "audit.view_auditentry"
_DATE = {"invalid": "Enter a date as YYYY-MM-DD."}


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=80, label="Action starts with")
    who = forms.CharField(required=False, max_length=254, label="Who (e-mail)")
    what = forms.CharField(required=False, max_length=254, label="What (name or id)")
    since = forms.DateField(required=False, label="From", error_messages=_DATE)
    until = forms.DateField(required=False, label="To", error_messages=_DATE)


def audit_log(request):
    """The organization's audit log, filtered; a filter that does not parse is named (400) and the
    others still apply."""
    refuse_without(request.user, PERMISSION)
    form = AuditFilterForm(request.GET)
    valid = form.is_valid()
    query = {name: form.cleaned_data.get(name) for name in form.fields if name not in form.errors}
    entries = audit_entries(action_prefix=(query.get("action") or "").strip(), who=(query.get("who") or "").strip(),
                            what=(query.get("what") or "").strip(), since=query.get("since"), until=query.get("until"))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return TemplateResponse(request, "audit/admin/log.html", {"page_obj": page, "form": form, "query": params.urlencode()},
                            status=200 if valid else 400)
