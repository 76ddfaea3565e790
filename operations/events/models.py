import zoneinfo

from django.db import models

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start")
        ]

    def __str__(self):
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(self.tz)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(self.tz)
