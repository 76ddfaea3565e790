"""sitemap.xml beyond Wagtail's pages: each series page (/series/<slug>/) with something public."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from operations.events.models import EventSeries


class SeriesSitemap(Sitemap):
    def items(self):
        from cms.selectors import series_dates

        # The same rule as the page itself, which is a 404 for a series with nothing public.
        return [series for series in EventSeries.objects.order_by("slug")
                if series_dates(series_id=series.pk, upcoming_limit=1, past_limit=1)]

    def location(self, series) -> str:
        return reverse("event_series", args=[series.slug])
