from django import template

from cms.seo import jsonld_script, share_image_url

register = template.Library()


@register.filter
def jsonld(data):
    """Render a dict as a JSON-LD <script> element (empty for None)."""
    return jsonld_script(data) if data else ""


@register.simple_tag(takes_context=True)
def share_image(context, page) -> str:
    """Absolute URL of the page's 1200×630 share image, or ""."""
    request = context.get("request")
    return share_image_url(page, request) if request is not None and page is not None else ""


@register.simple_tag(takes_context=True)
def site_menu(context) -> list:
    """Live, public pages below the home page that editors put in menus (Promote tab)."""
    from wagtail.models import Page, Site

    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return []
    return list(Page.objects.child_of(site.root_page).live().public().in_menu().only("id", "title", "url_path"))


@register.simple_tag(takes_context=True)
def content_generation(context) -> int:
    """The organization's content generation (cms.page_cache): the layout's branding, menu and
    footer are kept per generation, so an editor's change shows at once. Read once per request."""
    from cms.page_cache import content_generation as generation

    request = context.get("request")
    if request is None:
        return generation()
    if not hasattr(request, "content_generation"):
        request.content_generation = generation()
    return request.content_generation
