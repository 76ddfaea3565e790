"""Amounts as providers count them: integers in the currency's minor unit (KRW 55000 → 55000,
USD 55.00 → 5500, KWD 1.234 → 1234)."""

from decimal import Decimal

from operations.ticketing.money import currency_exponent, money_is_exact


def money_to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion; refuses amounts with digits below the currency's smallest unit."""
    amount = Decimal(amount)
    if not money_is_exact(amount, currency):
        raise ValueError(f"{amount} is not a whole amount of {currency.upper()}")
    return int(amount.scaleb(currency_exponent(currency)))


def money_from_minor(minor: int, currency: str) -> Decimal:
    exponent = currency_exponent(currency)
    return (Decimal(int(minor)).scaleb(-exponent)).quantize(Decimal(1).scaleb(-exponent))
