"""URLs of the root domain: the public portal, accounts and the platform operator's admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.health import healthz

admin.site.site_header = f"{settings.PLATFORM_NAME} platform admin"
admin.site.site_title = f"{settings.PLATFORM_NAME} platform admin"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("platform-admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("portal.urls")),
]
