"""On a phone over a real server: checkout shows the tax added to the total (부가세, KRW), the paid
order page shows the tax lines and a receipt link, and the receipt PDF carries the tax line and
its number. Committed data, own schema."""

import io
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from pypdf import PdfReader

from tests.harness import ServerProcess, committed_organization

pytestmark = pytest.mark.committed


def _prepare(organization):
    from operations.events.models import Event
    from operations.invoicing.models import InvoiceSettings, TaxRule
    from operations.ticketing.models import Quota, TicketType

    with schema_context(organization.schema_name):
        now = timezone.now()
        event = Event.objects.create(name="Seoul Data Day", slug="data-day", status=Event.Status.PUBLISHED,
                                     currency="KRW", starts_at=now + timedelta(days=10),
                                     ends_at=now + timedelta(days=10, hours=6), timezone="Asia/Seoul")
        seat = TicketType.objects.create(event=event, name="Seat", price=Decimal("33000"))
        seat.quotas.add(Quota.objects.create(event=event, name="Hall", size=20))
        TaxRule.objects.create(event=event, name="부가세", rate=Decimal(10), prices_include_tax=False)
        InvoiceSettings.objects.create(legal_name="알파 이벤트 주식회사", tax_id="123-45-67890")


def test_phone_sees_the_tax_at_checkout_and_downloads_the_receipt(django_db_setup, django_db_blocker,
                                                                  phone):
    from operations.invoicing.models import Receipt
    from operations.ticketing.models import Order
    from operations.ticketing.services.lifecycle import order_mark_paid

    with django_db_blocker.unblock(), committed_organization("e2e-tax") as organization:
        _prepare(organization)
        connection.set_schema_to_public()
        server = ServerProcess()
        try:
            base = server.url(organization, "").rstrip("/")
            phone.goto(f"{base}/register/data-day/")
            assert phone.get_by_test_id("tax-note").inner_text() == "부가세 10% is added at checkout."
            phone.get_by_label("Seat").select_option("1")
            phone.get_by_role("button", name="Reserve for 15 minutes").click()
            phone.wait_for_url("**/details/")
            lines = phone.get_by_test_id("tax-lines").inner_text()
            assert "부가세 10%" in lines and "KRW 3,300" in lines and "KRW 36,300" in lines
            phone.get_by_role("textbox", name="Full name:", exact=True).fill("Kim Minji")
            phone.locator('[name="buyer-email"]').fill("minji@example.com")
            phone.locator('[name="a1-same_as_buyer"]').check()
            if phone.locator("#pay-offline").count():
                phone.locator("#pay-offline").check()
            phone.get_by_role("button", name="Complete registration").click()
            phone.wait_for_url("**/register/order/**")
            code = phone.get_by_test_id("confirmation-number").inner_text()
            with schema_context(organization.schema_name):
                order_mark_paid(order=Order.objects.get(code=code), actor=None)  # the receipt follows the commit
                receipt = Receipt.objects.get(order__code=code)
            connection.set_schema_to_public()
            phone.reload()
            assert phone.get_by_test_id("tax-amount").inner_text() == "KRW 3,300"
            # Mobile first: nothing wider than the phone.
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            href = phone.get_by_test_id("receipt-link").get_attribute("href")
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}{href}",
                                             headers={"Host": f"{organization.primary_host()}:{server.port}"})
            with urllib.request.urlopen(request) as response:
                assert response.headers["Content-Type"] == "application/pdf"
                text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.read())).pages)
            for expected in (receipt.display_number, "부가세 10%", "KRW 3,300", "KRW 36,300", "알파 이벤트 주식회사"):
                assert expected in text, expected
        finally:
            server.stop()
