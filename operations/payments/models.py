"""Payments: what an attendee paid through which provider, what was given back, the provider's
events as received (the webhook log), and the organization's provider keys (encrypted).

Amounts are Decimal in the order's currency (MONEY); providers that count in minor units are
converted at the adapter boundary (operations.payments.money).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from operations.ticketing.models import MONEY, Order


def proof_upload_to(instance, filename: str) -> str:
    """An unguessable folder per upload: transfer slips carry personal and bank details."""
    return f"payments/proof/{secrets.token_urlsafe(18)}/{filename[-100:]}"


class PaymentAccount(models.Model):
    """The organization's keys for one provider. Secrets are Fernet-encrypted (services.accounts);
    they are never shown back in full and never logged."""

    provider = models.CharField(max_length=20, unique=True)
    publishable_key = models.CharField(max_length=200, blank=True)
    secret_key_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    webhook_secret_encrypted = models.BinaryField(blank=True, default=b"", editable=False)
    secret_key_hint = models.CharField(max_length=40, blank=True, editable=False)
    webhook_secret_hint = models.CharField(max_length=40, blank=True, editable=False)
    account_id = models.CharField(max_length=100, blank=True, help_text="Connected account id, if any.")
    is_test_mode = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["provider"]

    def __str__(self):
        return f"{self.provider} ({'test' if self.is_test_mode else 'live'})"


class Payment(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", "Created"
        PROCESSING = "processing", "Processing"
        REQUIRES_ACTION = "requires_action", "Requires action"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"
        HELD = "held", "Held for review"
        DISPUTED = "disputed", "Disputed"

    OPEN = (Status.CREATED, Status.PROCESSING, Status.REQUIRES_ACTION)

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20, db_index=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    # What the provider reported as received (differs from amount only for payments held for review).
    amount_received = models.DecimalField(**MONEY, null=True, blank=True)
    currency_received = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED, db_index=True)
    provider_reference = models.CharField(max_length=120, blank=True, db_index=True)
    client_secret = models.CharField(max_length=200, blank=True, editable=False)
    failure_message = models.CharField(max_length=500, blank=True)
    proof = models.FileField(upload_to=proof_upload_to, blank=True, max_length=200)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    reconcile_attempts = models.PositiveIntegerField(default=0)
    reconcile_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
            models.UniqueConstraint(fields=["provider", "provider_reference"], condition=~Q(provider_reference=""),
                                    name="payment_reference_unique_per_provider"),
        ]

    def __str__(self):
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    provider_reference = models.CharField(max_length=120, blank=True, db_index=True)
    failure_message = models.CharField(max_length=500, blank=True)
    automatic = models.BooleanField(default=False, help_text="Issued by Tessera (late payment, mismatch).")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"refund {self.amount} {self.currency} ({self.status})"


class ProviderEvent(models.Model):
    """One event a provider sent us, stored as received. Processed once: the unique event id and a
    row lock make replays, duplicates and concurrent deliveries no-ops."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=120)
    type = models.CharField(max_length=80, db_index=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")]

    def __str__(self):
        return f"{self.provider} {self.type} {self.event_id}"
