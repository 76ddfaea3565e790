"""Tax lines and receipt links for pages that belong to other apps (checkout, order page, admin
order screen): one tag each, so those templates only need a one-line include."""

from decimal import Decimal

from django import template
from django.urls import reverse

from operations.invoicing.models import Receipt
from operations.invoicing.services.receipts import RECEIPTABLE
from operations.invoicing.services.taxes import order_tax_of, tax_rule_for

register = template.Library()


@register.filter
def percent(rate) -> str:
    """Decimal("10.000") → "10", Decimal("8.875") → "8.875"."""
    return f"{Decimal(rate).normalize():f}" if rate not in (None, "") else ""


@register.inclusion_tag("invoicing/portal/_order_tax.html")
def order_tax_lines(order, *, receipt_link: bool = True):
    """The order's tax (net, tax, total) and, once it is confirmed and paid for, its receipt link."""
    receipt_url, credit_notes = "", []
    if receipt_link and order.status in RECEIPTABLE and order.total > 0:
        receipt_url = reverse("registration:receipt_pdf", args=[order.secret])
    if receipt_link and order.total > 0:  # a free order was never paid, so never credited
        notes = Receipt.objects.filter(order=order, kind=Receipt.Kind.CREDIT_NOTE).order_by("number")
        credit_notes = [{"receipt": note, "url": reverse("registration:credit_note_pdf", args=[order.secret, note.number])}
                        for note in notes]
    return {"order": order, "tax": order_tax_of(order), "receipt_url": receipt_url, "credit_notes": credit_notes}


@register.simple_tag
def event_tax_note(event) -> str:
    """"Prices include VAT 10%." / "GST 10% is added at checkout." ("" without a tax rule)."""
    rule = tax_rule_for(event)
    if rule is None:
        return ""
    if rule.prices_include_tax:
        return f"Prices include {rule.name} {percent(rule.rate)}%."
    return f"{rule.name} {percent(rule.rate)}% is added at checkout."


@register.inclusion_tag("invoicing/admin/_order_receipts.html", takes_context=True)
def order_receipts_admin(context, order):
    """The admin order screen's receipts: downloads, and a credit note for refunded money."""
    user = context["request"].user
    receipts = list(Receipt.objects.filter(order=order).order_by("number"))
    receipt = next((r for r in receipts if r.kind == Receipt.Kind.RECEIPT), None)
    outstanding = Decimal(0)
    if receipt is not None:
        outstanding = receipt.total + sum((r.total for r in receipts if r.kind == Receipt.Kind.CREDIT_NOTE),
                                          Decimal(0)) - order.paid
    return {"order": order, "receipts": receipts, "tax": order_tax_of(order), "outstanding": outstanding,
            "receiptable": order.status in RECEIPTABLE and order.total > 0,
            "may_credit": outstanding > 0 and user.has_perm("invoicing.add_receipt"),
            "csrf_token": context.get("csrf_token")}
