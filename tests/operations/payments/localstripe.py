"""localstripe (a fake but stateful Stripe over HTTP) in a child process, and Stripe-style
webhook signatures, for payment tests."""

import hashlib
import hmac
import json
import subprocess
import sys
import time
import urllib.request

from tests.harness import _free_port, _terminate

SECRET_KEY = "sk_test_tessera_tests_0123456789abcd"
PUBLISHABLE_KEY = "pk_test_tessera_tests_0123456789abcd"
WEBHOOK_SECRET = "whsec_tessera_tests_0123456789"


class LocalStripeProcess:
    def __init__(self):
        self.port = _free_port()
        self.url = f"http://localhost:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "localstripe", "--port", str(self.port), "--from-scratch"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("localstripe exited while starting")
            try:
                urllib.request.urlopen(f"{self.url}/js.stripe.com/v3/", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("localstripe did not answer in time")

    def env(self) -> dict:
        return {"STRIPE_API_BASE": self.url, "STRIPE_SECRET_KEY": SECRET_KEY,
                "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}

    def card_token(self, number: str = "4242424242424242") -> str:
        """What Stripe.js does in the browser: tokenise a card with the publishable key."""
        data = (f"card[number]={number}&card[exp_month]=12&card[exp_year]=2031&card[cvc]=123&key={PUBLISHABLE_KEY}").encode()
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/v1/tokens", data=data), timeout=10) as response:
            return json.load(response)["card"]["id"]

    def stop(self) -> None:
        _terminate(self.process)


def signature(body: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends: t=<unix time>,v1=<HMAC-SHA256 of "t.body">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_body(event_id: str, event_type: str, obj: dict) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "created": int(time.time()),
                       "data": {"object": obj}}).encode()


def intent(reference: str, amount_minor: int, currency: str, status: str = "succeeded", **extra) -> dict:
    return {"id": reference, "object": "payment_intent", "amount": amount_minor, "amount_received": amount_minor
            if status == "succeeded" else 0, "currency": currency.lower(), "status": status, **extra}
