"""Signed ticket payloads: Ed25519 with one key pair per organization, kept in its schema.

Payload (what the QR code holds): ``T1.<base64url json>.<base64url signature>`` where the JSON
is {"t": ticket code, "o": order code, "e": event id, "i": issued at (unix s)}. The check-in app
verifies it offline with the organization's public key (signing_public_key_pem).
"""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import IntegrityError, connection, transaction

from operations.organizations.access import KeptAnswers
from operations.ticketing.errors import OrderError
from operations.ticketing.models import SigningKey, Ticket
from operations.ticketing.queries import active_signing_key

PREFIX = "T1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# The active key of each organization, kept per process while the access generation stands (any
# save of a key moves it): every confirmation page and ticket signs with it.
_active_keys = KeptAnswers()


def signing_key_get() -> SigningKey:
    """The organization's active key pair, created on first use."""
    key = _active_keys.get(("signing-key", connection.schema_name), active_signing_key)
    if key:
        return key
    private = Ed25519PrivateKey.generate()
    try:
        with transaction.atomic():
            return SigningKey.objects.create(
                private_key=private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                  serialization.NoEncryption()),
                public_key=private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
            )
    except IntegrityError:  # created concurrently
        return SigningKey.objects.get(is_active=True)


def signing_public_key_pem() -> str:
    public = Ed25519PublicKey.from_public_bytes(bytes(signing_key_get().public_key))
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def ticket_payload(ticket: Ticket, *, key: SigningKey | None = None) -> str:
    """The ticket's signed QR payload. Pass ``key`` (signing_key_get()) when signing several
    tickets: it is read once instead of once per ticket."""
    position = ticket.position
    body = json.dumps({"t": ticket.code, "o": position.order.code, "e": position.order.event_id,
                       "i": int(ticket.issued_at.timestamp())}, separators=(",", ":")).encode()
    key = Ed25519PrivateKey.from_private_bytes(bytes((key or signing_key_get()).private_key))
    return f"{PREFIX}.{_b64(body)}.{_b64(key.sign(body))}"


def ticket_payload_verify(payload: str, public_key_pem: str) -> dict:
    """Return the payload's data when its signature verifies; raise OrderError(signature_invalid)."""
    try:
        prefix, body, signature = payload.split(".")
        if prefix != PREFIX:
            raise ValueError
        public = serialization.load_pem_public_key(public_key_pem.encode())
        public.verify(_unb64(signature), _unb64(body))
        return json.loads(_unb64(body))
    except (ValueError, InvalidSignature, TypeError):
        raise OrderError("This ticket's signature does not verify.", code="signature_invalid") from None
