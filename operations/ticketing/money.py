"""Exact money: Decimal amounts quantized to each currency's exponent (KRW and JPY have none)."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that differ from 2.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def money_quantize(amount, currency: str) -> Decimal:
    """Round to the currency's smallest unit (half up, as a cashier would)."""
    exponent = currency_exponent(currency)
    return Decimal(amount).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def money_is_exact(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` has no digits below the currency's smallest unit."""
    return money_quantize(amount, currency) == amount


def money_format(amount: Decimal, currency: str) -> str:
    exponent = currency_exponent(currency)
    amount = money_quantize(amount, currency)
    return f"{currency.upper()} {amount:,.{exponent}f}"
