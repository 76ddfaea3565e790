from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from cms.contrast import contrast_ratio

colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1d4ed8.")


class HomePage(Page):
    """An organization's site root."""

    hero_title = models.CharField(max_length=200, blank=True)
    hero_text = models.CharField(max_length=300, blank=True)
    body = RichTextField(blank=True)

    content_panels = Page.content_panels + ["hero_title", "hero_text", "body"]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.EventPage"]
    max_count_per_parent = 1

    def get_context(self, request, *args, **kwargs):
        from django.utils import timezone

        from operations.events.models import Event

        context = super().get_context(request, *args, **kwargs)
        pages = EventPage.objects.live().child_of(self).select_related("event")
        context["upcoming"] = [
            p for p in pages.order_by("event__starts_at") if p.event and p.event.ends_at >= timezone.now()
            and p.event.status != Event.Status.CANCELLED
        ]
        return context


class EventPage(Page):
    """Presents one operations event: dates and venue come from it, the rest is content."""

    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.CharField(max_length=300, blank=True)
    body = RichTextField(blank=True)

    content_panels = Page.content_panels + ["event", "summary", "body"]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []


@register_setting(icon="palette")
class Branding(BaseSiteSetting):
    """The organization's look, applied to every public page through CSS variables."""

    primary_colour = models.CharField(max_length=7, default="#1d4ed8", validators=[colour])
    accent_colour = models.CharField(max_length=7, default="#b45309", validators=[colour])
    text_colour = models.CharField(max_length=7, default="#1f2933", validators=[colour])
    background_colour = models.CharField(max_length=7, default="#ffffff", validators=[colour])
    footer_text = models.CharField(max_length=300, blank=True)

    panels = [
        MultiFieldPanel(["primary_colour", "accent_colour", "text_colour", "background_colour"], heading="Colours"),
        FieldPanel("footer_text"),
    ]

    def clean(self):
        super().clean()
        errors = {}
        for field in ("text_colour", "primary_colour"):
            value = getattr(self, field)
            try:
                ratio = contrast_ratio(value, self.background_colour)
            except ValueError:
                errors[field] = "Use a colour like #1d4ed8."
                continue
            if ratio < 4.5:
                errors[field] = (
                    f"Contrast with the background is {ratio:.1f}:1; WCAG AA needs 4.5:1 for text."
                )
        # Buttons put white text on the primary colour.
        if "primary_colour" not in errors and contrast_ratio(self.primary_colour, "#ffffff") < 4.5:
            errors["primary_colour"] = "White button text on this colour fails WCAG AA (4.5:1); choose a darker colour."
        if errors:
            raise ValidationError(errors)
