"""Receipt downloads (attendee and admin), tax lines on checkout and order pages, and the invoicing
admin screens (tax rules, invoice settings, receipts, credit notes) with their permissions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from operations.audit.models import AuditEntry
from operations.invoicing.models import InvoiceSettings, Receipt, TaxRule
from operations.ticketing.services.lifecycle import order_mark_paid, order_refund
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.operations.invoicing.test_receipts import pdf_text
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def shop(org_a, in_schema, member, site_client, django_capture_on_commit_callbacks):
    with in_schema(org_a):
        admin = member(org_a, "admin")
        event = event_make(slug="shop", currency="USD")
        general = ticket_type_make(event, price="10.00", seats=20)
        TaxRule.objects.create(event=event, name="GST", rate=Decimal(10), prices_include_tax=False)
        order = order_reserve(event=event, items=[Item(general.pk, 1)])
        order = order_complete(order=order, name="Park Jisoo", email="jisoo@example.com", payment_method="offline",
                               attendees=[Attendee("Park Jisoo", "jisoo@example.com")])
        yield {"event": event, "general": general, "order": order, "admin": admin, "client": site_client(org_a, admin),
               "public": site_client(org_a), "capture": django_capture_on_commit_callbacks}


def _pay(shop):
    with shop["capture"](execute=True):
        return order_mark_paid(order=shop["order"], actor=None)


def _receipt_url(order):
    return f"/register/order/{order.secret}/receipt.pdf"


def test_attendee_downloads_the_receipt_from_the_order_page(shop):
    order = _pay(shop)
    page = shop["public"].get(f"/register/order/{order.secret}/").content.decode()
    assert _receipt_url(order) in page and "GST 10%" in page and "USD 1.00" in page and "USD 11.00" in page
    response = shop["public"].get(_receipt_url(order))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert Receipt.objects.get(order=order).display_number in pdf_text(response.content)


def test_receipt_download_with_a_wrong_secret_is_not_found(shop):
    _pay(shop)
    assert shop["public"].get("/register/order/not-the-secret/receipt.pdf").status_code == 404


def test_an_unpaid_order_has_no_receipt_to_download(shop):
    assert shop["public"].get(_receipt_url(shop["order"])).status_code == 404
    assert not Receipt.objects.exists()


def test_another_organization_cannot_fetch_the_receipt(shop, org_b, site_client):
    order = _pay(shop)
    assert site_client(org_b).get(_receipt_url(order)).status_code == 404


def test_checkout_shows_the_tax_added_to_the_total(shop):
    event, general = shop["event"], shop["general"]
    choose = shop["public"].get(f"/register/{event.slug}/").content.decode()
    assert "GST 10% is added at checkout." in choose
    order = order_reserve(event=event, items=[Item(general.pk, 2)])
    details = shop["public"].get(f"/register/order/{order.secret}/details/").content.decode()
    assert "GST 10%" in details and "USD 2.00" in details and "USD 22.00" in details


def test_admin_downloads_receipts_from_the_order_screen_and_the_list(shop):
    order = _pay(shop)
    receipt = Receipt.objects.get(order=order)
    client = shop["client"]
    detail = client.get(reverse("ticketing_order", args=[order.pk])).content.decode()
    assert receipt.display_number in detail and reverse("invoicing_receipt_pdf", args=[receipt.pk]) in detail
    listing = client.get(reverse("invoicing_receipts") + f"?q={order.code}").content.decode()
    assert receipt.display_number in listing
    response = client.get(reverse("invoicing_receipt_pdf", args=[receipt.pk]))
    assert response.status_code == 200 and receipt.display_number in pdf_text(response.content)


def test_roles_without_invoicing_rights_are_refused(shop, org_a, member, site_client):
    _pay(shop)
    marketing = site_client(org_a, member(org_a, "marketing"))
    assert marketing.get(reverse("invoicing_receipts")).status_code == 403
    assert marketing.get(reverse("invoicing_settings")).status_code == 403
    receipt = Receipt.objects.get()
    assert marketing.get(reverse("invoicing_receipt_pdf", args=[receipt.pk])).status_code == 403


def test_invoice_settings_are_edited_in_the_admin_and_audited(shop):
    response = shop["client"].post(reverse("invoicing_settings"), {
        "legal_name": "Alpha Events 주식회사", "address": "Seoul", "tax_id": "123-45-67890", "email": "",
        "number_prefix": "A-", "footer": "Thank you"})
    assert response.status_code == 302
    assert InvoiceSettings.objects.get().tax_id == "123-45-67890"
    entry = AuditEntry.objects.get(action="invoicesettings.changed")
    assert entry.actor == shop["admin"] and entry.after["legal_name"] == "Alpha Events 주식회사"
    bad = shop["client"].post(reverse("invoicing_settings"), {"email": "not-an-email", "number_prefix": "A-"})
    assert bad.status_code == 400


def test_tax_rule_is_created_in_the_admin_and_a_bad_rate_is_refused(shop):
    event = event_make(slug="taxed")
    client = shop["client"]
    refused = client.post(reverse("invoicing_tax_rules:add"),
                          {"event": event.pk, "name": "VAT", "rate": "150", "prices_include_tax": "on"})
    assert refused.status_code == 200 and not TaxRule.objects.filter(event=event).exists()  # form re-shown
    created = client.post(reverse("invoicing_tax_rules:add"),
                          {"event": event.pk, "name": "VAT", "rate": "7.5", "prices_include_tax": "on"})
    assert created.status_code == 302
    rule = TaxRule.objects.get(event=event)
    assert rule.rate == Decimal("7.5") and rule.prices_include_tax
    assert AuditEntry.objects.filter(action="taxrule.created", target_id=str(rule.pk)).exists()


def test_admin_issues_a_credit_note_after_a_refund(shop):
    order = _pay(shop)
    refused = shop["client"].post(reverse("invoicing_credit_note", args=[order.pk]), {"reason": "Nothing refunded"})
    assert refused.status_code == 400 and "not credited already" in refused.content.decode()
    order_refund(order=order, amount="11.00", actor=None)
    response = shop["client"].post(reverse("invoicing_credit_note", args=[order.pk]), {"reason": "Cancelled"})
    assert response.status_code == 302
    note = Receipt.objects.get(order=order, kind="credit_note")
    assert note.total == Decimal("-11.00") and note.data["reason"] == "Cancelled"
    assert AuditEntry.objects.get(action="receipt.credit_note_issued").actor == shop["admin"]


def test_invoicing_menu_and_tax_rule_screens_render_for_an_admin(shop):
    client = shop["client"]
    home = client.get("/admin/")
    assert home.status_code == 200 and "Invoicing" in home.content.decode()
    listing = client.get(reverse("invoicing_tax_rules:index"))
    assert listing.status_code == 200 and "GST" in listing.content.decode()
    rule = TaxRule.objects.get(event=shop["event"])
    assert client.get(reverse("invoicing_tax_rules:edit", args=[rule.pk])).status_code == 200
    assert client.get(reverse("invoicing_settings")).status_code == 200


def test_attendee_downloads_a_credit_note_of_their_own_order_only(shop, org_b, site_client):
    from operations.invoicing.services.receipts import credit_note_issue

    order = _pay(shop)
    order_refund(order=order, amount="5.00", actor=None)
    note = credit_note_issue(order=order, actor=None)
    url = f"/register/order/{order.secret}/credit-note-{note.number}.pdf"
    page = shop["public"].get(f"/register/order/{order.secret}/").content.decode()
    assert url in page and note.display_number in page
    response = shop["public"].get(url)
    assert response.status_code == 200 and note.display_number in pdf_text(response.content)
    receipt = Receipt.objects.get(order=order, kind="receipt")
    assert shop["public"].get(f"/register/order/{order.secret}/credit-note-{receipt.number}.pdf").status_code == 404
    assert shop["public"].get(f"/register/order/wrong/credit-note-{note.number}.pdf").status_code == 404
    assert site_client(org_b).get(url).status_code == 404


def test_receipts_export_as_csv_for_the_bookkeeping_and_the_export_is_audited(shop):
    import csv
    import io

    order = _pay(shop)
    response = shop["client"].get(reverse("invoicing_receipts") + "?format=csv&kind=receipt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    receipt = Receipt.objects.get(order=order)
    assert [(r["number"], r["order"], r["net"], r["tax_name"], r["tax"], r["total"]) for r in rows] == [
        (receipt.display_number, order.code, "10.00", "GST", "1.00", "11.00")]
    assert AuditEntry.objects.get(action="receipt.exported").after["receipts"] == 1
