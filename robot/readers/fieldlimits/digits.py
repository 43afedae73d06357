"""The digits of a number read from a document: ASCII 0-9 only, and as many as the store's ``MONEY`` holds.

Checked as numbers are parsed (by the XML readers' decimal parser in :mod:`robot.readers.nodes`
and the printed-amount parser in :mod:`robot.pdftext.values`), so no store refuses what another
took.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from robot.readers.fieldlimits.quoting import safe_char

MONEY_PRECISION, MONEY_SCALE = 20, 4
"""The store's ``MONEY`` column type, ``Numeric(20, 4)`` (a test keeps the two in step)."""
MAX_INTEGER_DIGITS = MONEY_PRECISION - MONEY_SCALE
"""Digits before the decimal point (leading zeros not counted): every amount is below 10^16."""
MAX_FRACTION_DIGITS = 12
"""Digits after the decimal point. 16 + 12 = 28, Python's decimal precision, so every value read
is exact in the robot's arithmetic; real invoices use at most 8 (unit prices)."""


def non_ascii_digit(text: str) -> str | None:
    """The first character of ``text`` that is a digit but not one of ``0-9``, described."""
    for ch in text:
        if (ch.isdigit() or ch.isnumeric()) and not "0" <= ch <= "9":
            name = unicodedata.name(ch, "unnamed")
            return f"'{safe_char(ch)}' (U+{ord(ch):04X} {name})"
    return None


def digits_problem(integer: str, fraction: str) -> str | None:
    """What is wrong with a number's digits before and after the decimal point, or None.

    The caller has taken off sign, separators and spaces; both parts should be ASCII digits.
    """
    if (odd := non_ascii_digit(integer + fraction)) is not None:
        return f"has the non-ASCII digit {odd}; only the digits 0-9 are numbers"
    significant = len(integer.lstrip("0"))
    if significant > MAX_INTEGER_DIGITS:
        return (
            f"has {significant} digits before the decimal point; at most {MAX_INTEGER_DIGITS} fit "
            f"(amounts below 10^{MAX_INTEGER_DIGITS})"
        )
    if len(fraction) > MAX_FRACTION_DIGITS:
        return f"has {len(fraction)} digits after the decimal point; at most {MAX_FRACTION_DIGITS} are read"
    return None


def decimal_problem(value: Decimal) -> str | None:
    """:func:`digits_problem` for a number already parsed (e.g. the sum of several printed amounts)."""
    if not value.is_finite():
        return "is not a finite number"
    text = f"{abs(value):f}"
    integer, _, fraction = text.partition(".")
    return digits_problem(integer, fraction)


NUMBER_EXPECTED = (
    f"a decimal number in the digits 0-9 with a dot, below 10^{MAX_INTEGER_DIGITS} and with at most "
    f"{MAX_FRACTION_DIGITS} decimals, e.g. 1234.50"
)
