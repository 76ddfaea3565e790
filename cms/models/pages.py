"""Page types of an organization's site and the rules of its page tree.

Home ─┬─ Event index ── Event pages
      ├─ Event pages
      └─ Content pages (about, terms, privacy, FAQ) ── Content pages
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import BaseStreamBlock
from cms.forms import SitePageForm
from cms.panels import InvitationPanel


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public: listed, in search engines and in the platform's discovery"
    UNLISTED = "unlisted", "Unlisted: reachable by link only (not listed, not indexed)"


VISIBILITY_HELP = (
    "For a private page, also set Privacy to “password” in the page's status menu; people with the "
    "invitation link shown below get in without the password."
)


class SitePage(Page):
    """What every public page of an organization has: visibility, robots rules, branded password page."""

    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC,
                                  help_text=VISIBILITY_HELP)

    password_required_template = "cms/password_required.html"
    base_form_class = SitePageForm
    promote_panels = Page.promote_panels + [
        MultiFieldPanel([FieldPanel("visibility"), InvitationPanel(heading="Invitation link")], heading="Visibility"),
    ]

    class Meta:
        abstract = True

    @property
    def meta_description(self) -> str:
        """For the description, Open Graph and Twitter tags: the editor's, else the page's own words."""
        return self.search_description or getattr(self, "summary", "") or getattr(self, "hero_text", "")

    @property
    def is_listed(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    def get_view_restrictions(self):
        # Serving asks twice (Wagtail's privacy check, then our robots rule); the queryset keeps
        # its results, and anything that refines it (admin: order_by, exists) queries afresh.
        if self.__dict__.get("_view_restrictions") is None:
            self._view_restrictions = super().get_view_restrictions()
        return self._view_restrictions

    def get_sitemap_urls(self, request=None):
        # Private pages never reach here (the sitemap asks for .public() pages only).
        return super().get_sitemap_urls(request) if self.is_listed else []

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        restricted = bool(self.get_view_restrictions())
        context["noindex"] = restricted or not self.is_listed
        return context


class HomePage(SitePage):
    """An organization's site root: hero, featured and upcoming events."""

    hero_title = models.CharField(max_length=200, blank=True)
    hero_text = models.CharField(max_length=300, blank=True)
    hero_image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hero_image_alt = models.CharField(max_length=250, blank=True, help_text="Describe the image for people who cannot see it.")
    body = RichTextField(blank=True)
    content = StreamField(BaseStreamBlock(), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(["hero_title", "hero_text", "hero_image", "hero_image_alt"], heading="Hero"),
        InlinePanel("featured_events", label="Featured events", max_num=6),
        FieldPanel("body"),
        FieldPanel("content"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.EventIndexPage", "cms.EventPage", "cms.ContentPage"]
    max_count_per_parent = 1
    UPCOMING = 6

    def clean(self):
        super().clean()
        _require_alt(self)

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import listed_event_pages

        context = super().get_context(request, *args, **kwargs)
        featured_ids = [f.event_page_id for f in self.featured_events.all()]
        featured = {p.pk: p for p in listed_event_pages().filter(pk__in=featured_ids)}
        context["featured"] = [featured[pk] for pk in featured_ids if pk in featured]
        context["upcoming"] = list(
            listed_event_pages(upcoming=True).exclude(pk__in=featured_ids)[: self.UPCOMING]
        )
        context["event_index"] = EventIndexPage.objects.live().first()
        return context


class HomeFeaturedEvent(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_events")
    event_page = models.ForeignKey("cms.EventPage", on_delete=models.CASCADE, related_name="+")

    panels = [PageChooserPanel("event_page", "cms.EventPage")]


class EventIndexPage(SitePage):
    """Every listed event of the organization: upcoming or past, by category and format."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    PER_PAGE = 12

    content_panels = Page.content_panels + ["intro"]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.EventPage"]
    max_count_per_parent = 1

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import event_listing

        context = super().get_context(request, *args, **kwargs)
        listing = event_listing(
            when=request.GET.get("when", ""), category=request.GET.get("category", ""),
            format=request.GET.get("format", ""),
        )
        context.update(listing)
        context["events"] = Paginator(listing["pages"], self.PER_PAGE).get_page(request.GET.get("page"))
        return context


class EventPage(SitePage):
    """Presents one operations event: dates and venue come from it, the rest is content."""

    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="The event as sold and checked in; its dates and venue are shown here.")
    summary = models.CharField(max_length=300, blank=True, help_text="One or two sentences for listings and search.")
    hero_image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hero_image_alt = models.CharField(max_length=250, blank=True, help_text="Describe the image for people who cannot see it.")
    categories = ParentalManyToManyField("cms.EventCategory", blank=True, related_name="event_pages")
    body = RichTextField(blank=True, verbose_name="description")
    content = StreamField(BaseStreamBlock(), blank=True, use_json_field=True,
                          help_text="Agenda, speakers, sponsors, tickets, FAQ, venue and more.")

    content_panels = Page.content_panels + [
        "event", "summary",
        MultiFieldPanel(["hero_image", "hero_image_alt"], heading="Hero image"),
        FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
        "body", "content",
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.EventIndexPage"]
    subpage_types: list[str] = []
    # "More dates" of the event's series: the next few, and the last few under a collapsed list.
    SERIES_UPCOMING = 6
    SERIES_PAST = 3

    def clean(self):
        super().clean()
        _require_alt(self)

    def serve(self, request, *args, **kwargs):
        from cms.page_cache import event_page_serve
        from operations.exports.funnel import funnel_page_view

        funnel_page_view(self.event_id)  # the funnel's first step: one Redis INCR, no query

        def render(*, defer_offers: bool):
            request.defer_offers = defer_offers
            return super(EventPage, self).serve(request, *args, **kwargs)

        def live_context():
            request.event_live = self.live_context()  # read once: get_context uses it on a miss
            return request.event_live

        return event_page_serve(self, request, render=render, live_context=live_context)

    def live_context(self) -> dict:
        """What changes with every sale or with the clock, never kept with the rendered page."""
        from cms.offers import event_offers, registration_url

        offers = event_offers(event=self.event)
        return {"offers": offers, "is_past": bool(self.event and self.event.ends_at < timezone.now()),
                "block_context": {"page": self, "offers": offers,
                                  "registration_url": registration_url(event=self.event) if offers else ""}}

    def get_context(self, request, *args, **kwargs):
        from cms.seo import event_jsonld

        context = super().get_context(request, *args, **kwargs)
        live = getattr(request, "event_live", None) or self.live_context()
        # Deferred: the page is kept (cms.page_cache) and the offers are filled in per request.
        context["defer_offers"] = defer = getattr(request, "defer_offers", False)
        context["offers"] = [] if defer else live["offers"]
        context["jsonld"] = event_jsonld(page=self, request=request, offers=context["offers"])
        context["is_past"] = live["is_past"]
        context["series_dates"] = self.series_dates()
        return context

    def series_dates(self):
        """The other public events of the event's series (cms.selectors.series_dates); kept with the
        rendered page, which any change to events or pages retires."""
        from cms.selectors import SeriesDates, series_dates

        if not (self.event and self.event.series_id):
            return SeriesDates(series=None, upcoming=[], past=[])
        return series_dates(series_id=self.event.series_id, exclude_event_id=self.event_id,
                            upcoming_limit=self.SERIES_UPCOMING, past_limit=self.SERIES_PAST)


class ContentPage(SitePage):
    """About, terms, privacy, FAQ: text and blocks."""

    body = StreamField(BaseStreamBlock(), blank=True, use_json_field=True)

    content_panels = Page.content_panels + ["body"]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.ContentPage"]
    subpage_types = ["cms.ContentPage"]


def _require_alt(page) -> None:
    if page.hero_image_id and not page.hero_image_alt.strip():
        raise ValidationError({"hero_image_alt": "Describe the hero image (alt text) for people who cannot see it."})
