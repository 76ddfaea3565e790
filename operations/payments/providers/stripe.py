"""Stripe: PaymentIntents (card data goes from the browser to Stripe, never to us), refunds and
signed webhook events. Each call builds a client with the current organization's keys, so keys of
two organizations never meet in one process-wide setting."""

import json
import logging

import stripe
from django.db import connection

from operations.payments.errors import PaymentError
from operations.payments.money import money_from_minor, money_to_minor
from operations.payments.providers import ProviderNotice, ProviderStatus
from operations.payments.services.accounts import StripeCredentials, stripe_credentials

log = logging.getLogger(__name__)

# PaymentIntent status → Payment.Status
_STATES = {
    "requires_payment_method": "created", "requires_confirmation": "created", "requires_action": "requires_action",
    "processing": "processing", "requires_capture": "processing", "succeeded": "succeeded", "canceled": "canceled",
}
_PAYMENT_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
                   "payment_intent.processing", "payment_intent.requires_action"}


def _credentials() -> StripeCredentials:
    credentials = stripe_credentials()
    if credentials is None:
        raise PaymentError("Card payments are not set up for this organization.", code="not_configured")
    return credentials


def stripe_client(credentials: StripeCredentials | None = None) -> stripe.StripeClient:
    credentials = credentials or _credentials()
    bases = {"api": credentials.api_base} if credentials.api_base else None
    return stripe.StripeClient(credentials.secret_key, base_addresses=bases, max_network_retries=2,
                               stripe_account=credentials.account_id or None)


def _unavailable(error: stripe.StripeError) -> PaymentError:
    # Stripe's own message is safe to show (it never contains keys); log the rest without the key.
    log.warning("stripe call failed: %s %s", type(error).__name__, getattr(error, "code", ""))
    message = getattr(error, "user_message", None) or "The card payment service did not answer. Please try again."
    return PaymentError(message, code="provider_unavailable")


def _status(intent) -> ProviderStatus:
    if hasattr(intent, "to_dict"):
        intent = intent.to_dict()
    error = intent.get("last_payment_error") or {}
    state = _STATES.get(intent["status"], "processing")
    if intent["status"] == "requires_payment_method" and error:
        state = "failed"
    return ProviderStatus(reference=intent["id"], state=state, amount=money_from_minor(intent["amount"], intent["currency"]),
                          currency=intent["currency"].upper(), message=(error.get("message") or "")[:500],
                          client_secret=intent.get("client_secret") or "")


class StripeProvider:
    name = "stripe"
    online = True

    def payment_create(self, payment) -> ProviderStatus:
        params = {
            "amount": money_to_minor(payment.amount, payment.currency),
            "currency": payment.currency.lower(),
            "payment_method_types": ["card"],
            "metadata": {"order": payment.order.code, "payment": str(payment.pk), "organization": connection.schema_name},
        }
        try:
            intent = stripe_client().v1.payment_intents.create(params=params,
                                                               options={"idempotency_key": f"payment-{payment.pk}"})
        except stripe.StripeError as error:
            raise _unavailable(error) from None
        return _status(intent)

    def payment_status(self, payment) -> ProviderStatus:
        try:
            intent = stripe_client().v1.payment_intents.retrieve(payment.provider_reference)
        except stripe.StripeError as error:
            raise _unavailable(error) from None
        return _status(intent)

    def payment_method_confirm(self, payment, payment_method: str) -> ProviderStatus:
        """Attach a card the browser tokenised at the provider (an id such as card_… or pm_…, never
        card data) and confirm. Used with the Stripe.js stand-in, whose Payment Element cannot
        confirm by itself; real Stripe.js confirms in the browser (stripe.confirmPayment)."""
        if not payment_method.startswith(("pm_", "card_", "src_")):
            raise PaymentError("The card could not be read. Please enter it again.", code="card_invalid")
        client = stripe_client()
        try:
            client.v1.payment_intents.update(payment.provider_reference, params={"payment_method": payment_method})
            intent = client.v1.payment_intents.confirm(payment.provider_reference)
        except stripe.CardError as error:
            intent = client.v1.payment_intents.retrieve(payment.provider_reference)
            status = _status(intent)
            status.state, status.message = "failed", (error.user_message or "Your card was declined.")[:500]
            return status
        except stripe.StripeError as error:
            raise _unavailable(error) from None
        return _status(intent)

    def refund_create(self, refund) -> str:
        params = {"payment_intent": refund.payment.provider_reference,
                  "amount": money_to_minor(refund.amount, refund.currency),
                  "metadata": {"order": refund.order.code, "refund": str(refund.pk)}}
        try:
            result = stripe_client().v1.refunds.create(params=params, options={"idempotency_key": f"refund-{refund.pk}"})
        except stripe.StripeError as error:
            raise _unavailable(error) from None
        if result.to_dict().get("status") == "failed":
            raise PaymentError("The card provider refused the refund.", code="refund_failed")
        return result["id"]

    def event_parse(self, body: bytes, headers) -> ProviderNotice:
        """Verify the Stripe-Signature header with the organization's webhook secret and normalise
        the event. Raises PaymentError(signature_invalid) for anything not signed by Stripe."""
        credentials = _credentials()
        signature = headers.get("Stripe-Signature", "")
        if not credentials.webhook_secret or not signature:
            raise PaymentError("Missing or unknown signature.", code="signature_invalid")
        try:
            text = body.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature, credentials.webhook_secret, tolerance=300)
            payload = json.loads(text)
            event_id, event_type, obj = payload["id"], payload["type"], payload["data"]["object"]
        except (stripe.SignatureVerificationError, UnicodeDecodeError):
            raise PaymentError("Missing or unknown signature.", code="signature_invalid") from None
        except (ValueError, KeyError, TypeError):
            raise PaymentError("The event is not valid JSON of a Stripe event.", code="event_invalid") from None
        notice = ProviderNotice(event_id=str(event_id)[:120], type=str(event_type)[:80], kind="ignored", payload=payload)
        try:
            if event_type in _PAYMENT_EVENTS:
                status = _status(obj)
                if event_type == "payment_intent.payment_failed":
                    status.state = "failed"
                    status.message = status.message or "The payment failed."
                elif event_type == "payment_intent.succeeded":
                    status.amount = money_from_minor(obj.get("amount_received") or obj["amount"], obj["currency"])
                notice.kind, notice.reference, notice.status = "payment", obj["id"], status
            elif event_type == "charge.refunded":
                notice.kind, notice.reference = "refund", obj.get("payment_intent") or ""
                notice.refunded_total = money_from_minor(obj["amount_refunded"], obj["currency"])
            elif event_type == "charge.dispute.created":
                notice.kind, notice.reference = "dispute", obj.get("payment_intent") or ""
                notice.message = f"Dispute {obj.get('id', '')}: {obj.get('reason', 'no reason given')}"[:500]
        except (KeyError, TypeError, ValueError):
            raise PaymentError("The event is missing fields Tessera needs.", code="event_invalid") from None
        return notice
