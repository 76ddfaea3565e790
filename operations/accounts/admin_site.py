"""The platform operator's admin site (/platform-admin/ on the root domain).

Enabled by listing ``operations.accounts.admin_site.PlatformAdminConfig`` in place of
``django.contrib.admin`` in SHARED_APPS. Compared with Django's default site it

* lets in platform operators only: ``is_staff`` alone signs nobody in (``is_superuser`` is true
  only for operators, and only in the public schema);
* leaves out models whose tables live in organizations' schemas (Wagtail images and documents,
  taggit…): their apps register them with the default site, but in the public schema their
  tables do not exist and every click would be a 500.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models.base import ModelBase


def model_in_public_schema(model) -> bool:
    app_config = model._meta.app_config
    full_name = f"{type(app_config).__module__}.{type(app_config).__name__}"
    return app_config.name in settings.SHARED_APPS or full_name in settings.SHARED_APPS


class PlatformAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser)

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        public = [model for model in models if model_in_public_schema(model)]
        if public:
            super().register(public, admin_class, **options)


class PlatformAdminConfig(AdminConfig):
    default_site = "operations.accounts.admin_site.PlatformAdminSite"
