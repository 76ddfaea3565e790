"""Admin screens of the marketing content (snippets as SnippetViewSets), the marketing role's
menu, and invitation links for private pages."""

from django.db import connection
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cms.access import page_invitation_accept
from cms.models import EventCategory, RegistrationForm, Speaker, Sponsor, Venue

# What the marketing role sees in the admin menu: content, never operations screens.
MARKETING_MENU = {"explorer", "images", "documents", "snippets", "event-content", "registration-forms", "settings",
                  "help"}
MARKETING_SETTINGS_MENU = {"branding", "redirects"}


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    list_display = ["name", "title", "organization"]
    search_fields = ["name", "organization"]


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    list_display = ["name", "city", "country"]
    list_filter = ["country"]


class SponsorViewSet(SnippetViewSet):
    model = Sponsor
    icon = "pick"
    list_display = ["name", "tier"]
    list_filter = ["tier"]


class EventCategoryViewSet(SnippetViewSet):
    model = EventCategory
    icon = "tag"
    list_display = ["name", "slug"]


class EventContentGroup(SnippetViewSetGroup):
    menu_label = "Event content"
    menu_name = "event-content"
    menu_icon = "folder-inverse"
    menu_order = 250
    items = (SpeakerViewSet, VenueViewSet, SponsorViewSet, EventCategoryViewSet)


class RegistrationFormViewSet(SnippetViewSet):
    model = RegistrationForm
    icon = "form"
    menu_label = "Registration forms"
    menu_name = "registration-forms"
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["event"]


register_snippet(EventContentGroup)
register_snippet(RegistrationFormViewSet)


def _is_marketing(request) -> bool:
    from operations.organizations.backends import membership_role

    if not request.user.is_authenticated:
        return False
    cached = getattr(request, "_cms_role", None)
    if cached is None:
        cached = request._cms_role = membership_role(request.user, connection.schema_name) or ""
    return cached == "marketing"


@hooks.register("construct_main_menu")
def marketing_main_menu(request, menu_items):
    if _is_marketing(request):
        menu_items[:] = [item for item in menu_items if item.name in MARKETING_MENU]


@hooks.register("construct_settings_menu")
def marketing_settings_menu(request, menu_items):
    if _is_marketing(request):
        menu_items[:] = [item for item in menu_items if item.name in MARKETING_SETTINGS_MENU]


@hooks.register("before_serve_page")
def accept_page_invitation(page, request, serve_args, serve_kwargs):
    """``?invite=<token>`` opens a password-protected page for this browser session."""
    if "invite" in request.GET:
        page_invitation_accept(page=page, request=request)
