"""URLs of an organization's site (its subdomain or custom domain)."""

from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.sitemap_generator import Sitemap as WagtailSitemap
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms.sitemaps import SeriesSitemap
from cms.views import event_series, robots_txt
from config.health import healthz
from portal import views as portal_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": WagtailSitemap, "series": SeriesSitemap}}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Public registration flow (portal/registration), before Wagtail's catch-all.
urlpatterns += [path("register/", include("portal.registration.urls"))]

# Payments (provider webhooks, offline proofs), check-in (scanner page and API), export downloads.
urlpatterns += [
    path("payments/", include("operations.payments.urls")),
    path("checkin/", include("operations.checkin.urls")),
    path("exports/", include("operations.exports.urls")),
]

# The organization's own search (same engine as the portal's discovery), before Wagtail's catch-all.
urlpatterns += [
    path("search/", portal_views.organization_search, name="organization_search"),
    path("search/suggest", portal_views.organization_suggest, name="organization_suggest"),
]

# A series' dates (cms), before Wagtail's catch-all: a page with the slug "series" would be shadowed.
urlpatterns += [path("series/<slug:slug>/", event_series, name="event_series")]

urlpatterns += [path("", include(wagtail_urls))]
