"""Taxes: exact per-line rounding (half up, the currency's exponent), inclusive and exclusive
prices in USD and KRW, fixed on the order when its seats are reserved."""

from decimal import Decimal

import pytest

from operations.invoicing.models import OrderTax, TaxRule
from operations.invoicing.services.taxes import tax_line
from operations.ticketing.models import PromoCode
from operations.ticketing.services.orders import Item, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a


def test_inclusive_tax_is_gross_less_gross_over_one_plus_rate():
    line = tax_line(Decimal("55000"), rate=Decimal(10), inclusive=True, currency="KRW")
    assert (line.net, line.tax, line.gross) == (Decimal("50000"), Decimal("5000"), Decimal("55000"))
    line = tax_line(Decimal("10.00"), rate=Decimal(7), inclusive=True, currency="USD")
    assert (line.net, line.tax, line.gross) == (Decimal("9.35"), Decimal("0.65"), Decimal("10.00"))  # 0.6542… → 0.65


def test_exclusive_tax_is_added_and_rounded_half_up():
    line = tax_line(Decimal("10.00"), rate=Decimal("8.875"), inclusive=False, currency="USD")
    assert (line.tax, line.gross) == (Decimal("0.89"), Decimal("10.89"))  # 0.8875 → 0.89
    line = tax_line(Decimal("12345"), rate=Decimal(10), inclusive=False, currency="KRW")
    assert (line.tax, line.gross) == (Decimal("1235"), Decimal("13580"))  # 1234.5 → 1235: whole won, half up
    line = tax_line(Decimal("0.05"), rate=Decimal(10), inclusive=False, currency="USD")
    assert line.tax == Decimal("0.01")  # 0.005 → 0.01 (half up, not to even)


def test_inclusive_krw_rounds_to_whole_won_and_net_plus_tax_is_the_price():
    line = tax_line(Decimal("33333"), rate=Decimal(10), inclusive=True, currency="KRW")
    assert line.tax == Decimal("3030") and line.net == Decimal("30303")  # 3030.27… → 3030
    assert line.tax == line.tax.to_integral_value() and line.net + line.tax == Decimal("33333")


def test_exclusive_usd_tax_is_added_to_the_order_total_per_seat(alpha):
    event = event_make(slug="usd-ex", currency="USD")
    general = ticket_type_make(event, price="10.00", seats=10)
    TaxRule.objects.create(event=event, name="Sales tax", rate=Decimal("8.875"), prices_include_tax=False)
    order = order_reserve(event=event, items=[Item(general.pk, 3)])
    # Per seat 0.8875 → 0.89; three seats 2.67 (one rounding of 2.6625 would give 2.66).
    assert order.subtotal == Decimal("30.00") and order.total == Decimal("32.67")
    tax = OrderTax.objects.get(order=order)
    assert (tax.net, tax.amount, tax.prices_include_tax) == (Decimal("30.00"), Decimal("2.67"), False)


def test_inclusive_krw_tax_leaves_the_total_and_shows_the_included_part(alpha):
    event = event_make(slug="krw-in", currency="KRW")
    general = ticket_type_make(event, price="55000", seats=10)
    TaxRule.objects.create(event=event, name="부가세", rate=Decimal(10), prices_include_tax=True)
    order = order_reserve(event=event, items=[Item(general.pk, 2)])
    assert order.total == Decimal("110000")
    tax = OrderTax.objects.get(order=order)
    assert (tax.name, tax.net, tax.amount) == ("부가세", Decimal("100000"), Decimal("10000"))


def test_tax_applies_to_the_discounted_price(alpha):
    event = event_make(slug="disc", currency="USD")
    general = ticket_type_make(event, price="20.00", seats=10)
    TaxRule.objects.create(event=event, name="VAT", rate=Decimal(20), prices_include_tax=False)
    PromoCode.objects.create(event=event, code="HALF", kind=PromoCode.Kind.PERCENT, value=Decimal(50))
    order = order_reserve(event=event, items=[Item(general.pk, 1)], promo_code="HALF")
    assert order.total == Decimal("12.00")  # (20 − 10) + 20 %
    assert OrderTax.objects.get(order=order).amount == Decimal("2.00")


def test_a_later_change_of_the_rule_does_not_change_a_placed_order(alpha):
    event = event_make(slug="later", currency="USD")
    general = ticket_type_make(event, price="10.00", seats=10)
    rule = TaxRule.objects.create(event=event, name="GST", rate=Decimal(10), prices_include_tax=False)
    order = order_reserve(event=event, items=[Item(general.pk, 1)])
    rule.rate = Decimal(15)
    rule.save()
    order.refresh_from_db()
    assert order.total == Decimal("11.00") and OrderTax.objects.get(order=order).rate == Decimal(10)


def test_an_event_without_a_tax_rule_has_no_tax(alpha):
    event = event_make(slug="notax", currency="USD")
    general = ticket_type_make(event, price="10.00", seats=10)
    order = order_reserve(event=event, items=[Item(general.pk, 1)])
    assert order.total == Decimal("10.00") and not OrderTax.objects.filter(order=order).exists()
