"""Exports, column presets and page-view counts, all inside the organization's schema."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    ATTENDEES = "attendees", "Attendees (one row per ticket)"
    ORDERS = "orders", "Orders"
    PAYMENTS = "payments", "Payments"
    REFUNDS = "refunds", "Refunds"
    CHECKINS = "checkins", "Check-ins"
    WAITING_LIST = "waiting_list", "Waiting list"


class Format(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"
    JSON = "json", "JSON"
    PDF = "pdf", "Printable PDF (attendees)"


def _token() -> str:
    return secrets.token_urlsafe(24)


class ExportJob(models.Model):
    """One export: what was asked (kind, format, filters, columns) and how far it got. Large
    exports are written by a Celery task into a private file reached only through a signed link."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    format = models.CharField(max_length=8, choices=Format.choices)
    filters = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True, help_text="Column keys in order (empty: all).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # The file's name on disk is unguessable; the link that reaches it is signed and expires.
    file_token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("run_export", "Export attendees, orders, payments and check-ins"),
            ("import_data", "Import attendees, complimentary tickets and older registrations"),
            ("view_reports", "See registration, revenue and check-in reports"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.format} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))


class ColumnPreset(models.Model):
    """A named choice and order of columns for one kind of export, shared by the organization."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=80)
    columns = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="column_preset_unique_name")]

    def __str__(self):
        return self.name


class PageViewCount(models.Model):
    """Event page views per hour (flushed from Redis counters; the first step of the funnel)."""

    event_id = models.BigIntegerField()
    hour = models.DateTimeField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "hour"], name="page_view_count_unique_hour")]
