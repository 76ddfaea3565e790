"""Check-in in each organization's Wagtail admin: lists (menu "Check-in"), the live dashboard,
undo, manual check-in, badges."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from operations.checkin import admin_views
from operations.checkin.models import CheckinList
from operations.core.wagtail import PermissionMenuItem
from operations.ticketing.admin_views import AuditedCreateView, AuditedDeleteView, AuditedEditView
from operations.ticketing.models import TicketType


class CheckinListViewSet(ModelViewSet):
    model = CheckinList
    add_view_class = AuditedCreateView
    edit_view_class = AuditedEditView
    delete_view_class = AuditedDeleteView
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False
    icon = "tasks"
    menu_label = "Check-in lists"
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["name", "event", "all_ticket_types", "allow_exit", "allow_reentry", "valid_from", "valid_until"]
    list_filter = ["event"]
    form_fields = ["event", "name", "all_ticket_types", "ticket_types", "sessions", "allow_exit", "allow_reentry",
                   "valid_from", "valid_until"]

    def formfield_for_dbfield(self, db_field, **kwargs):
        # A ticket type's label names its event: one query for the picker, not one per option.
        if db_field.name == "ticket_types":
            kwargs["queryset"] = TicketType.objects.select_related("event")
        return super().formfield_for_dbfield(db_field, **kwargs)


@hooks.register("register_admin_viewset")
def checkin_list_viewset():
    return CheckinListViewSet("checkin_lists")


@hooks.register("register_admin_urls")
def checkin_urls():
    return [
        path("checkin/", admin_views.dashboard, name="checkin_dashboard"),
        path("checkin/events/<int:event_id>/", admin_views.dashboard, name="checkin_dashboard_event"),
        path("checkin/events/<int:event_id>/stream", admin_views.dashboard_stream, name="checkin_dashboard_stream"),
        path("checkin/events/<int:event_id>/badges.pdf", admin_views.badges, name="checkin_badges"),
        path("checkin/scans/<int:scan_id>/undo", admin_views.undo, name="checkin_undo"),
        path("checkin/lists/<int:list_id>/manual", admin_views.manual, name="checkin_manual"),
        path("checkin/lists/<int:list_id>/search", admin_views.attendee_search, name="checkin_search"),
    ]


@hooks.register("register_admin_menu_item")
def checkin_dashboard_menu_item():
    return PermissionMenuItem("Check-in dashboard", reverse("checkin_dashboard"), permission=admin_views.DASHBOARD,
                              icon_name="view", order=255)
