"""Exact money: Decimal amounts quantized to each currency's exponent (KRW and JPY have none)."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that differ from 2.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

# The ISO 4217 currencies an event may charge in: their minor unit is known here (2 unless listed
# in _EXPONENTS), so prices can be checked and charged exactly. Fund codes and the 4-decimal units
# (CLF, UYW) are left out on purpose. UYI is kept: money lists its exponent.
CURRENCIES = frozenset("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UZS VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG
""".split())


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
