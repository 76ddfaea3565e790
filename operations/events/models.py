import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class EventSeries(models.Model):
    """Events that belong together (a yearly conference, a monthly meetup)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "event series"

    def __str__(self):
        return self.name


class Event(models.Model):
    """The operational event: what is sold and checked in. Wagtail event pages present it.

    Times are stored in UTC and shown in the event's own time zone.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ONGOING = "ongoing", "Ongoing"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        ARCHIVED = "archived", "Archived"

    class Format(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        HYBRID = "hybrid", "Hybrid"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.IN_PERSON)
    venue_name = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country code, e.g. KR.")
    online_url = models.URLField(blank=True)
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code, e.g. KRW.")
    series = models.ForeignKey(EventSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    registration_opens_at = models.DateTimeField(null=True, blank=True, help_text="Empty: open as soon as published.")
    registration_closes_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until the event starts.")
    max_per_order = models.PositiveSmallIntegerField(default=10, help_text="Most tickets one order may hold.")
    requires_approval = models.BooleanField(default=False, help_text="An organizer approves each registration.")
    approval_hold_hours = models.PositiveIntegerField(
        default=72, help_text="How long seats stay held while a registration awaits approval.")
    offline_payment_days = models.PositiveIntegerField(
        default=7, help_text="How long seats stay held while an offline payment is awaited.")
    offline_payment_instructions = models.TextField(blank=True, help_text="Shown to buyers who pay by transfer or at the door.")
    self_cancel_until = models.DateTimeField(
        null=True, blank=True, help_text="Attendees may cancel their own orders until then (empty: never).")
    self_cancel_refund = models.BooleanField(default=False, help_text="Self-service cancellation refunds the amount paid.")
    attendee_edit_until = models.DateTimeField(null=True, blank=True, help_text="Attendees may edit their details until then.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from operations.ticketing.money import CURRENCIES, money_is_exact

        errors = {}
        self.currency = (self.currency or "").strip().upper()
        if self.currency not in CURRENCIES:
            errors["currency"] = (f"“{self.currency}” is not a currency we can charge in: use an ISO 4217 code such "
                                  "as EUR, USD or KRW.")
        elif self.pk and self.currency != Event.objects.filter(pk=self.pk).values_list("currency", flat=True).first():
            # Prices entered for the old currency must still be whole amounts of the new one.
            amounts = [(t.name, a) for t in self.ticket_types.all() for a in (t.price, t.early_price) if a is not None]
            amounts += [(s.title, s.price) for s in self.sessions.all()]
            amounts += [(p.code, p.value) for p in self.promo_codes.filter(kind="fixed")]
            if inexact := sorted({name for name, amount in amounts if not money_is_exact(amount, self.currency)}):
                errors["currency"] = (f"These prices are not whole amounts of {self.currency}: {', '.join(inexact)}. "
                                      "Change them first.")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The event must end after it starts."
        if self.registration_opens_at and self.registration_closes_at and \
                self.registration_closes_at <= self.registration_opens_at:
            errors["registration_closes_at"] = "Registration must close after it opens."
        # Attendees must be told where to go once the event is public (a draft may not know yet).
        if self.status in (self.Status.PUBLISHED, self.Status.ONGOING):
            if self.format in (self.Format.ONLINE, self.Format.HYBRID) and not self.online_url:
                errors["online_url"] = "An online or hybrid event needs its online address before it is published."
            if self.format in (self.Format.IN_PERSON, self.Format.HYBRID) and not self.venue_name:
                errors["venue_name"] = "An in-person or hybrid event needs its venue before it is published."
        if errors:
            raise ValidationError(errors)

    def registration_is_open(self, now) -> bool:
        if self.status not in (self.Status.PUBLISHED, self.Status.ONGOING):
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        closes = self.registration_closes_at or self.starts_at
        return now < closes

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(self.tz)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(self.tz)
