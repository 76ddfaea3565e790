"""Per-organization Stripe keys: encrypted at rest, masked when shown, isolated per organization."""

import pytest
from django.db import connection

from operations.audit.models import AuditEntry
from operations.payments.errors import PaymentError
from operations.payments.models import PaymentAccount
from operations.payments.services.accounts import payment_account_save, secret_mask, stripe_credentials

SECRET = "sk_test_51HxVeryRealLookingKey0000abcd"


def test_keys_are_encrypted_at_rest_and_only_shown_masked(alpha, settings):
    settings.STRIPE_SECRET_KEY = ""
    payment_account_save(publishable_key="pk_test_123", secret_key=SECRET, webhook_secret="whsec_abc123", actor=None)
    account = PaymentAccount.objects.get(provider="stripe")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_key_encrypted::text, webhook_secret_encrypted::text FROM payments_paymentaccount")
        raw = " ".join(cursor.fetchone())
    assert SECRET not in raw and "whsec_abc123" not in raw
    assert bytes(account.secret_key_encrypted).decode().startswith("gAAAA")  # a Fernet token
    assert account.secret_key_hint == "sk_test_…abcd" == secret_mask(SECRET)
    credentials = stripe_credentials()
    assert credentials.secret_key == SECRET and credentials.webhook_secret == "whsec_abc123"
    assert SECRET not in repr(credentials) and not credentials.from_platform
    entry = AuditEntry.objects.get(action="payment_account.saved")
    assert SECRET not in str(entry.after) and entry.after["secret_key"] == "sk_test_…abcd"


def test_an_empty_secret_keeps_the_stored_one(alpha, settings):
    payment_account_save(publishable_key="pk_test_1", secret_key=SECRET, actor=None)
    payment_account_save(publishable_key="pk_test_2", secret_key="", actor=None)
    assert stripe_credentials().secret_key == SECRET and stripe_credentials().publishable_key == "pk_test_2"


@pytest.mark.parametrize(("publishable", "secret", "webhook"), [
    ("nope", SECRET, ""), ("pk_test_1", "not-a-key", ""), ("pk_test_1", SECRET, "secret"), ("pk_test_1", "", ""),
])
def test_malformed_keys_are_refused(alpha, publishable, secret, webhook):
    with pytest.raises(PaymentError) as error:
        payment_account_save(publishable_key=publishable, secret_key=secret, webhook_secret=webhook, actor=None)
    assert error.value.code == "key_invalid"
    assert not PaymentAccount.objects.exists()


def test_platform_test_keys_are_the_default_and_other_organizations_keep_theirs(org_a, org_b, in_schema, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_platform", "pk_test_platform"
    with in_schema(org_a):
        payment_account_save(publishable_key="pk_test_alpha", secret_key=SECRET, actor=None)
        assert stripe_credentials().secret_key == SECRET
    with in_schema(org_b):
        credentials = stripe_credentials()
        assert credentials.secret_key == "sk_test_platform" and credentials.from_platform


def test_a_connected_account_is_named_on_every_stripe_request(alpha, settings):
    """Stripe Connect: with an account id saved, requests carry it (Stripe-Account header)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from operations.payments.providers.stripe import stripe_client

    seen = []

    class Stripe(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Stripe-Account"))
            body = json.dumps({"id": "pi_1", "object": "payment_intent", "status": "succeeded"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Stripe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_port}"
    try:
        payment_account_save(publishable_key="pk_test_1", secret_key=SECRET, account_id="acct_1Connected", actor=None)
        assert stripe_client().v1.payment_intents.retrieve("pi_1").status == "succeeded"
        payment_account_save(publishable_key="pk_test_1", secret_key="", account_id="", actor=None)
        stripe_client().v1.payment_intents.retrieve("pi_1")
    finally:
        server.shutdown()
    assert seen == ["acct_1Connected", None]
