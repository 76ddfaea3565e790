"""Invoicing screens in the organization's Wagtail admin: receipts list and downloads, credit
notes, and the organization's legal details (invoice settings). Tax rules use a model viewset
(wagtail_hooks.py) with the audited views of ticketing."""

import csv

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from operations.audit.services import audit_record
from operations.core.errors import DomainError, refuse_without
from operations.invoicing.models import InvoiceSettings, Receipt
from operations.invoicing.services.receipts import credit_note_issue, receipt_issue
from operations.invoicing.views import pdf_response
from operations.ticketing.admin_views import order_detail
from operations.ticketing.models import Order
from operations.ticketing.money import money_quantize

VIEW, ISSUE, SETTINGS = "invoicing.view_receipt", "invoicing.add_receipt", "invoicing.change_invoicesettings"


def receipts_list(request):
    refuse_without(request.user, VIEW)
    query, kind = request.GET.get("q", "").strip()[:60], request.GET.get("kind", "")
    receipts = Receipt.objects.select_related("order")
    if query:
        digits = query.rsplit("-", 1)[-1]
        match = Q(order__code__iexact=query) | Q(order__email__icontains=query)
        if digits.isdigit():
            match |= Q(number=int(digits))
        receipts = receipts.filter(match)
    if kind in Receipt.Kind.values:
        receipts = receipts.filter(kind=kind)
    if request.GET.get("format") == "csv":
        return _receipts_csv(request, receipts)
    page = Paginator(receipts, 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "invoicing/admin/receipts.html", {
        "page_obj": page, "q": query, "kind": kind, "kinds": Receipt.Kind.choices})


def _receipts_csv(request, receipts):
    """The (filtered) receipts for the bookkeeping, oldest first; the export is audited."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="receipts.csv"'
    writer = csv.writer(response)
    writer.writerow(["number", "kind", "issued_at", "order", "buyer", "email", "currency", "net", "tax_name", "tax_rate",
                     "tax", "total", "corrects"])
    count = 0
    for receipt in receipts.order_by("number").iterator():
        data, tax = receipt.data, receipt.data.get("tax") or {}
        exact = [money_quantize(amount, receipt.currency) for amount in (receipt.total - receipt.tax, receipt.tax,
                                                                          receipt.total)]
        writer.writerow([receipt.display_number, receipt.kind, receipt.issued_at.isoformat(), receipt.order.code,
                         data.get("buyer", {}).get("name", ""), data.get("buyer", {}).get("email", ""), receipt.currency,
                         exact[0], tax.get("name", ""), tax.get("rate", ""), exact[1], exact[2],
                         data.get("credits", "")])
        count += 1
    audit_record("receipt.exported", actor=request.user, after={"receipts": count, "query": request.GET.urlencode()},
                 request=request)
    return response


def receipt_download(request, receipt_id: int):
    refuse_without(request.user, VIEW)
    return pdf_response(get_object_or_404(Receipt, pk=receipt_id))


def order_receipt_download(request, order_id: int):
    """The order's receipt from the order screen (issued now should the automatic issue have failed)."""
    refuse_without(request.user, VIEW)
    order = get_object_or_404(Order, pk=order_id)
    receipt = receipt_issue(order_id=order.pk)
    if receipt is None:
        raise Http404("This order has no receipt (not confirmed, or free).")
    return pdf_response(receipt)


@require_POST
def credit_note_create(request, order_id: int):
    refuse_without(request.user, ISSUE)
    order = get_object_or_404(Order, pk=order_id)
    try:
        note = credit_note_issue(order=order, actor=request.user, reason=request.POST.get("reason", ""),
                                 request=request)
    except DomainError as error:  # the order screen again, with the message and the 4xx
        return order_detail(request, order.pk, error=error, status=error.http_status)
    messages.success(request, f"Credit note {note.display_number} issued.")
    return redirect("ticketing_order", order_id=order.pk)


class InvoiceSettingsForm(forms.ModelForm):
    class Meta:
        model = InvoiceSettings
        fields = ["legal_name", "address", "tax_id", "email", "number_prefix", "footer"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "footer": forms.Textarea(attrs={"rows": 3})}


def _snapshot(details: InvoiceSettings) -> dict:
    return {name: getattr(details, name) for name in InvoiceSettingsForm.Meta.fields}


def invoice_settings_edit(request):
    refuse_without(request.user, SETTINGS)
    details = InvoiceSettings.objects.order_by("pk").first() or InvoiceSettings()
    before = _snapshot(details) if details.pk else None
    form = InvoiceSettingsForm(request.POST or None, instance=details)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                details = form.save(commit=False)
                details.updated_at = timezone.now()
                details.save()
                audit_record("invoicesettings.changed", actor=request.user, target=details, before=before,
                             after=_snapshot(details), request=request)
            messages.success(request, "Invoice settings saved. New receipts use them; issued ones do not change.")
            return redirect("invoicing_settings")
        status = 400
    return TemplateResponse(request, "invoicing/admin/settings.html", {"form": form}, status=status)
