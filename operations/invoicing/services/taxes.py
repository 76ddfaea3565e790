"""Taxes on orders.

Rounding (documented in the README): tax is computed per line, one line being one seat (an order
position: its price less its discount), rounded half up to the currency's smallest unit (KRW and
JPY: whole units), then summed. Identical seats therefore carry identical tax, and a receipt line
"3 × ticket" shows exactly 3 × the unit tax.

- prices include tax: tax = gross − gross / (1 + rate), computed as gross × rate / (100 + rate)
  and rounded; the net is gross − tax, so net + tax is always exactly the price paid.
- prices exclude tax: tax = net × rate / 100, rounded, and added to the order total.
"""

from dataclasses import dataclass
from decimal import Decimal

from operations.events.models import Event
from operations.invoicing.models import OrderTax, TaxRule
from operations.ticketing.models import Order
from operations.ticketing.money import money_quantize

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineTax:
    net: Decimal  # without tax
    tax: Decimal
    gross: Decimal  # net + tax: what the buyer pays for the line


def tax_line(amount: Decimal, *, rate: Decimal, inclusive: bool, currency: str) -> LineTax:
    """The tax of one line of ``amount`` (the price as entered: gross when ``inclusive``, net
    otherwise), exact in the currency's unit."""
    amount = money_quantize(amount, currency)
    if inclusive:
        tax = money_quantize(amount * rate / (HUNDRED + rate), currency)
        return LineTax(net=amount - tax, tax=tax, gross=amount)
    tax = money_quantize(amount * rate / HUNDRED, currency)
    return LineTax(net=amount, tax=tax, gross=amount + tax)


def tax_rule_for(event: Event) -> TaxRule | None:
    """The event's rule, read once per event instance (free when loaded with
    ``select_related("tax_rule")``, as the registration views do)."""
    try:
        return event.tax_rule
    except TaxRule.DoesNotExist:
        return None


def order_tax_of(order: Order) -> OrderTax | None:
    """The order's fixed tax, read once per order instance (free when the order was read with it,
    as the registration pages do: operations/ticketing/queries.py)."""
    try:
        return order.tax
    except OrderTax.DoesNotExist:
        return None


def order_tax_apply(*, order: Order, lines: list[tuple[Decimal, Decimal]]) -> Decimal:
    """Fix the tax of a just-reserved order from its event's rule (call inside the reserving
    transaction); ``lines`` are its seats' (price, discount). Returns what must be added to the
    order total: the tax when prices exclude it, else 0. Writes nothing when the event has no
    tax rule."""
    rule = tax_rule_for(order.event)
    if rule is None:
        return Decimal(0)
    net = tax = Decimal(0)
    for price, discount in lines:
        line = tax_line(price - discount, rate=rule.rate, inclusive=rule.prices_include_tax, currency=order.currency)
        net += line.net
        tax += line.tax
    OrderTax.objects.create(order=order, name=rule.name, rate=rule.rate, prices_include_tax=rule.prices_include_tax,
                            net=net, amount=tax)
    return Decimal(0) if rule.prices_include_tax else tax


def tax_rule_copy(*, source: Event, copy: Event, **kwargs) -> None:
    """A cloned event charges the tax its source charged (receiver of events' event_cloned, in the
    clone's transaction): without it the copy would sell tax-free."""
    rule = TaxRule.objects.filter(event=source).first()
    if rule is not None:
        TaxRule.objects.create(event=copy, name=rule.name, rate=rule.rate, prices_include_tax=rule.prices_include_tax)
