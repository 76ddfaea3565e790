from decimal import Decimal

import pytest

from operations.payments.money import money_from_minor, money_to_minor


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("55000", "KRW", 55000), ("55.00", "USD", 5500), ("0.50", "EUR", 50), ("1.234", "KWD", 1234), ("980", "JPY", 980),
])
def test_amounts_go_to_minor_units_and_back_with_the_currency_exponent(amount, currency, minor):
    assert money_to_minor(Decimal(amount), currency) == minor
    assert money_from_minor(minor, currency) == Decimal(amount)


@pytest.mark.parametrize(("amount", "currency"), [("55000.5", "KRW"), ("55.001", "USD")])
def test_amounts_below_the_smallest_unit_are_refused(amount, currency):
    with pytest.raises(ValueError):
        money_to_minor(Decimal(amount), currency)
