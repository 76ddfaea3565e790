"""Reusable content that editors pick in blocks: speakers, venues, sponsors, event categories.
Their admin screens are SnippetViewSets in cms/wagtail_hooks.py."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.fields import RichTextField
from wagtail.search import index

from cms.countries import COUNTRIES, COUNTRY_NAMES


class Speaker(index.Indexed, models.Model):
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=120, blank=True, help_text="Job title, e.g. Head of Research.")
    organization = models.CharField(max_length=120, blank=True)
    bio = RichTextField(blank=True, features=["bold", "italic", "link"])
    photo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    website = models.URLField(blank=True)
    linkedin = models.URLField(blank=True)
    social = models.URLField(blank=True, help_text="Another profile, e.g. Mastodon or X.")

    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.SearchField("organization")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.organization})" if self.organization else self.name

    @property
    def links(self) -> list[tuple[str, str]]:
        return [(label, url) for label, url in
                (("Website", self.website), ("LinkedIn", self.linkedin), ("Profile", self.social)) if url]


class Venue(index.Indexed, models.Model):
    name = models.CharField(max_length=160)
    address = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, choices=COUNTRIES)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    accessibility_notes = models.TextField(blank=True, help_text="Step-free access, hearing loops, quiet rooms…")

    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.SearchField("city")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.city}"

    @property
    def country_name(self) -> str:
        return COUNTRY_NAMES.get(self.country, self.country)

    @property
    def map_url(self) -> str:
        """A link to the venue on OpenStreetMap (no tracking script on our pages)."""
        if self.latitude is not None and self.longitude is not None:
            return (f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}"
                    f"#map=17/{self.latitude}/{self.longitude}")
        from urllib.parse import quote_plus

        return "https://www.openstreetmap.org/search?query=" + quote_plus(f"{self.address}, {self.city}, {self.country_name}")


class Sponsor(index.Indexed, models.Model):
    class Tier(models.TextChoices):
        PLATINUM = "platinum", "Platinum"
        GOLD = "gold", "Gold"
        SILVER = "silver", "Silver"
        PARTNER = "partner", "Partner"

    name = models.CharField(max_length=120)
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.PARTNER)
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.URLField(blank=True)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.get_tier_display()})"


class EventCategory(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "event categories"

    def __str__(self):
        return self.name
