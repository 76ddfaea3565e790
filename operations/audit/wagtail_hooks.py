from django.urls import path, reverse
from wagtail import hooks

from operations.audit import views
from operations.core.wagtail import PermissionMenuItem


@hooks.register("register_admin_urls")
def audit_urls():
    return [path("audit/", views.audit_log, name="audit_log")]


@hooks.register("register_settings_menu_item")
def audit_menu_item():
    return PermissionMenuItem("Audit log", reverse("audit_log"), permission=views.PERMISSION, icon_name="history",
                              order=110)
