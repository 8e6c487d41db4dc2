"""Money is an integer amount of minor units plus an ISO 4217 currency; never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, DecimalException, InvalidOperation

# Currencies whose minor unit is not the usual 1/100.
_EXPONENTS = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}
_TWO_DECIMAL = {
    "AED",
    "ARS",
    "AUD",
    "BGN",
    "BRL",
    "CAD",
    "CHF",
    "CNY",
    "COP",
    "CZK",
    "DKK",
    "EGP",
    "EUR",
    "GBP",
    "GHS",
    "HKD",
    "HUF",
    "IDR",
    "ILS",
    "INR",
    "KES",
    "MAD",
    "MXN",
    "MYR",
    "NGN",
    "NOK",
    "NZD",
    "PEN",
    "PHP",
    "PKR",
    "PLN",
    "QAR",
    "RON",
    "RSD",
    "SAR",
    "SEK",
    "SGD",
    "THB",
    "TRY",
    "TWD",
    "UAH",
    "USD",
    "ZAR",
}
CURRENCIES = sorted(_TWO_DECIMAL | set(_EXPONENTS))
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "CHF": "CHF ", "KRW": "₩"}


class InvalidAmount(ValueError):
    pass


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def is_supported_currency(currency: str) -> bool:
    return currency in _TWO_DECIMAL or currency in _EXPONENTS


def parse_amount(text: str, currency: str) -> int:
    """'12.50' EUR -> 1250. Rejects negatives, more decimals than the currency has, and non-numbers."""
    cleaned = text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text else text.strip()
    cleaned = cleaned.replace(" ", "").replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise InvalidAmount("Enter a price such as 25 or 25.00.") from exc
    if not value.is_finite() or value < 0:
        raise InvalidAmount("The price cannot be negative.")
    places = exponent(currency)
    try:
        scaled = value.scaleb(places)
    except DecimalException as exc:  # an exponent beyond Decimal's range, such as 1E999999
        raise InvalidAmount("The price is too large.") from exc
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(f"{currency} has {places} decimal places at most.")
    if scaled > 100_000_000_00:
        raise InvalidAmount("The price is too large.")
    return int(scaled.to_integral_value(rounding=ROUND_HALF_UP))


def format_amount(minor: int, currency: str) -> str:
    """1250, EUR -> '12.50' (no symbol; for form fields)."""
    places = exponent(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"


def format_money(minor: int, currency: str) -> str:
    """1250, EUR -> '€12.50'; currencies without a known symbol read '12.50 SEK'."""
    if minor == 0:
        return "Free"
    amount = format_amount(minor, currency)
    whole, _, fraction = amount.partition(".")
    grouped = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{grouped}" if symbol else f"{grouped} {currency}"
