"""sitemap.xml and robots.txt of an organization's site."""

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /documents/
Disallow: /_util/
Sitemap: {sitemap}
"""


@require_GET
@cache_control(max_age=3600, public=True)
def robots_txt(request):
    return HttpResponse(ROBOTS.format(sitemap=request.build_absolute_uri("/sitemap.xml")),
                        content_type="text/plain; charset=utf-8")
