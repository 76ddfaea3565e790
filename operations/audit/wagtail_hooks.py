from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from operations.audit import views


@hooks.register("register_admin_urls")
def audit_urls():
    return [path("audit/", views.audit_log, name="audit_log")]


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(views.PERMISSION)


@hooks.register("register_settings_menu_item")
def audit_menu_item():
    return AuditMenuItem("Audit log", reverse("audit_log"), icon_name="history", order=110)
