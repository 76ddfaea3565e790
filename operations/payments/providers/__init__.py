"""Payment providers behind one interface. A new provider (PayPal, a Korean gateway) is a new
module with a class implementing ``Provider`` and one line in PROVIDERS; nothing else changes."""

from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from typing import Protocol

from operations.payments.errors import PaymentError

PROVIDERS = {
    "stripe": "operations.payments.providers.stripe.StripeProvider",
    "offline": "operations.payments.providers.offline.OfflineProvider",
    "free": "operations.payments.providers.offline.FreeProvider",
}


@dataclass
class ProviderStatus:
    """What the provider says about one payment, in our terms (Payment.Status values, Decimal)."""

    reference: str
    state: str
    amount: Decimal | None = None
    currency: str = ""
    message: str = ""
    client_secret: str = ""


@dataclass
class ProviderNotice:
    """A verified provider event, normalised. ``kind``: payment, refund, dispute or ignored."""

    event_id: str
    type: str
    kind: str
    reference: str = ""
    status: ProviderStatus | None = None
    refunded_total: Decimal | None = None
    payload: dict = field(default_factory=dict)
    message: str = ""


class Provider(Protocol):
    name: str
    online: bool  # asks a remote service (reconciliation applies)

    def payment_create(self, payment) -> ProviderStatus: ...

    def payment_status(self, payment) -> ProviderStatus: ...

    def refund_create(self, refund) -> str: ...

    def event_parse(self, body: bytes, headers) -> ProviderNotice: ...


def provider_get(name: str) -> Provider:
    path = PROVIDERS.get(name)
    if path is None:
        raise PaymentError("This payment provider is not available.", code="provider_unknown")
    module, _, cls = path.rpartition(".")
    return getattr(import_module(module), cls)()
