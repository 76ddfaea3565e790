"""Ticketing screens in each organization's Wagtail admin (menu "Ticketing")."""

from django import forms
from django.forms.models import modelform_factory
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from operations.events.models import Event, EventSeries
from operations.ticketing import admin_views
from operations.ticketing.models import PromoCode, Quota, Session, TicketType, WaitingListEntry


class AuditedViewSet(ModelViewSet):
    add_view_class = admin_views.AuditedCreateView
    edit_view_class = admin_views.AuditedEditView
    delete_view_class = admin_views.AuditedDeleteView
    search_backend_name = None  # plain database lookups: these models are not in a search index
    copy_view_enabled = False
    inspect_view_enabled = False
    form_base = forms.ModelForm  # the class the create / edit forms are built on

    def get_form_class(self, for_update=False):
        return modelform_factory(self.model, form=self.form_base, formfield_callback=self.formfield_for_dbfield,
                                 fields=self.get_form_fields())


class EventViewSet(AuditedViewSet):
    model = Event
    index_view_class = admin_views.EventIndexView
    icon = "date"
    menu_label = "Events"
    list_display = ["name", "starts_at", "status", "currency"]
    list_filter = ["status", "format"]
    search_fields = ["name", "slug"]
    form_fields = ["name", "slug", "series", "status", "timezone", "starts_at", "ends_at", "format", "venue_name", "city",
                   "country", "online_url", "currency", "registration_opens_at", "registration_closes_at",
                   "max_per_order", "requires_approval", "approval_hold_hours", "offline_payment_days",
                   "offline_payment_instructions", "self_cancel_until", "self_cancel_refund", "attendee_edit_until"]


class EventSeriesViewSet(AuditedViewSet):
    model = EventSeries
    icon = "list-ul"
    menu_label = "Event series"
    form_fields = ["name", "slug"]
    list_display = ["name", "slug"]


class TicketTypeViewSet(AuditedViewSet):
    model = TicketType
    form_base = admin_views.EventScopedForm
    icon = "tag"
    menu_label = "Ticket types"
    list_display = ["name", "event", "price", "visibility", "is_active"]
    list_filter = ["event", "visibility", "is_active"]
    search_fields = ["name"]
    form_fields = ["event", "name", "description", "price", "early_price", "early_until", "sale_starts_at",
                   "sale_ends_at", "min_per_order", "max_per_order", "visibility", "is_active", "limit_per_email",
                   "position", "quotas"]


class QuotaViewSet(AuditedViewSet):
    model = Quota
    edit_view_class = admin_views.QuotaEditView
    icon = "group"
    menu_label = "Quotas"
    list_display = ["name", "event", "size"]
    list_filter = ["event"]
    form_fields = ["event", "name", "size"]


class SessionViewSet(AuditedViewSet):
    model = Session
    edit_view_class = admin_views.SessionEditView
    icon = "time"
    menu_label = "Sessions"
    list_display = ["title", "event", "starts_at", "room", "capacity"]
    list_filter = ["event"]
    search_fields = ["title", "speakers"]
    form_fields = ["event", "title", "room", "starts_at", "ends_at", "speakers", "capacity", "price", "has_waiting_list"]


class PromoCodeViewSet(AuditedViewSet):
    model = PromoCode
    form_base = admin_views.EventScopedForm
    icon = "pick"
    menu_label = "Promo codes"
    list_display = ["code", "event", "kind", "value", "used_count", "max_uses", "is_active"]
    list_filter = ["event", "is_active"]
    search_fields = ["code"]
    form_fields = ["event", "code", "kind", "value", "max_uses", "valid_from", "valid_until", "ticket_types", "unlocks",
                   "is_active"]


class WaitingListViewSet(AuditedViewSet):
    model = WaitingListEntry
    form_base = admin_views.EventScopedForm
    icon = "list-ol"
    menu_label = "Waiting list"
    list_display = ["email", "event", "session", "status", "created_at"]
    list_filter = ["event", "status"]
    search_fields = ["email", "name"]
    form_fields = ["event", "ticket_type", "session", "email", "name", "status"]


class TicketingGroup(ModelViewSetGroup):
    menu_label = "Ticketing"
    menu_icon = "tag"
    menu_order = 250
    items = (EventViewSet, EventSeriesViewSet, TicketTypeViewSet, QuotaViewSet, SessionViewSet, PromoCodeViewSet,
             WaitingListViewSet)


@hooks.register("register_admin_viewset")
def ticketing_viewsets():
    return TicketingGroup()


@hooks.register("register_admin_urls")
def order_urls():
    return [
        path("ticketing/orders/", admin_views.orders_list, name="ticketing_orders"),
        path("ticketing/orders/bulk/", admin_views.orders_bulk, name="ticketing_orders_bulk"),
        path("ticketing/orders/<int:order_id>/", admin_views.order_detail, name="ticketing_order"),
        path("ticketing/orders/<int:order_id>/act/", admin_views.order_act, name="ticketing_order_act"),
        path("ticketing/orders/<int:order_id>/answers/<int:position_id>/<slug:question>/",
             admin_views.order_answer_file, name="ticketing_order_answer_file"),
        path("ticketing/events/<int:event_id>/clone/", admin_views.event_clone_view, name="ticketing_event_clone"),
    ]


class OrdersMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.VIEW)


@hooks.register("register_admin_menu_item")
def orders_menu_item():
    return OrdersMenuItem("Orders", reverse("ticketing_orders"), icon_name="doc-full", order=240)
