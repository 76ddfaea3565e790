"""Invoicing: the tax rule of each event, the tax fixed on each order, the organization's legal
details, and receipts / credit notes with gapless numbers (all inside the organization's schema,
so numbering is per organization).

A receipt stores a frozen copy of everything it shows (seller, buyer, lines, taxes, totals) in
``data``: its PDF is rendered from that copy, so later edits to settings, events or orders never
change a receipt that was issued.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from operations.events.models import Event
from operations.ticketing.models import MONEY, Order

RATE = {"max_digits": 6, "decimal_places": 3}


class TaxRule(models.Model):
    """The tax an event's prices carry: one rule per event (no rule: no tax shown)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="tax_rule")
    name = models.CharField(max_length=40, help_text="As printed on receipts, e.g. VAT, GST, 부가세.")
    rate = models.DecimalField(**RATE,
                               validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(100))],
                               help_text="Percent, e.g. 10 or 8.875.")
    prices_include_tax = models.BooleanField(
        default=True, verbose_name="prices include tax",
        help_text="On: ticket prices already contain the tax (it is shown as included). "
                  "Off: the tax is added to the order total at checkout.")

    class Meta:
        ordering = ["event"]
        constraints = [models.CheckConstraint(condition=Q(rate__gt=0) & Q(rate__lte=100),
                                              name="tax_rule_rate_in_range")]

    def __str__(self):
        return f"{self.name} {self.rate.normalize():f}% ({'included' if self.prices_include_tax else 'added'})"


class OrderTax(models.Model):
    """The tax of one order, fixed when its seats were reserved: changing the event's rule later
    does not change what a buyer was shown and charged."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="tax")
    name = models.CharField(max_length=40)
    rate = models.DecimalField(**RATE)
    prices_include_tax = models.BooleanField()
    net = models.DecimalField(**MONEY, help_text="Taxable amount without the tax.")
    amount = models.DecimalField(**MONEY, help_text="The tax.")

    def __str__(self):
        return f"{self.name} {self.rate.normalize():f}%: {self.amount}"


class InvoiceSettings(models.Model):
    """The organization's legal details printed on receipts (one row per organization schema)."""

    legal_name = models.CharField(max_length=200, blank=True, help_text="Empty: the organization's name.")
    address = models.TextField(blank=True)
    tax_id = models.CharField(max_length=60, blank=True, verbose_name="tax ID",
                              help_text="VAT number, ABN, 사업자등록번호 …")
    email = models.EmailField(blank=True, help_text="Contact for billing questions.")
    number_prefix = models.CharField(max_length=12, default="R-", blank=True,
                                     help_text="Printed before the receipt number, e.g. R-000042.")
    footer = models.TextField(blank=True, help_text="Printed at the bottom of every receipt.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "invoice settings"
        verbose_name_plural = "invoice settings"

    def __str__(self):
        return self.legal_name or "Invoice settings"


class ReceiptCounter(models.Model):
    """The last number handed out. Locked (SELECT … FOR UPDATE) in the transaction that inserts
    the receipt, so numbers are gapless: a rolled-back receipt rolls its number back too."""

    name = models.CharField(max_length=20, unique=True)
    last_number = models.PositiveIntegerField(default=0)


class Receipt(models.Model):
    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        CREDIT_NOTE = "credit_note", "Credit note"

    # One sequence for receipts and credit notes: every number is accounted for in one list.
    number = models.PositiveIntegerField(unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RECEIPT)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="receipts")
    credits = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes",
                                help_text="The receipt a credit note corrects.")
    issued_at = models.DateTimeField(default=timezone.now)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(**MONEY, help_text="Negative for credit notes.")
    tax = models.DecimalField(**MONEY, default=0)
    data = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(kind="receipt"), name="one_receipt_per_order"),
            models.CheckConstraint(condition=Q(kind="credit_note", total__lt=0, credits__isnull=False)
                                   | Q(kind="receipt", total__gt=0, credits__isnull=True),
                                   name="receipt_sign_matches_kind"),
        ]

    def __str__(self):
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.data.get('prefix', '')}{self.number:06d}"
