"""Payments screens in the organization's Wagtail admin: payments list with filters, what
reconciliation could not settle (and "reconcile now"), the webhook log with raw payloads, the
organization's Stripe keys, and the refund / review actions on an order. Each action calls one
service; refusals come back as the service's message with a 4xx status."""

import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from operations.core.errors import DomainError, refuse_without
from operations.events.models import Event
from operations.payments.models import Payment, PaymentAccount, ProviderEvent, Refund
from operations.payments.providers import PROVIDERS
from operations.payments.services.accounts import payment_account_save
from operations.payments.services.payments import order_hold_resolve, payment_offline_record
from operations.payments.services.reconcile import payments_reconcile, payments_unsettled
from operations.payments.services.refunds import refund_request, refund_retry
from operations.ticketing.models import Order

VIEW, CHANGE, ACCOUNT = "payments.view_payment", "payments.change_payment", "payments.change_paymentaccount"


def payments_list(request):
    refuse_without(request.user, VIEW)
    params = request.GET
    payments = Payment.objects.select_related("order__event")
    if params.get("status") in Payment.Status.values:
        payments = payments.filter(status=params["status"])
    if params.get("provider") in PROVIDERS:
        payments = payments.filter(provider=params["provider"])
    if (params.get("event") or "").isdigit():
        payments = payments.filter(order__event_id=int(params["event"]))
    if date_from := _date(params.get("from")):
        payments = payments.filter(created_at__date__gte=date_from)
    if date_to := _date(params.get("to")):
        payments = payments.filter(created_at__date__lte=date_to)
    page = Paginator(payments, 50).get_page(params.get("page"))
    return TemplateResponse(request, "payments/admin/payments.html", {
        "page": page, "params": params, "statuses": Payment.Status.choices, "providers": list(PROVIDERS),
        "events": Event.objects.all(), "unsettled": payments_unsettled()[:100], "may_change": request.user.has_perm(CHANGE),
    })


def _date(value):
    try:
        return parse_date(value or "")
    except ValueError:  # well-formed but impossible, e.g. 2026-02-31
        return None


@require_POST
def reconcile_now(request):
    refuse_without(request.user, CHANGE)
    ids = [int(i) for i in request.POST.getlist("payment") if i.isdigit()] or None
    report = payments_reconcile(older_than_minutes=0, payment_ids=ids, actor=request.user, request=request)
    messages.success(request, f"Checked {report.checked} payments: {len(report.settled)} settled, "
                              f"{len(report.unsettled)} could not be settled.")
    return redirect("payments_list")


def events_list(request):
    refuse_without(request.user, VIEW)
    events = ProviderEvent.objects.select_related("payment__order")
    if request.GET.get("errors"):
        events = events.exclude(error="")
    if kind := (request.GET.get("type") or "")[:80]:
        events = events.filter(type=kind)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return TemplateResponse(request, "payments/admin/events.html", {"page": page, "params": request.GET})


def event_detail(request, event_id: int):
    refuse_without(request.user, VIEW)
    event = get_object_or_404(ProviderEvent.objects.select_related("payment__order"), pk=event_id)
    return TemplateResponse(request, "payments/admin/event_detail.html", {
        "event": event, "payload": json.dumps(event.payload, indent=2, sort_keys=True)})


class AccountForm(forms.Form):
    publishable_key = forms.CharField(max_length=200, help_text="pk_test_… or pk_live_…")
    secret_key = forms.CharField(max_length=300, required=False, widget=forms.PasswordInput(render_value=False),
                                 help_text="sk_… or rk_…; leave empty to keep the stored key.")
    webhook_secret = forms.CharField(max_length=300, required=False, widget=forms.PasswordInput(render_value=False),
                                     label="Webhook signing secret",
                                     help_text="whsec_…; leave empty to keep the stored secret.")
    account_id = forms.CharField(max_length=100, required=False, label="Account id (optional)")


def account(request):
    refuse_without(request.user, ACCOUNT)
    stored = PaymentAccount.objects.filter(provider="stripe").first()
    error, status = None, 200
    if request.method == "POST":
        form = AccountForm(request.POST)
        if form.is_valid():
            try:
                payment_account_save(**form.cleaned_data, actor=request.user, request=request)
                messages.success(request, "Stripe keys saved.")
                return redirect("payments_account")
            except DomainError as failure:
                error, status = failure, failure.http_status
        else:
            status = 400
    else:
        form = AccountForm(initial={"publishable_key": getattr(stored, "publishable_key", ""),
                                    "account_id": getattr(stored, "account_id", "")})
    webhook_url = request.build_absolute_uri("/payments/webhook/stripe/")
    return TemplateResponse(request, "payments/admin/account.html", {
        "form": form, "stored": stored, "error": error, "webhook_url": webhook_url}, status=status)


@require_POST
def order_act(request, order_id: int):
    """Refund (amount + reason), retry a failed refund, record an offline payment with proof,
    accept or refuse a payment held for review."""
    refuse_without(request.user, CHANGE)
    order = get_object_or_404(Order, pk=order_id)
    action, reason = request.POST.get("action"), request.POST.get("reason", "")
    try:
        if action == "refund":
            refund_request(order=order, amount=request.POST.get("amount", ""), reason=reason, actor=request.user,
                           request=request)
        elif action == "refund_retry":
            refund = get_object_or_404(Refund, pk=request.POST.get("refund") or 0, order=order)
            refund_retry(refund=refund, actor=request.user, request=request)
        elif action == "offline_received":
            proof = request.FILES.get("proof")
            if proof is not None and proof.size > 10 * 1024 * 1024:
                raise DomainError("The proof file is larger than 10 MB.", code="upload_too_large")
            payment_offline_record(order=order, actor=request.user, proof=proof, request=request)
        elif action in ("hold_accept", "hold_refuse"):
            order_hold_resolve(order=order, accept=action == "hold_accept", actor=request.user, reason=reason,
                               request=request)
        else:
            raise DomainError("Unknown action.", code="invalid_action")
    except DomainError as error:
        from operations.ticketing.admin_views import order_detail

        return order_detail(request, order_id, error=error, status=error.http_status)
    messages.success(request, "Done.")
    return redirect("ticketing_order", order_id=order.pk)
