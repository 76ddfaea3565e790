"""Exports, imports and reports in each organization's Wagtail admin (menu "Reports & data")."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from operations.core.wagtail import PermissionMenuItem
from operations.exports import admin_views


@hooks.register("register_admin_urls")
def export_urls():
    return [
        path("exports/", admin_views.exports_index, name="exports_index"),
        path("exports/jobs/<int:job_id>/", admin_views.export_job, name="exports_job"),
        path("exports/jobs/<int:job_id>/status.json", admin_views.export_job_status, name="exports_job_status"),
        path("exports/import/", admin_views.imports_index, name="exports_imports"),
        path("exports/reports/", admin_views.reports_index, name="exports_reports"),
    ]


class DataMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return any(request.user.has_perm(p) for p in (admin_views.EXPORT, admin_views.IMPORT, admin_views.REPORTS))


@hooks.register("register_admin_menu_item")
def data_menu():
    menu = Menu(items=[
        PermissionMenuItem("Reports", reverse("exports_reports"), permission=admin_views.REPORTS,
                           icon_name="view", order=10),
        PermissionMenuItem("Exports", reverse("exports_index"), permission=admin_views.EXPORT,
                           icon_name="download", order=20),
        PermissionMenuItem("Imports", reverse("exports_imports"), permission=admin_views.IMPORT,
                           icon_name="upload", order=30),
    ])
    return DataMenuItem("Reports & data", menu, icon_name="table", order=260)
