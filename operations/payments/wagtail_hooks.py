"""Payments menu in each organization's Wagtail admin (owner, admin, finance)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from operations.core.wagtail import PermissionMenuItem
from operations.payments import admin_views


@hooks.register("register_admin_urls")
def payments_urls():
    return [
        path("payments/", admin_views.payments_list, name="payments_list"),
        path("payments/reconcile/", admin_views.reconcile_now, name="payments_reconcile"),
        path("payments/events/", admin_views.events_list, name="payments_events"),
        path("payments/events/<int:event_id>/", admin_views.event_detail, name="payments_event"),
        path("payments/account/", admin_views.account, name="payments_account"),
        path("payments/orders/<int:order_id>/act/", admin_views.order_act, name="payments_order_act"),
    ]


class PaymentsMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.VIEW)


@hooks.register("register_admin_menu_item")
def payments_menu_item():
    menu = Menu(items=[
        PermissionMenuItem("Payments", reverse("payments_list"), permission=admin_views.VIEW, icon_name="list-ul", order=1),
        PermissionMenuItem("Webhook log", reverse("payments_events"), permission=admin_views.VIEW, icon_name="code", order=2),
        PermissionMenuItem("Stripe keys", reverse("payments_account"), permission=admin_views.ACCOUNT, icon_name="key",
                           order=3),
    ])
    return PaymentsMenuItem("Payments", menu, icon_name="form", order=245)
