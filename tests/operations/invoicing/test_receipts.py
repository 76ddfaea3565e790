"""Receipts: issued once when a paid order is confirmed, frozen, numbered in sequence, in the PDF
with the tax line and number, attached to the confirmation e-mail; credit notes for refunds."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from operations.audit.models import AuditEntry
from operations.invoicing.documents import receipt_pdf
from operations.invoicing.errors import InvoicingError
from operations.invoicing.models import InvoiceSettings, Receipt, TaxRule
from operations.invoicing.services.receipts import credit_note_issue, receipt_issue
from operations.ticketing.services.lifecycle import order_mark_paid, order_refund
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _paid_order(*, currency="USD", price="10.00", quantity=2, rule=None, slug="paid", capture=None):
    event = event_make(slug=slug, currency=currency, name="Data Summit")
    general = ticket_type_make(event, price=price, seats=50)
    if rule:
        TaxRule.objects.create(event=event, **rule)
    order = order_reserve(event=event, items=[Item(general.pk, quantity)])
    order = order_complete(order=order, name="Kim Minji", email="minji@example.com", payment_method="offline",
                           attendees=[Attendee(f"A{i}", f"a{i}@example.com") for i in range(quantity)])
    with capture(execute=True):
        order = order_mark_paid(order=order, actor=None)
    return order


def test_confirming_a_paid_order_issues_one_receipt_with_the_next_number(alpha, django_capture_on_commit_callbacks):
    first = _paid_order(slug="one", capture=django_capture_on_commit_callbacks)
    second = _paid_order(slug="two", capture=django_capture_on_commit_callbacks)
    receipts = list(Receipt.objects.order_by("number"))
    assert [(r.order_id, r.kind) for r in receipts] == [(first.pk, "receipt"), (second.pk, "receipt")]
    assert receipts[1].number == receipts[0].number + 1
    assert receipts[0].total == first.total == Decimal("20.00")
    assert receipt_issue(order_id=first.pk) == receipts[0]  # idempotent
    assert AuditEntry.objects.filter(action="receipt.issued", target_id=str(receipts[0].pk)).exists()


def test_free_orders_get_no_receipt(alpha, django_capture_on_commit_callbacks):
    event = event_make(slug="free")
    general = ticket_type_make(event, price="0", seats=5)
    order = order_reserve(event=event, items=[Item(general.pk, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order = order_complete(order=order, name="Free", email="free@example.com",
                               attendees=[Attendee("Free", "free@example.com")])
    assert order.status == "confirmed"
    assert receipt_issue(order_id=order.pk) is None and not Receipt.objects.exists()


def test_unconfirmed_orders_get_no_receipt(alpha):
    event = event_make(slug="unpaid", currency="USD")
    general = ticket_type_make(event, price="5.00", seats=5)
    order = order_reserve(event=event, items=[Item(general.pk, 1)])
    assert receipt_issue(order_id=order.pk) is None


def test_receipt_pdf_shows_number_tax_line_totals_and_legal_details(alpha, django_capture_on_commit_callbacks):
    InvoiceSettings.objects.create(legal_name="Alpha Events GmbH", address="Hauptstraße 1, Berlin",
                                   tax_id="DE123456789", number_prefix="AE-")
    order = _paid_order(rule={"name": "VAT", "rate": Decimal(19), "prices_include_tax": False},
                        capture=django_capture_on_commit_callbacks)
    receipt = Receipt.objects.get(order=order)
    assert order.total == Decimal("23.80")
    text = pdf_text(receipt_pdf(receipt))
    assert receipt.display_number == f"AE-{receipt.number:06d}"
    for expected in (receipt.display_number, "VAT 19%", "USD 3.80", "USD 20.00", "USD 23.80", "Alpha Events GmbH",
                     "Hauptstraße 1, Berlin", "DE123456789", "Kim Minji", order.code):
        assert expected in text, expected


def test_receipt_pdf_prints_a_korean_tax_name(alpha, django_capture_on_commit_callbacks):
    order = _paid_order(currency="KRW", price="55000", quantity=1, capture=django_capture_on_commit_callbacks,
                        rule={"name": "부가세", "rate": Decimal(10), "prices_include_tax": True})
    text = pdf_text(receipt_pdf(Receipt.objects.get(order=order)))
    assert "부가세 10% (included)" in text and "KRW 5,000" in text and "KRW 55,000" in text


def test_issued_receipt_keeps_its_details_when_settings_change(alpha, django_capture_on_commit_callbacks):
    details = InvoiceSettings.objects.create(legal_name="Old Name Ltd")
    order = _paid_order(capture=django_capture_on_commit_callbacks)
    details.legal_name = "New Name Ltd"
    details.save()
    text = pdf_text(receipt_pdf(Receipt.objects.get(order=order)))
    assert "Old Name Ltd" in text and "New Name Ltd" not in text


def test_confirmation_email_carries_the_receipt_pdf(alpha, django_capture_on_commit_callbacks):
    order = _paid_order(capture=django_capture_on_commit_callbacks)
    confirmation = [m for m in mail.outbox if order.code in m.subject and m.to == ["minji@example.com"]][-1]
    receipt = Receipt.objects.get(order=order)
    attachments = {name: content for name, content, _ in confirmation.attachments}
    assert f"receipt-{receipt.display_number}.pdf" in attachments
    assert receipt.display_number in pdf_text(attachments[f"receipt-{receipt.display_number}.pdf"])


def test_partial_refund_gets_a_credit_note_with_its_own_number(alpha, django_capture_on_commit_callbacks):
    order = _paid_order(rule={"name": "GST", "rate": Decimal(10), "prices_include_tax": True},
                        capture=django_capture_on_commit_callbacks)
    receipt = Receipt.objects.get(order=order, kind="receipt")
    with pytest.raises(InvoicingError) as refused:
        credit_note_issue(order=order, actor=None)
    assert refused.value.code == "nothing_to_credit"
    order_refund(order=order, amount="11.00", actor=None)
    note = credit_note_issue(order=order, actor=None, reason="One attendee cannot come")
    assert note.kind == "credit_note" and note.credits == receipt and note.number == receipt.number + 1
    assert note.total == Decimal("-11.00") and note.tax == Decimal("-1.00")  # 11 × 10/110
    text = pdf_text(receipt_pdf(note))
    assert "Credit note" in text and receipt.display_number in text and "USD -11.00" in text
    with pytest.raises(InvoicingError) as again:
        credit_note_issue(order=order, actor=None)
    assert again.value.code == "nothing_to_credit"


def test_a_rolled_back_receipt_gives_its_number_back(alpha, django_capture_on_commit_callbacks):
    from django.db import transaction

    event = event_make(slug="rollback", currency="USD")
    general = ticket_type_make(event, price="5.00", seats=5)
    order = order_reserve(event=event, items=[Item(general.pk, 1)])
    order = order_complete(order=order, name="Roll Back", email="rb@example.com", payment_method="offline",
                           attendees=[Attendee("Roll Back", "rb@example.com")])
    with django_capture_on_commit_callbacks(execute=False):
        order_mark_paid(order=order, actor=None)  # confirmed, the receipt hook not run
    with pytest.raises(RuntimeError), transaction.atomic():
        assert receipt_issue(order_id=order.pk).number == 1
        raise RuntimeError("the issuing transaction fails after taking a number")
    assert not Receipt.objects.exists()
    assert receipt_issue(order_id=order.pk).number == 1


def test_anonymising_removes_the_buyer_but_keeps_numbers_and_amounts(alpha, django_capture_on_commit_callbacks):
    from operations.invoicing.services.receipts import receipts_anonymise

    order = _paid_order(capture=django_capture_on_commit_callbacks)
    receipt = Receipt.objects.get(order=order)
    assert receipts_anonymise(order=order) == 1 and receipts_anonymise(order=order) == 0
    receipt.refresh_from_db()
    text = pdf_text(receipt_pdf(receipt))
    assert "Kim Minji" not in text and "minji@example.com" not in text
    assert receipt.display_number in text and "USD 20.00" in text


def test_a_refund_is_credited_once_after_commit_and_orders_without_receipt_are_ignored(
        alpha, django_capture_on_commit_callbacks):
    from operations.invoicing.services.receipts import credit_note_issue_on_commit

    order = _paid_order(capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_refund(order=order, amount="20.00", actor=None)  # credits itself after commit
    with django_capture_on_commit_callbacks(execute=True):
        credit_note_issue_on_commit(order)  # nothing left to credit: no second note, no error
    notes = list(Receipt.objects.filter(order=order, kind="credit_note"))
    assert [(n.total, n.data["reason"]) for n in notes] == [(Decimal("-20.00"), "Refund")]
    event = event_make(slug="noreceipt")
    free = order_reserve(event=event, items=[Item(ticket_type_make(event, seats=1).pk, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        credit_note_issue_on_commit(free)
    assert not Receipt.objects.filter(order=free).exists()


def test_receipts_take_the_colour_from_the_site_branding(alpha):
    from wagtail.models import Site

    from cms.models import Branding
    from operations.invoicing.branding import brand_current

    branding = Branding.for_site(Site.objects.get(is_default_site=True))
    branding.primary_colour = "#0f766e"
    branding.save()
    assert brand_current().colour == "#0f766e"
