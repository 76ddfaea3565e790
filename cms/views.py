"""Plain views of an organization's site: sitemap.xml, robots.txt and a series' dates."""

from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /documents/
Disallow: /_util/
Sitemap: {sitemap}
"""

SERIES_UPCOMING = 100
SERIES_PAST = 24  # the latest; older ones stay in the event index's past listing


@require_GET
@cache_control(max_age=3600, public=True)
def robots_txt(request):
    return HttpResponse(ROBOTS.format(sitemap=request.build_absolute_uri("/sitemap.xml")),
                        content_type="text/plain; charset=utf-8")


@require_GET
def event_series(request, slug: str):
    """/series/<slug>/: the series' upcoming and past public events. 404 for an unknown series
    and for one with nothing public yet (its name may not be announced)."""
    from cms.selectors import series_dates

    dates = series_dates(series_slug=slug, upcoming_limit=SERIES_UPCOMING, past_limit=SERIES_PAST)
    if not dates:
        raise Http404
    return TemplateResponse(request, "cms/event_series.html", {
        "series": dates.series, "dates": dates, "canonical": request.build_absolute_uri(request.path)})
