"""The attendee's side of card payments over HTTP (Django test client): the payment step, the
order page states, bad input as 4xx, cancellation refunds per the event's policy."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from operations.payments.models import Payment, Refund
from operations.payments.providers.stripe import stripe_client
from operations.payments.services.payments import payment_card_confirm, payment_start
from operations.ticketing.models import Order
from operations.ticketing.services.orders import Item, order_reserve
from tests.operations.payments.builders import card_order
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def shop(alpha, site_client, org_a):
    event = event_make(slug="gala", currency="KRW")
    seat = ticket_type_make(event, name="Seat", price="55000", seats=5)
    return {"event": event, "seat": seat, "client": site_client(org_a)}


def _details(shop, method):
    order = order_reserve(event=shop["event"], items=[Item(shop["seat"].pk, 1)])
    data = {"buyer-name": "Kim Minji", "buyer-email": "minji@example.com", "buyer-phone": "",
            "a1-name": "Kim Minji", "a1-email": "minji@example.com", "payment_method": method}
    return order, shop["client"].post(f"/register/order/{order.secret}/details/", data)


def test_choosing_card_leads_to_the_payment_step_in_labelled_test_mode(shop, stripe_keys):
    order, response = _details(shop, "stripe")
    assert response.status_code == 302 and response.url.endswith(f"/register/order/{order.secret}/pay/")
    page = shop["client"].get(response.url)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="test-mode"' in html
    assert f'src="{stripe_keys.url}/js.stripe.com/v3/"' in html
    payment = Payment.objects.get(order=order)
    assert payment.client_secret in html and payment.provider_reference.startswith("pi_")
    assert "sk_test" not in html


def test_card_is_not_offered_without_keys(shop, settings):
    settings.STRIPE_SECRET_KEY = ""
    order, response = _details(shop, "stripe")
    assert response.status_code == 400 and response.context["error"].code == "payment_method_invalid"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_order_page_settles_a_payment_made_at_the_provider(shop, stripe_keys):
    order, _ = _details(shop, "stripe")
    payment = payment_start(order=order)
    client = stripe_client()
    client.v1.payment_intents.update(payment.provider_reference, params={"payment_method": stripe_keys.card_token()})
    client.v1.payment_intents.confirm(payment.provider_reference)
    page = shop["client"].get(f"/register/order/{order.secret}/?payment_intent={payment.provider_reference}")
    assert page.status_code == 200 and "You're registered!" in page.content.decode()


def test_failed_payment_shows_why_and_offers_a_retry(shop, stripe_keys):
    order, _ = _details(shop, "stripe")
    payment = payment_start(order=order)
    payment_card_confirm(payment=payment, payment_method=stripe_keys.card_token("4000000000000341"))
    html = shop["client"].get(f"/register/order/{order.secret}/").content.decode()
    assert "did not go through" in html and f"/register/order/{order.secret}/pay/" in html


@pytest.mark.parametrize("token", ["", "4242424242424242", "tok_x", "x" * 500])
def test_bad_card_ids_get_a_clear_4xx(shop, stripe_keys, token):
    order, _ = _details(shop, "stripe")
    shop["client"].get(f"/register/order/{order.secret}/pay/")
    response = shop["client"].post(f"/register/order/{order.secret}/pay/card/", {"payment_method": token})
    assert response.status_code == 400 and response.json()["error"]["code"] == "card_invalid"


def test_paying_a_confirmed_or_unknown_order_is_refused(shop, stripe_keys):
    order, _ = _details(shop, "offline")
    response = shop["client"].post(f"/register/order/{order.secret}/pay/card/", {"payment_method": "card_x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_payable"
    assert shop["client"].get(f"/register/order/{order.secret}/pay/").status_code == 302
    assert shop["client"].get("/register/order/nope/pay/").status_code == 404


def test_attendee_cancellation_refunds_to_the_card_when_the_policy_allows(shop, stripe_keys):
    shop["event"].self_cancel_until = timezone.now() + timedelta(days=3)
    shop["event"].self_cancel_refund = True
    shop["event"].save()
    order = card_order(event=shop["event"], ticket_type=shop["seat"])
    payment_card_confirm(payment=payment_start(order=order), payment_method=stripe_keys.card_token())
    response = shop["client"].post(f"/register/order/{order.secret}/cancel/", {"confirm": "yes"})
    assert response.status_code == 302
    order.refresh_from_db()
    refund = Refund.objects.get(order=order)
    assert order.status == Order.Status.CANCELLED and refund.amount == Decimal("55000")
    assert refund.status == Refund.Status.SUCCEEDED and refund.provider_reference.startswith("re_")


def test_attendee_cancellation_without_refund_policy_keeps_the_money(shop, stripe_keys):
    shop["event"].self_cancel_until = timezone.now() + timedelta(days=3)
    shop["event"].self_cancel_refund = False
    shop["event"].save()
    order = card_order(event=shop["event"], ticket_type=shop["seat"])
    payment_card_confirm(payment=payment_start(order=order), payment_method=stripe_keys.card_token())
    shop["client"].post(f"/register/order/{order.secret}/cancel/", {"confirm": "yes"})
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and not Refund.objects.filter(order=order).exists()


def test_webhook_endpoint_answers_bad_requests_with_4xx(shop, stripe_keys):
    client = shop["client"]
    assert client.get("/payments/webhook/stripe/").status_code == 405
    assert client.post("/payments/webhook/paypal/", data=b"{}", content_type="application/json").status_code == 400
    assert client.post("/payments/webhook/offline/", data=b"{}", content_type="application/json").status_code == 400
