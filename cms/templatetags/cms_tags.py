from django import template
from django.core.cache import cache
from django.db import connection
from django.utils.safestring import mark_safe

from cms.page_cache import KeptInProcess
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

    return generation()


LAYOUT_PARTS = ("branding", "brand", "nav", "footer")
LAYOUT_KEPT_SECONDS = 600  # a safety net: the generation retires a kept layout as soon as content changes
# Layouts this process has read, by the same key: a page then needs no cache read beyond the generation's.
_layouts_read = KeptInProcess(256)


@register.simple_tag(takes_context=True)
def organization_layout(context, part: str) -> str:
    """One part of the organization's layout (templates/layout/<part>.html: branding styles, brand,
    menu, footer). The four are rendered together and kept as one entry per content generation
    and host, so a page reads its whole layout with one cache read."""
    request = context.get("request")
    if request is None:
        return mark_safe(_layout_render(context)[part])
    if not hasattr(request, "organization_layout"):
        key = f"cms:layout:{content_generation(context)}:{request.get_host()}"

        def read_or_render():
            parts = cache.get(key)
            if parts is None:
                parts = _layout_render(context)
                cache.set(key, parts, LAYOUT_KEPT_SECONDS)
            return parts

        request.organization_layout = _layouts_read.get_or_make((connection.schema_name, key), read_or_render)
    return mark_safe(request.organization_layout[part])


def _layout_render(context) -> dict[str, str]:
    engine = context.template.engine
    with context.push():
        return {part: engine.get_template(f"layout/{part}.html").render(context) for part in LAYOUT_PARTS}
