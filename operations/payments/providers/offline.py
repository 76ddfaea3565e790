"""Offline payments (bank transfer with the order code as reference, or pay at the door: staff
mark them received) and free orders. Money moves outside Tessera, so refunds are records."""

from operations.payments.errors import PaymentError
from operations.payments.providers import ProviderNotice, ProviderStatus


class OfflineProvider:
    name = "offline"
    online = False

    def payment_create(self, payment) -> ProviderStatus:
        # The bank transfer reference is the confirmation number the attendee already has.
        return ProviderStatus(reference=payment.order.code, state="created", amount=payment.amount,
                              currency=payment.currency)

    def payment_status(self, payment) -> ProviderStatus:
        return ProviderStatus(reference=payment.provider_reference, state=payment.status, amount=payment.amount,
                              currency=payment.currency)

    def refund_create(self, refund) -> str:
        return ""  # paid back by the organizer by bank transfer or cash

    def event_parse(self, body: bytes, headers) -> ProviderNotice:
        raise PaymentError("This provider sends no events.", code="provider_unknown")


class FreeProvider(OfflineProvider):
    name = "free"

    def payment_create(self, payment) -> ProviderStatus:
        return ProviderStatus(reference="", state="succeeded", amount=payment.amount, currency=payment.currency)
