from django import template

from operations.ticketing.money import money_format

register = template.Library()


@register.filter
def money(amount, currency):
    """{{ order.total|money:order.currency }} → "KRW 30,000" / "EUR 12.50" (the currency's exponent)."""
    if amount is None or amount == "":
        return ""
    return money_format(amount, currency)
