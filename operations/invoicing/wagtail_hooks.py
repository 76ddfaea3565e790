"""Invoicing screens in each organization's Wagtail admin (menu "Invoicing": tax rules, receipts,
invoice settings). Every change is audited (ticketing's audited generic views)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from operations.core.wagtail import PermissionMenuItem
from operations.invoicing import admin_views
from operations.invoicing.models import TaxRule
from operations.ticketing.admin_views import AuditedCreateView, AuditedDeleteView, AuditedEditView


class TaxRuleViewSet(ModelViewSet):
    model = TaxRule
    icon = "doc-full"
    menu_label = "Tax rules"
    add_to_admin_menu = False  # listed in the Invoicing submenu below
    add_view_class = AuditedCreateView
    edit_view_class = AuditedEditView
    delete_view_class = AuditedDeleteView
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = ["event", "name", "rate", "prices_include_tax"]
    list_filter = ["prices_include_tax"]
    form_fields = ["event", "name", "rate", "prices_include_tax"]


tax_rules = TaxRuleViewSet("invoicing_tax_rules")


@hooks.register("register_admin_viewset")
def tax_rule_viewset():
    return tax_rules


@hooks.register("register_admin_urls")
def invoicing_urls():
    return [
        path("invoicing/receipts/", admin_views.receipts_list, name="invoicing_receipts"),
        path("invoicing/receipts/<int:receipt_id>.pdf", admin_views.receipt_download, name="invoicing_receipt_pdf"),
        path("invoicing/orders/<int:order_id>/receipt.pdf", admin_views.order_receipt_download,
             name="invoicing_order_receipt"),
        path("invoicing/orders/<int:order_id>/credit-note/", admin_views.credit_note_create,
             name="invoicing_credit_note"),
        path("invoicing/settings/", admin_views.invoice_settings_edit, name="invoicing_settings"),
    ]


@hooks.register("register_admin_menu_item")
def invoicing_menu():
    menu = Menu(items=[
        PermissionMenuItem("Tax rules", reverse(tax_rules.get_url_name("index")), permission="invoicing.view_taxrule",
                           icon_name="doc-full", order=100),
        PermissionMenuItem("Receipts", reverse("invoicing_receipts"), permission=admin_views.VIEW,
                           icon_name="doc-full-inverse", order=200),
        PermissionMenuItem("Invoice settings", reverse("invoicing_settings"), permission=admin_views.SETTINGS,
                           icon_name="cogs", order=300),
    ])
    return SubmenuMenuItem("Invoicing", menu, icon_name="doc-full-inverse", order=260)
