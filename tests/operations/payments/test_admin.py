"""Payments screens in the organization's admin: lists and filters, webhook log with the raw
payload, keys shown masked, refunds with a reason, review of held payments, roles."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.audit.models import AuditEntry
from operations.payments.models import Payment, ProviderEvent, Refund
from operations.payments.services.payments import payment_card_confirm, payment_start
from operations.payments.services.webhooks import webhook_receive
from operations.ticketing.models import Order
from tests.operations.payments.builders import card_order
from tests.operations.payments.localstripe import event_body, intent, signature


@pytest.fixture
def desk(org_a, in_schema, member, site_client, stripe_keys):
    with in_schema(org_a):
        finance = member(org_a, "finance")
        yield {"client": site_client(org_a, finance), "user": finance, "localstripe": stripe_keys,
               "member": member, "site_client": site_client, "org": org_a}


def _paid(desk, **kwargs):
    order = card_order(**kwargs)
    payment = payment_start(order=order)
    payment_card_confirm(payment=payment, payment_method=desk["localstripe"].card_token())
    order.refresh_from_db()
    return order, payment


def test_payments_list_filters_by_status_provider_event_and_date(desk):
    order, _ = _paid(desk)
    client = desk["client"]
    for query in ("", "?status=succeeded", "?provider=stripe", f"?event={order.event_id}", "?from=2000-01-01&to=2999-01-01"):
        response = client.get(reverse("payments_list") + query)
        assert response.status_code == 200 and order.code in response.content.decode(), query
    for query in ("?status=failed", "?provider=offline", "?from=2999-01-01"):
        assert order.code not in client.get(reverse("payments_list") + query).content.decode(), query
    assert client.get(reverse("payments_list") + "?from=2026-02-31&event=x&status=<b>").status_code == 200


def test_order_screen_refunds_with_a_reason_through_stripe_and_audits_the_actor(desk):
    order, _ = _paid(desk, currency="KRW", price="55000")
    url = reverse("payments_order_act", args=[order.pk])
    assert desk["client"].post(url, {"action": "refund", "amount": "1000.5", "reason": "x"}).status_code == 400
    assert desk["client"].post(url, {"action": "refund", "amount": "1000", "reason": ""}).status_code == 400
    response = desk["client"].post(url, {"action": "refund", "amount": "1000", "reason": "Seat moved"})
    assert response.status_code == 302
    order.refresh_from_db()
    refund = Refund.objects.get(order=order)
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.paid == Decimal("54000")
    assert refund.reason == "Seat moved" and refund.actor == desk["user"] and refund.provider_reference
    assert AuditEntry.objects.get(action="refund.succeeded").actor == desk["user"]
    page = desk["client"].get(reverse("ticketing_order", args=[order.pk])).content.decode()
    assert "Seat moved" in page and "order-payments" in page


def test_webhook_log_shows_the_raw_payload_and_result(desk):
    order, payment = card_order(), None
    payment = payment_start(order=order)
    body = event_body("evt_log", "payment_intent.succeeded", intent(payment.provider_reference, 5500, "USD"))
    webhook_receive(provider="stripe", body=body, headers={"Stripe-Signature": signature(body)})
    event = ProviderEvent.objects.get(event_id="evt_log")
    listing = desk["client"].get(reverse("payments_events")).content.decode()
    assert "evt_log" in listing and "order confirmed" in listing
    detail = desk["client"].get(reverse("payments_event", args=[event.pk])).content.decode()
    assert payment.provider_reference in detail and "amount_received" in detail


def test_reconcile_now_settles_a_paid_order_and_is_audited(desk):
    from operations.payments.providers.stripe import stripe_client

    order = card_order()
    payment = payment_start(order=order)
    client = stripe_client()
    client.v1.payment_intents.update(payment.provider_reference, params={"payment_method": desk["localstripe"].card_token()})
    client.v1.payment_intents.confirm(payment.provider_reference)
    response = desk["client"].post(reverse("payments_reconcile"), {"payment": [payment.pk]})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert AuditEntry.objects.get(action="payments.reconciled").actor == desk["user"]


def test_stripe_keys_are_saved_and_only_shown_masked(desk, member, site_client, org_a):
    owner = member(org_a, "owner", email="keys-owner@alpha.test")
    client = site_client(org_a, owner)
    secret = "sk_test_51SecretValue000000wxyz"
    response = client.post(reverse("payments_account"), {"publishable_key": "pk_test_1", "secret_key": secret,
                                                         "webhook_secret": "whsec_hidden_value"})
    assert response.status_code == 302
    page = client.get(reverse("payments_account")).content.decode()
    assert "sk_test_…wxyz" in page and secret not in page and "whsec_hidden_value" not in page
    assert client.post(reverse("payments_account"), {"publishable_key": "nope"}).status_code == 400


def test_held_payment_can_be_refused_and_refunded(desk):
    order = card_order(currency="USD", price="55.00")
    payment = payment_start(order=order)
    from operations.payments.providers.stripe import stripe_client

    client = stripe_client()
    client.v1.payment_intents.update(payment.provider_reference, params={"payment_method": desk["localstripe"].card_token()})
    client.v1.payment_intents.confirm(payment.provider_reference)
    body = event_body("evt_held", "payment_intent.succeeded", intent(payment.provider_reference, 5000, "USD"))
    webhook_receive(provider="stripe", body=body, headers={"Stripe-Signature": signature(body)})
    order.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD
    assert order.code in desk["client"].get(reverse("payments_list")).content.decode()  # needs attention
    url = reverse("payments_order_act", args=[order.pk])
    assert desk["client"].post(url, {"action": "hold_refuse"}).status_code == 400  # reason required
    assert desk["client"].post(url, {"action": "hold_refuse", "reason": "Amount differs"}).status_code == 302
    order.refresh_from_db()
    refund = Refund.objects.get(order=order)
    assert order.status == Order.Status.CANCELLED and refund.amount == Decimal("50.00")
    assert refund.status == Refund.Status.SUCCEEDED
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED


@pytest.mark.parametrize(("role", "status"), [("marketing", 403), ("staff", 403), ("finance", 200), ("admin", 200)])
def test_only_owner_admin_and_finance_see_payments(desk, role, status):
    user = desk["member"](desk["org"], role, email=f"{role}-pay@alpha.test")
    client = desk["site_client"](desk["org"], user)
    assert client.get(reverse("payments_list")).status_code == status
    assert client.get(reverse("payments_events")).status_code == status


def test_another_organizations_admin_cannot_act_on_this_order(desk, org_b, member, site_client, in_schema):
    order, _ = _paid(desk)
    outsider = member(org_b, "owner", email="owner-b-pay@beta.test")
    with in_schema(org_b):
        response = site_client(desk["org"], outsider).post(reverse("payments_order_act", args=[order.pk]),
                                                           {"action": "refund", "amount": "1", "reason": "x"})
    assert response.status_code in (302, 403) and not Refund.objects.filter(order=order).exists()


def _held(desk, received_minor=5000):
    from operations.payments.providers.stripe import stripe_client

    order = card_order(currency="USD", price="55.00")
    payment = payment_start(order=order)
    client = stripe_client()
    client.v1.payment_intents.update(payment.provider_reference, params={"payment_method": desk["localstripe"].card_token()})
    client.v1.payment_intents.confirm(payment.provider_reference)
    body = event_body(f"evt_{order.pk}", "payment_intent.succeeded", intent(payment.provider_reference, received_minor, "USD"))
    webhook_receive(provider="stripe", body=body, headers={"Stripe-Signature": signature(body)})
    order.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD
    return order


def test_held_payment_can_be_accepted_and_the_order_confirmed(desk):
    order = _held(desk)
    response = desk["client"].post(reverse("payments_order_act", args=[order.pk]), {"action": "hold_accept"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and order.paid == Decimal("50.00")
    assert AuditEntry.objects.filter(action="payment.review_accepted", actor=desk["user"]).exists()


def test_cancelling_a_held_order_in_the_ticketing_screen_refunds_the_held_money(desk):
    order = _held(desk)
    response = desk["client"].post(reverse("ticketing_order_act", args=[order.pk]), {"action": "cancel", "reason": "Wrong"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Refund.objects.get(order=order).status == Refund.Status.SUCCEEDED


def test_offline_payment_is_recorded_with_a_proof_and_confirms(desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
    from tests.operations.ticketing.builders import event_make, ticket_type_make

    event = event_make(slug="bank")
    seat = ticket_type_make(event, price="20", seats=3)
    order = order_reserve(event=event, items=[Item(seat.pk, 1)])
    order = order_complete(order=order, name="B", email="b@example.com", payment_method="offline",
                           attendees=[Attendee("B", "b@example.com")])
    proof = SimpleUploadedFile("slip.pdf", b"%PDF-1.4 transfer slip", content_type="application/pdf")
    response = desk["client"].post(reverse("payments_order_act", args=[order.pk]),
                                   {"action": "offline_received", "proof": proof})
    assert response.status_code == 302
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert order.status == Order.Status.CONFIRMED and payment.provider == "offline" and payment.proof.name
    again = desk["client"].post(reverse("payments_order_act", args=[order.pk]), {"action": "offline_received"})
    assert again.status_code == 400 and Payment.objects.filter(order=order).count() == 1


def test_offline_payment_after_the_hold_ran_out_and_the_seat_was_taken_is_refused_409(desk):
    from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
    from tests.operations.ticketing.builders import event_make, ticket_type_make

    event = event_make(slug="bank-late")
    seat = ticket_type_make(event, price="20", seats=1)

    def registered():
        return order_complete(order=order_reserve(event=event, items=[Item(seat.pk, 1)]), name="B",
                              email="b@example.com", payment_method="offline", attendees=[Attendee("B", "b@example.com")])

    order = registered()
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    registered()  # the seat went to someone else before the sweep expired the first order
    response = desk["client"].post(reverse("payments_order_act", args=[order.pk]), {"action": "offline_received"})
    assert response.status_code == 409
    assert "taken since" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and not Payment.objects.filter(order=order).exists()


def test_payments_menu_is_shown_to_finance_but_not_to_marketing(desk):
    html = desk["client"].get("/admin/").content.decode()  # the sidebar menu is JSON for Wagtail's React sidebar
    assert '"url": "/admin/payments/"' in html and '"url": "/admin/payments/events/"' in html
    marketing = desk["member"](desk["org"], "marketing", email="marketing-menu@alpha.test")
    html = desk["site_client"](desk["org"], marketing).get("/admin/").content.decode()
    assert '"url": "/admin/payments/"' not in html


def test_check_in_staff_see_the_order_but_not_its_payments(desk):
    order, _ = _paid(desk)
    staff = desk["member"](desk["org"], "staff", email="staff-pay@alpha.test")
    page = desk["site_client"](desk["org"], staff).get(reverse("ticketing_order", args=[order.pk]))
    assert page.status_code == 200 and order.code in page.content.decode()
    assert "order-payments" not in page.content.decode()
    assert "order-payments" in desk["client"].get(reverse("ticketing_order", args=[order.pk])).content.decode()
