"""Per-organization provider accounts. Secret keys are encrypted at rest with Fernet (key from
PAYMENTS_ENCRYPTION_KEY, else derived from SECRET_KEY), shown back only masked, never logged."""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from operations.audit.services import audit_record
from operations.payments.errors import PaymentError
from operations.payments.models import PaymentAccount


def _fernet() -> Fernet:
    configured = getattr(settings, "PAYMENTS_ENCRYPTION_KEY", "")
    if configured:
        return Fernet(configured.encode())
    digest = hashlib.sha256(b"tessera-payments:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_encrypt(value: str) -> bytes:
    return _fernet().encrypt(value.encode()) if value else b""


def secret_decrypt(token: bytes | memoryview) -> str:
    token = bytes(token or b"")
    if not token:
        return ""
    try:
        return _fernet().decrypt(token).decode()
    except InvalidToken:
        raise PaymentError("The stored payment keys cannot be read; enter them again.", code="not_configured") from None


def secret_mask(value: str) -> str:
    """sk_test_51Hx…abcd → "sk_test_…abcd": enough to recognise a key, useless to steal it."""
    if not value:
        return ""
    prefix = "_".join(value.split("_")[:2]) + "_" if value.count("_") >= 2 else ""
    return f"{prefix}…{value[-4:]}"


@dataclass(frozen=True)
class StripeCredentials:
    secret_key: str
    publishable_key: str
    webhook_secret: str
    api_base: str
    is_test_mode: bool
    from_platform: bool  # the platform's default test keys (development and tests)
    account_id: str = ""  # a connected account (Stripe Connect): requests are made on its behalf

    def __repr__(self) -> str:  # never print keys, even in a traceback
        return f"StripeCredentials(test={self.is_test_mode}, platform={self.from_platform})"


def stripe_credentials() -> StripeCredentials | None:
    """The current organization's Stripe keys, else the platform's defaults (development, tests),
    else None (card payments not offered)."""
    account = PaymentAccount.objects.filter(provider="stripe").first()
    api_base = getattr(settings, "STRIPE_API_BASE", "")
    if account is not None and account.secret_key_encrypted:
        secret = secret_decrypt(account.secret_key_encrypted)
        return StripeCredentials(secret, account.publishable_key, secret_decrypt(account.webhook_secret_encrypted),
                                 api_base, secret.startswith("sk_test_"), False, account.account_id)
    if settings.STRIPE_SECRET_KEY:
        return StripeCredentials(settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY,
                                 settings.STRIPE_WEBHOOK_SECRET, api_base,
                                 settings.STRIPE_SECRET_KEY.startswith("sk_test_"), True)
    return None


def stripe_js_url() -> str:
    """Stripe.js must come from Stripe itself (never a copy); in test mode from localstripe."""
    api_base = getattr(settings, "STRIPE_API_BASE", "")
    return settings.STRIPE_JS_URL or (f"{api_base}/js.stripe.com/v3/" if api_base else "https://js.stripe.com/v3/")


def payment_account_save(*, publishable_key: str, secret_key: str = "", webhook_secret: str = "",
                         account_id: str = "", actor=None, request=None) -> PaymentAccount:
    """Store the organization's Stripe keys. Empty secret fields keep the stored value (the form never
    shows them back). Raises PaymentError(key_invalid)."""
    publishable_key, secret_key, webhook_secret = (v.strip() for v in (publishable_key, secret_key, webhook_secret))
    if not publishable_key.startswith("pk_"):
        raise PaymentError("The publishable key starts with pk_test_ or pk_live_.", code="key_invalid")
    if secret_key and not (secret_key.startswith("sk_") or secret_key.startswith("rk_")):
        raise PaymentError("The secret key starts with sk_test_, sk_live_ or rk_.", code="key_invalid")
    if webhook_secret and not webhook_secret.startswith("whsec_"):
        raise PaymentError("The webhook signing secret starts with whsec_.", code="key_invalid")
    with transaction.atomic():
        account = PaymentAccount.objects.select_for_update().filter(provider="stripe").first()
        if account is None:
            account = PaymentAccount(provider="stripe")
        before = payment_account_snapshot(account) if account.pk else None
        account.publishable_key = publishable_key[:200]
        account.account_id = (account_id or "").strip()[:100]
        if secret_key:
            account.secret_key_encrypted = secret_encrypt(secret_key)
            account.secret_key_hint = secret_mask(secret_key)
            account.is_test_mode = secret_key.startswith(("sk_test_", "rk_test_"))
        if webhook_secret:
            account.webhook_secret_encrypted = secret_encrypt(webhook_secret)
            account.webhook_secret_hint = secret_mask(webhook_secret)
        if not account.secret_key_encrypted:
            raise PaymentError("Enter the secret key.", code="key_invalid")
        account.updated_at = timezone.now()
        account.save()
        audit_record("payment_account.saved", actor=actor, target=account, before=before,
                     after=payment_account_snapshot(account), request=request)
    return account


def payment_account_snapshot(account: PaymentAccount) -> dict:
    """What the audit log keeps: masked hints only."""
    return {"provider": account.provider, "publishable_key": account.publishable_key,
            "secret_key": account.secret_key_hint, "webhook_secret": account.webhook_secret_hint,
            "account_id": account.account_id, "test_mode": account.is_test_mode}
