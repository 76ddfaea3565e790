"""Ticketing: what is sold (ticket types, quotas, sessions, promo codes) and what was bought
(orders, positions, tickets), all inside the organization's schema.

Capacity is never stored as a counter: remaining seats are computed from the positions of orders
that hold seats (services.capacity), under row locks on the quotas.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from operations.events.models import Event
from operations.ticketing.money import currency_exponent, money_is_exact

MONEY = {"max_digits": 14, "decimal_places": 3}


def _money_errors(instance, *field_names) -> dict[str, str]:
    """Amounts with digits below the event's currency unit (KRW 15000.5) would be rounded when
    charged: refuse them at input. Nothing to say while the event is unknown (the form says so)."""
    event = instance.event if instance.event_id else None
    if event is None or not event.currency:
        return {}
    errors = {}
    for name in field_names:
        amount = getattr(instance, name)
        if amount is not None and amount.is_finite() and not money_is_exact(amount, event.currency):
            places = currency_exponent(event.currency)
            unit = "whole amounts" if places == 0 else f"at most {places} decimal places"
            errors[name] = f"{event.currency.upper()} takes {unit}: {amount} cannot be charged exactly."
    return errors


def _other_event_names(queryset, event_id) -> str:
    """Names of the rows of ``queryset`` that belong to an event other than ``event_id``."""
    return ", ".join(str(row) for row in queryset.exclude(event_id=event_id).select_related("event"))


class Quota(models.Model):
    """A capacity one or more ticket types count against ("all seats", "student seats")."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quotas")
    name = models.CharField(max_length=120)
    size = models.PositiveIntegerField(help_text="Seats in this quota.")

    class Meta:
        ordering = ["event", "name"]

    def __str__(self):
        # Events often reuse quota names ("All seats"): the picker must tell them apart.
        return f"{self.name} ({self.size}) · {self.event.name}"

    def clean(self):
        # Moving a quota to another event would make that event share seats with the types here.
        if self.pk and self.event_id and (others := _other_event_names(self.ticket_types.all(), self.event_id)):
            raise ValidationError({"event": f"Ticket types of another event count against this quota ({others}); "
                                            "remove them from it first."})


class TicketType(models.Model):
    class Visibility(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HIDDEN = "hidden", "Hidden"
        PROMO_ONLY = "promo_only", "Only with a promo code"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    price = models.DecimalField(**MONEY, default=0, help_text="In the event's currency.")
    early_price = models.DecimalField(**MONEY, null=True, blank=True, help_text="Early-bird price.")
    early_until = models.DateTimeField(null=True, blank=True, help_text="The early-bird price applies until then.")
    sale_starts_at = models.DateTimeField(null=True, blank=True)
    sale_ends_at = models.DateTimeField(null=True, blank=True)
    min_per_order = models.PositiveSmallIntegerField(default=1)
    max_per_order = models.PositiveSmallIntegerField(default=10)
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.VISIBLE)
    is_active = models.BooleanField(default=True)
    limit_per_email = models.PositiveSmallIntegerField(null=True, blank=True,
                                                        help_text="Most tickets of this type per buyer e-mail.")
    position = models.PositiveIntegerField(default=0)
    quotas = models.ManyToManyField(Quota, related_name="ticket_types", blank=True)

    class Meta:
        ordering = ["event", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="ticket_type_price_not_negative"),
            models.CheckConstraint(condition=Q(min_per_order__gte=1), name="ticket_type_min_at_least_one"),
        ]

    def __str__(self):
        return f"{self.name} · {self.event.name}"

    def clean(self):
        errors = _money_errors(self, "price", "early_price")
        if self.min_per_order and self.max_per_order is not None and self.min_per_order > self.max_per_order:
            errors["max_per_order"] = f"At least the minimum per order ({self.min_per_order})."
        if self.sale_starts_at and self.sale_ends_at and self.sale_starts_at >= self.sale_ends_at:
            errors["sale_ends_at"] = "The sale must end after it starts."
        # The quotas are checked by the admin form (they are not saved yet here); promo codes
        # pointing at this type are not on the form, so moving it to another event is refused.
        if self.pk and self.event_id:
            others = _other_event_names(PromoCode.objects.filter(Q(ticket_types=self) | Q(unlocks=self)).distinct(),
                                        self.event_id)
            if others:
                errors.setdefault("event", f"Promo codes of another event refer to this ticket type ({others}).")
        if errors:
            raise ValidationError(errors)

    def price_at(self, now):
        if self.early_price is not None and self.early_until and now < self.early_until:
            return self.early_price
        return self.price

    def on_sale(self, now) -> bool:
        return (self.is_active and (self.sale_starts_at is None or self.sale_starts_at <= now)
                and (self.sale_ends_at is None or now < self.sale_ends_at))


class Session(models.Model):
    """A session or program inside an event that attendees pick during registration."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    room = models.CharField(max_length=120, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    speakers = models.CharField(max_length=300, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    price = models.DecimalField(**MONEY, default=0, help_text="Extra price (0: included).")
    has_waiting_list = models.BooleanField(default=True)

    class Meta:
        ordering = ["event", "starts_at", "id"]

    def __str__(self):
        return self.title

    def clean(self):
        errors = _money_errors(self, "price")
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = "The session must end after it starts."
        if errors:
            raise ValidationError(errors)


class PromoCode(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", "Percentage"
        FIXED = "fixed", "Fixed amount per ticket"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="promo_codes")
    code = models.CharField(max_length=40, help_text="Case-insensitive; stored upper-case.")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(**MONEY, default=0)
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Orders that may use it (empty: no limit).")
    # Counted under a row lock when an order holds the code; released when the order expires or is cancelled.
    used_count = models.PositiveIntegerField(default=0, editable=False)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    ticket_types = models.ManyToManyField(TicketType, blank=True, related_name="promo_codes",
                                          help_text="Discount only these types (empty: all).")
    unlocks = models.ManyToManyField(TicketType, blank=True, related_name="unlocked_by",
                                     help_text="Hidden types this code makes available.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["event", "code"]
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="promo_code_unique_per_event"),
            # The last line of defence against counting past the limit.
            models.CheckConstraint(condition=Q(max_uses__isnull=True) | Q(used_count__lte=models.F("max_uses")),
                                   name="promo_code_used_within_limit"),
            models.CheckConstraint(condition=Q(value__gte=0), name="promo_code_value_not_negative"),
        ]

    def __str__(self):
        return self.code

    def clean(self):
        self.code = (self.code or "").strip().upper()
        errors = {}
        if self.kind == self.Kind.FIXED:
            errors = _money_errors(self, "value")
        elif self.kind == self.Kind.PERCENT and self.value is not None and self.value > 100:
            errors["value"] = "A percentage discount is at most 100."
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            errors["valid_until"] = "The code must stop being valid after it starts."
        if errors:
            raise ValidationError(errors)


def _order_secret() -> str:
    return secrets.token_urlsafe(24)


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Reserved"
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        ON_HOLD = "on_hold", "Held for review"

    class PaymentMethod(models.TextChoices):
        FREE = "free", "Free"
        OFFLINE = "offline", "Bank transfer or at the door"
        STRIPE = "stripe", "Card"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="orders")
    code = models.CharField(max_length=24, unique=True, help_text="Confirmation number, e.g. REG-20261122-7KQ2XM.")
    secret = models.CharField(max_length=64, unique=True, default=_order_secret, editable=False)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_constraint=False)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY, default=0)
    discount = models.DecimalField(**MONEY, default=0)
    total = models.DecimalField(**MONEY, default=0)
    paid = models.DecimalField(**MONEY, default=0)
    promo_code = models.ForeignKey(PromoCode, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    # Seats are held while expires_at is in the future (pending and awaiting_* states).
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was rejected or cancelled.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Set by the e-mail task once the tickets went out; a confirmed order without it is e-mailed
    # again by the catch-up sweep (the broker may have been unreachable when it was confirmed).
    tickets_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative")]
        indexes = [models.Index(fields=["confirmed_at"], name="order_tickets_not_emailed",
                                condition=Q(status="confirmed", tickets_emailed_at__isnull=True))]

    def __str__(self):
        return self.code

    HOLDING_UNTIL_EXPIRY = (Status.PENDING, Status.AWAITING_PAYMENT, Status.AWAITING_APPROVAL)
    # A partly refunded order keeps its tickets, so it keeps its seats.
    HOLDING_FOR_GOOD = (Status.CONFIRMED, Status.PARTIALLY_REFUNDED)
    # A payment held for review (amount or currency did not match) keeps its seats until staff decide.
    HOLDING_SEATS = HOLDING_FOR_GOOD + (Status.ON_HOLD,)

    @property
    def is_live(self) -> bool:
        """True while it holds seats (confirmed, or not yet expired)."""
        if self.status in self.HOLDING_SEATS:
            return True
        return self.status in self.HOLDING_UNTIL_EXPIRY and (self.expires_at is None or self.expires_at > timezone.now())


def seat_holding_q(now, prefix: str = "order__") -> Q:
    """Positions (prefix "order__") or orders (prefix "") that hold seats at ``now``."""
    return Q(**{f"{prefix}status__in": Order.HOLDING_SEATS}) | (
        Q(**{f"{prefix}status__in": Order.HOLDING_UNTIL_EXPIRY}) & Q(**{f"{prefix}expires_at__gt": now})
    )


class OrderPosition(models.Model):
    """One seat in an order: its ticket type, price paid, and the attendee."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="positions")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="positions")
    price = models.DecimalField(**MONEY, default=0)
    discount = models.DecimalField(**MONEY, default=0)
    attendee_name = models.CharField(max_length=200, blank=True)
    attendee_email = models.EmailField(blank=True)
    # The answers together with the question definitions they answered (exports stay correct).
    answers = models.JSONField(default=dict, blank=True)
    sessions = models.ManyToManyField(Session, blank=True, related_name="positions")
    is_cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.order.code} · {self.ticket_type.name} · {self.attendee_name or '—'}"


def _ticket_code() -> str:
    return secrets.token_urlsafe(18)


class Ticket(models.Model):
    """The credential for one position. Transfers revoke it and issue a new one."""

    position = models.ForeignKey(OrderPosition, on_delete=models.CASCADE, related_name="tickets")
    code = models.CharField(max_length=40, unique=True, default=_ticket_code, editable=False)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["position"], condition=Q(revoked_at__isnull=True),
                                               name="one_valid_ticket_per_position")]

    def __str__(self):
        return self.code


class SigningKey(models.Model):
    """The organization's Ed25519 key pair for ticket QR payloads. Scanners verify offline with the
    public key; the private key never leaves the organization's schema."""

    created_at = models.DateTimeField(default=timezone.now)
    private_key = models.BinaryField(editable=False)
    public_key = models.BinaryField(editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_signing_key")]


class WaitingListEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        LAPSED = "lapsed", "Offer lapsed"
        REMOVED = "removed", "Removed"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="waiting_list")
    ticket_type = models.ForeignKey(TicketType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE, related_name="waiting_list",
                                help_text="Waiting for a place in this session (empty: for the event).")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    token = models.CharField(max_length=64, unique=True, default=_order_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waiting list entries"
        # One open entry per person for the event, and one per session (NULL session = the event).
        constraints = [models.UniqueConstraint(fields=["event", "session", "email"], nulls_distinct=False,
                                               condition=Q(status__in=["waiting", "offered"]),
                                               name="one_open_waiting_entry_per_email")]

    def __str__(self):
        return f"{self.email} ({self.get_status_display()})"
