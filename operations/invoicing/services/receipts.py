"""Receipts and credit notes: issued once, numbered without gaps, frozen when issued.

Numbering: one sequence per organization (its schema) shared by receipts and credit notes. The
counter row is locked with SELECT … FOR UPDATE in the same transaction that inserts the receipt,
so concurrent issuers wait in line and a rolled-back receipt gives its number back: no gaps, no
duplicates (the unique constraint on ``number`` is the last line of defence).

When: a receipt is issued right after an order with something to pay becomes confirmed (the
lifecycle's on-commit hook), and, should that hook ever fail, on first need (confirmation e-mail,
download). Free orders (total 0) get no receipt: nothing was sold for money.
"""

import logging
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from operations.audit.services import audit_record
from operations.invoicing.errors import InvoicingError
from operations.invoicing.models import InvoiceSettings, Receipt, ReceiptCounter
from operations.invoicing.services.taxes import order_tax_of, tax_line
from operations.ticketing.models import Order
from operations.ticketing.money import money_quantize

log = logging.getLogger(__name__)

COUNTER = "receipts"
RECEIPTABLE = (Order.Status.CONFIRMED, Order.Status.PARTIALLY_REFUNDED)


def _number_next() -> int:
    """The next number, under the counter's row lock (call inside a transaction)."""
    counter = ReceiptCounter.objects.select_for_update().filter(name=COUNTER).first()
    if counter is None:
        # First receipt of this organization: create the row (a racing creator wins harmlessly).
        ReceiptCounter.objects.bulk_create([ReceiptCounter(name=COUNTER)], ignore_conflicts=True)
        counter = ReceiptCounter.objects.select_for_update().get(name=COUNTER)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def invoice_settings() -> InvoiceSettings:
    return InvoiceSettings.objects.order_by("pk").first() or InvoiceSettings()


def _organization_name() -> str:
    tenant = getattr(connection, "tenant", None)
    name = getattr(tenant, "display_name", "") or getattr(tenant, "name", "")
    if not name:
        from operations.organizations.models import Organization

        organization = Organization.objects.filter(schema_name=connection.schema_name).first()
        name = organization.display_name if organization else ""
    return name


def _seller() -> dict:
    details = invoice_settings()
    return {"name": details.legal_name or _organization_name(), "address": details.address, "tax_id": details.tax_id,
            "email": details.email, "footer": details.footer, "prefix": details.number_prefix}


def order_receipt_lines(order: Order) -> tuple[list[dict], dict | None]:
    """The order's lines (identical seats grouped) with their tax, and the tax summary. Strings,
    so the result can be frozen into a receipt as JSON."""
    tax = order_tax_of(order)
    groups: dict[tuple, dict] = {}
    for position in order.positions.filter(is_cancelled=False).select_related("ticket_type").order_by("pk"):
        key = (position.ticket_type.name, position.price, position.discount)
        groups.setdefault(key, {"quantity": 0})["quantity"] += 1
    lines = []
    for (name, price, discount), group in groups.items():
        unit = price - discount
        if tax is not None:
            line = tax_line(unit, rate=tax.rate, inclusive=tax.prices_include_tax, currency=order.currency)
            unit_tax, unit_gross = line.tax, line.gross
        else:
            unit_tax, unit_gross = Decimal(0), money_quantize(unit, order.currency)
        quantity = group["quantity"]
        lines.append({"description": name, "quantity": quantity, "unit_price": str(price),
                      "unit_discount": str(discount), "unit_tax": str(unit_tax), "tax": str(unit_tax * quantity),
                      "amount": str(unit_gross * quantity)})
    summary = None
    if tax is not None:
        summary = {"name": tax.name, "rate": f"{tax.rate.normalize():f}", "inclusive": tax.prices_include_tax,
                   "net": str(tax.net), "amount": str(tax.amount)}
    return lines, summary


def _data(order: Order, *, lines, tax, total: Decimal, **extra) -> dict:
    seller = _seller()
    event = order.event
    return {
        "prefix": seller.pop("prefix"), "seller": seller,
        "buyer": {"name": order.name, "email": order.email},
        "order": {"code": order.code, "payment_method": order.get_payment_method_display(),
                  "confirmed_at": order.confirmed_at.isoformat() if order.confirmed_at else None},
        "event": {"name": event.name, "starts_at": f"{event.local_starts_at:%Y-%m-%d %H:%M} ({event.timezone})",
                  "timezone": event.timezone},
        "currency": order.currency, "lines": lines, "tax": tax,
        "subtotal": str(order.subtotal), "discount": str(order.discount), "total": str(total), **extra,
    }


def receipt_issue(*, order_id: int, now=None) -> Receipt | None:
    """The order's receipt, issued now if it has none yet (idempotent: safe to call from several
    places and concurrently). None for an order that is not confirmed or has nothing to pay."""
    existing = Receipt.objects.filter(order_id=order_id, kind=Receipt.Kind.RECEIPT).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("event").filter(pk=order_id).first()
        if order is None or order.status not in RECEIPTABLE or order.total <= 0:
            return None
        # Re-checked under the order's lock: a concurrent caller may have issued it meanwhile.
        existing = Receipt.objects.filter(order=order, kind=Receipt.Kind.RECEIPT).first()
        if existing is not None:
            return existing
        lines, tax = order_receipt_lines(order)
        receipt = Receipt.objects.create(
            number=_number_next(), kind=Receipt.Kind.RECEIPT, order=order, issued_at=now or timezone.now(),
            currency=order.currency, total=order.total, tax=Decimal(tax["amount"]) if tax else Decimal(0),
            data=_data(order, lines=lines, tax=tax, total=order.total))
        audit_record("receipt.issued", target=receipt,
                     after={"number": receipt.display_number, "order": order.code, "total": str(receipt.total)})
    return receipt


def receipt_issue_on_commit(order: Order) -> None:
    """Issue the order's receipt once the confirming transaction commits. A failure is logged,
    never raised into the confirmation (the receipt is then issued on first need)."""
    if order.total <= 0:
        return
    order_id = order.pk

    def issue():
        try:
            receipt_issue(order_id=order_id)
        except Exception:  # noqa: BLE001 - the order is confirmed whatever happens here
            log.exception("receipt for order %s not issued; it will be on first need", order_id)

    transaction.on_commit(issue)


def credit_note_issue(*, order: Order, actor, reason: str = "", request=None, now=None) -> Receipt:
    """Issue a credit note for what was refunded on the order and not yet credited: the receipt's
    total less what the order still holds as paid, less earlier credit notes. Raises
    InvoicingError(no_receipt, nothing_to_credit)."""
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("event").get(pk=order.pk)
        receipt = Receipt.objects.filter(order=order, kind=Receipt.Kind.RECEIPT).first()
        if receipt is None:
            raise InvoicingError("This order has no receipt to correct.", code="no_receipt")
        credited = sum((c.total for c in receipt.credit_notes.all()), Decimal(0))  # negative
        outstanding = receipt.total + credited - order.paid
        if order.status not in (*RECEIPTABLE, Order.Status.REFUNDED, Order.Status.CANCELLED) or outstanding <= 0:
            raise InvoicingError("Nothing was refunded on this order that is not credited already.",
                                 code="nothing_to_credit")
        tax = None
        if summary := receipt.data.get("tax"):
            part = tax_line(outstanding, rate=Decimal(summary["rate"]), inclusive=True, currency=order.currency)
            tax = {**summary, "net": str(-part.net), "amount": str(-part.tax)}
        lines = [{"description": f"Refund on receipt {receipt.display_number}", "quantity": 1,
                  "unit_price": str(-outstanding), "unit_discount": "0", "unit_tax": tax["amount"] if tax else "0",
                  "tax": tax["amount"] if tax else "0", "amount": str(-outstanding)}]
        note = Receipt.objects.create(
            number=_number_next(), kind=Receipt.Kind.CREDIT_NOTE, order=order, credits=receipt,
            issued_at=now or timezone.now(), currency=order.currency, total=-outstanding,
            tax=Decimal(tax["amount"]) if tax else Decimal(0),
            data=_data(order, lines=lines, tax=tax, total=-outstanding, credits=receipt.display_number,
                       reason=(reason or "").strip()[:300]))
        audit_record("receipt.credit_note_issued", actor=actor, target=note, request=request,
                     after={"number": note.display_number, "order": order.code, "total": str(note.total),
                            "credits": receipt.display_number})
    return note


def receipt_attachment(order: Order) -> tuple[str, bytes] | None:
    """(filename, PDF) of the order's receipt for the confirmation e-mail, issuing it if the
    on-commit hook has not yet; None for free orders. A failure is logged and leaves the receipt
    out: the e-mail with the tickets matters more (the receipt stays downloadable)."""
    from operations.invoicing.branding import brand_current
    from operations.invoicing.documents import receipt_filename, receipt_pdf

    if order.total <= 0:
        return None
    try:
        receipt = receipt_issue(order_id=order.pk)
        if receipt is None:
            return None
        return receipt_filename(receipt), receipt_pdf(receipt, brand=brand_current())
    except Exception:  # noqa: BLE001
        log.exception("receipt for order %s left out of the e-mail", order.pk)
        return None


def receipts_anonymise(*, order: Order, actor=None) -> int:
    """Erase the buyer's name and e-mail from the order's receipts and credit notes (personal
    data erasure); numbers, amounts and taxes stay, as bookkeeping needs them. Returns how many
    changed. For the person-level erasure routine to call."""
    changed = 0
    with transaction.atomic():
        for receipt in Receipt.objects.select_for_update().filter(order=order).order_by("number"):
            if receipt.data.get("buyer") == {"name": "", "email": ""}:
                continue
            receipt.data["buyer"] = {"name": "", "email": ""}
            receipt.save(update_fields=["data"])
            audit_record("receipt.anonymised", actor=actor, target=receipt, after={"number": receipt.display_number})
            changed += 1
    return changed


def credit_note_issue_on_commit(order: Order, *, reason: str = "") -> None:
    """Credit what was refunded once the refunding transaction commits (for the refund services
    to call). Nothing to credit, or no receipt, is not an error here; other failures are logged and
    leave the credit note to the admin's button on the order screen."""
    order_id = order.pk

    def issue():
        try:
            credit_note_issue(order=Order.objects.get(pk=order_id), actor=None, reason=reason)
        except InvoicingError:
            pass
        except Exception:  # noqa: BLE001 - the refund stands whatever happens here
            log.exception("credit note for order %s not issued", order_id)

    transaction.on_commit(issue)
