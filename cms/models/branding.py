"""The organization's look (a Wagtail site setting), applied to every public page through CSS
variables in templates/organization_base.html."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from cms.contrast import contrast_ratio

colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1d4ed8.")

# System font stacks only: nothing is downloaded from a third party, and every stack carries
# fallbacks for Korean and other scripts.
FONT_STACKS = {
    "system": ('System sans-serif', 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans KR", "Apple SD Gothic Neo", sans-serif'),
    "humanist": ('Humanist sans-serif', 'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", "Noto Sans KR", source-sans-pro, sans-serif'),
    "geometric": ('Geometric sans-serif', 'Avenir, Montserrat, Corbel, "URW Gothic", "Noto Sans KR", source-sans-pro, sans-serif'),
    "serif": ('Transitional serif', 'Charter, "Bitstream Charter", "Sitka Text", Cambria, "Noto Serif KR", serif'),
    "old-style": ('Old-style serif', '"Iowan Old Style", "Palatino Linotype", "URW Palladio L", P052, "Noto Serif KR", serif'),
    "rounded": ('Rounded sans-serif', 'ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, Manjari, "Arial Rounded MT", "Noto Sans KR", sans-serif'),
}
FONT_CHOICES = [(key, label) for key, (label, _stack) in FONT_STACKS.items()]
AA_TEXT = 4.5


@register_setting(icon="palette")
class Branding(BaseSiteSetting):
    """Logo, favicon, colours, font, footer, social links and legal documents of the site."""

    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    favicon = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="A square image, at least 64×64 pixels.")
    primary_colour = models.CharField(max_length=7, default="#1d4ed8", validators=[colour])
    accent_colour = models.CharField(max_length=7, default="#b45309", validators=[colour])
    text_colour = models.CharField(max_length=7, default="#1f2933", validators=[colour])
    background_colour = models.CharField(max_length=7, default="#ffffff", validators=[colour])
    font = models.CharField(max_length=20, choices=FONT_CHOICES, default="system")
    footer_text = models.CharField(max_length=300, blank=True)
    facebook_url = models.URLField(blank=True)
    instagram_url = models.URLField(blank=True)
    x_url = models.URLField(blank=True, verbose_name="X / Twitter URL")
    linkedin_url = models.URLField(blank=True)
    youtube_url = models.URLField(blank=True)
    terms_document = models.ForeignKey("wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name="terms and conditions")
    privacy_document = models.ForeignKey("wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", verbose_name="privacy policy")
    conduct_document = models.ForeignKey("wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", verbose_name="code of conduct")

    # Every public page shows the logo and favicon: load them with the setting.
    select_related = ["logo", "favicon"]

    panels = [
        MultiFieldPanel(["logo", "favicon"], heading="Logo"),
        MultiFieldPanel(["primary_colour", "accent_colour", "text_colour", "background_colour", "font"],
                        heading="Colours and font",
                        help_text="Text and buttons must reach WCAG AA contrast (4.5:1); saving is refused otherwise."),
        FieldPanel("footer_text"),
        MultiFieldPanel(["facebook_url", "instagram_url", "x_url", "linkedin_url", "youtube_url"], heading="Social links"),
        MultiFieldPanel(["terms_document", "privacy_document", "conduct_document"], heading="Legal documents"),
    ]

    @property
    def font_stack(self) -> str:
        return FONT_STACKS.get(self.font, FONT_STACKS["system"])[1]

    @property
    def social_links(self) -> list[tuple[str, str]]:
        pairs = [("Facebook", self.facebook_url), ("Instagram", self.instagram_url), ("X", self.x_url),
                 ("LinkedIn", self.linkedin_url), ("YouTube", self.youtube_url)]
        return [(label, url) for label, url in pairs if url]

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
            if ratio < AA_TEXT:
                errors[field] = f"Contrast with the background is {ratio:.1f}:1; WCAG AA needs 4.5:1 for text."
        # Buttons put white text on the primary colour.
        if "primary_colour" not in errors and contrast_ratio(self.primary_colour, "#ffffff") < AA_TEXT:
            errors["primary_colour"] = "White button text on this colour fails WCAG AA (4.5:1); choose a darker colour."
        if errors:
            raise ValidationError(errors)
