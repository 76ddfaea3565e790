from django import template

from operations.payments.admin_views import CHANGE, VIEW

register = template.Library()


@register.inclusion_tag("payments/admin/_order_payments.html", takes_context=True)
def order_payments_admin(context, order):
    """Payments and refunds of an order, with refund / review actions, on the order screen."""
    user = context["request"].user
    if not user.has_perm(VIEW):
        return {"hidden": True}
    return {"order": order, "payments": order.payments.all(), "refunds": order.refunds.select_related("payment"),
            "may_change": user.has_perm(CHANGE), "csrf_token": context.get("csrf_token")}
