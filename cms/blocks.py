"""The one StreamField block set shared by every page type (bakerydemo's BaseStreamBlock)."""

import copy

from django.utils.safestring import mark_safe
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from cms.offers import event_offers, registration_url

RICH_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "document-link"]


class RelatedSnippetChooserBlock(SnippetChooserBlock):
    """A snippet chooser that loads the snippets' images in the same query, so a page with many
    speakers or sponsors costs no more queries than a page with one."""

    def __init__(self, target_model, related: tuple[str, ...] = (), **kwargs):
        self.related = related
        super().__init__(target_model, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "related": self.related}

    def _objects(self):
        return self.model_class.objects.select_related(*self.related)

    def to_python(self, value):
        if value is None:
            return None
        return self._objects().filter(pk=value).first()

    def bulk_to_python(self, values):
        objects = self._objects().in_bulk([v for v in values if v is not None])
        return [copy.copy(objects[v]) if v in objects else None for v in values]


def speaker_chooser(**kwargs):
    return RelatedSnippetChooserBlock("cms.Speaker", related=("photo",), **kwargs)


class ImageWithCaptionBlock(blocks.StructBlock):
    # ImageBlock refuses an image without alt text unless the editor marks it decorative.
    image = ImageBlock()
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"


class GalleryBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, max_length=120)
    images = blocks.ListBlock(ImageWithCaptionBlock(), min_num=2)

    class Meta:
        icon = "image"
        template = "blocks/gallery_block.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(help_text="A YouTube or Vimeo link.")
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(max_length=600)
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "blocks/quote_block.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False, max_length=400)
    button_label = blocks.CharBlock(max_length=40)
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False, help_text="Used when no page is chosen.")

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action_block.html"

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            from django.core.exceptions import ValidationError
            from wagtail.blocks.struct_block import StructBlockValidationError

            raise StructBlockValidationError({"url": ValidationError("Choose a page or enter a link.")})
        return value


class SessionBlock(blocks.StructBlock):
    day = blocks.DateBlock(required=False, help_text="Leave empty for a one-day event.")
    starts = blocks.TimeBlock(help_text="In the event's time zone.")
    ends = blocks.TimeBlock(required=False)
    title = blocks.CharBlock(max_length=200)
    room = blocks.CharBlock(required=False, max_length=80)
    speakers = blocks.ListBlock(speaker_chooser(), required=False, default=[])
    description = blocks.TextBlock(required=False, max_length=1000)

    class Meta:
        icon = "time"


class AgendaBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Agenda", max_length=120)
    sessions = blocks.ListBlock(SessionBlock())

    class Meta:
        icon = "list-ul"
        template = "blocks/agenda_block.html"


class SpeakersBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Speakers", max_length=120)
    speakers = blocks.ListBlock(speaker_chooser())

    class Meta:
        icon = "user"
        template = "blocks/speakers_block.html"


class SponsorsBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Sponsors", max_length=120)
    sponsors = blocks.ListBlock(RelatedSnippetChooserBlock("cms.Sponsor", related=("logo",)))

    class Meta:
        icon = "pick"
        template = "blocks/sponsors_block.html"

    def get_context(self, value, parent_context=None):
        from cms.models.snippets import Sponsor

        context = super().get_context(value, parent_context)
        order = [tier for tier, _label in Sponsor.Tier.choices]
        tiers = {tier: [] for tier in order}
        for sponsor in value["sponsors"]:
            if sponsor is not None:
                tiers[sponsor.tier].append(sponsor)
        labels = dict(Sponsor.Tier.choices)
        context["tiers"] = [(labels[tier], tiers[tier]) for tier in order if tiers[tier]]
        return context


class FAQItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=250)
    answer = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"])


class FAQBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Frequently asked questions", max_length=120)
    items = blocks.ListBlock(FAQItemBlock())

    class Meta:
        icon = "help"
        template = "blocks/faq_block.html"


class VenueBlock(blocks.StructBlock):
    venue = SnippetChooserBlock("cms.Venue")
    directions = blocks.TextBlock(required=False, max_length=600, help_text="Getting there: transport, entrances.")

    class Meta:
        icon = "site"
        template = "blocks/venue_block.html"


class TicketListBlock(blocks.StructBlock):
    """Ticket types with live prices and availability from operations; nothing about them is
    stored in the page."""

    title = blocks.CharBlock(default="Tickets", max_length=120)
    intro = blocks.TextBlock(required=False, max_length=400)

    class Meta:
        icon = "tag"
        template = "blocks/ticket_list_block.html"

    def render(self, value, context=None):
        if context and context.get("defer_offers"):  # filled with live offers per request (cms.page_cache)
            from cms.page_cache import TICKETS_MARKER

            return mark_safe(TICKETS_MARKER)
        return super().render(value, context)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        parent_context = parent_context or {}
        event = getattr(parent_context.get("page"), "event", None)
        if "offers" in parent_context:  # the event page already read them once for JSON-LD
            context["offers"] = parent_context["offers"]
        else:
            context["offers"] = event_offers(event=event)
        context["registration_url"] = registration_url(event=event) if context["offers"] else ""
        return context


class BaseStreamBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(features=RICH_FEATURES, icon="pilcrow", template="blocks/rich_text_block.html")
    image = ImageWithCaptionBlock()
    gallery = GalleryBlock()
    video = VideoBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    agenda = AgendaBlock()
    speakers = SpeakersBlock()
    sponsors = SponsorsBlock()
    faq = FAQBlock()
    venue = VenueBlock()
    tickets = TicketListBlock()
