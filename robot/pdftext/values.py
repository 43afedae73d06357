"""Printed numbers and dates as exact values, strictly (dates: :mod:`robot.pdftext.dates`).

The most common PDF-extraction failure is a decimal separator taken for a thousands separator
(``27,80`` read as 2780). Here a thousands separator must be followed by exactly three digits, so
that mistake is a :class:`~robot.errors.ReadError` naming the field instead of a wrong amount::

    >>> parse_amount("1.234,50", ",", "amount")
    Decimal('1234.50')
    >>> parse_amount("27,80", ".", "amount")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    robot.errors.ReadError: amount '27,80' is not a number with decimal separator '.'
    >>> parse_date("07.10.2015", ["%d.%m.%Y"], "date")
    datetime.date(2015, 10, 7)
    >>> parse_date("7. maj 2025", [], "date")
    datetime.date(2025, 5, 7)
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from robot.errors import ReadError
from robot.pdftext.dates import parse_date
from robot.readers.fieldlimits import NUMBER_EXPECTED, digits_problem, non_ascii_digit, quote

__all__ = ["parse_amount", "parse_date"]

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_CURRENCY = re.compile(r"^(?:[A-Z]{3}|kr\.?|€|\$|£)\s*|\s*(?:[A-Z]{3}|kr\.?|€|\$|£)$", re.IGNORECASE)


def parse_amount(value: str, decimal_separator: str, field: str) -> Decimal:
    """A printed amount (``1.234,50``, ``-12.00``, ``12,00-``, ``(12.00)``, ``DKK 1 234,50``).

    Only the ASCII digits 0-9 are digits, and the number must be within the input limits
    (:mod:`robot.readers.fieldlimits`): ``str.isdigit`` and ``Decimal`` also take ``１２３``.
    """
    if (odd := non_ascii_digit(value)) is not None:
        raise ReadError(
            f"{field} {quote(value)} is not a number: it has the non-ASCII digit {odd}; "
            "only the digits 0-9 are numbers",
            field=field,
            expected=NUMBER_EXPECTED,
        )
    text = _CURRENCY.sub("", _SPACES.sub(" ", value).strip()).strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("-"):
        negative, text = True, text[:-1]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    text = _SPACES.sub("", text).replace("'", "")
    thousands = "," if decimal_separator == "." else "."
    whole, _, fraction = text.partition(decimal_separator)
    groups = whole.split(thousands)
    ok = (
        text.count(decimal_separator) <= 1
        and groups[0].isdigit()
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
        and (fraction == "" or fraction.isdigit())
        and not (decimal_separator in text and fraction == "")
    )
    if not ok:
        raise ReadError(
            f"{field} {quote(value)} is not a number with decimal separator '{decimal_separator}'",
            field=field,
            expected=f"digits, '{thousands}' before each group of three, '{decimal_separator}' before "
            "the decimals (set options.decimal_separator in the template)",
        )
    problem = digits_problem("".join(groups), fraction)
    if problem is not None:
        raise ReadError(f"{field} {quote(value)} {problem}", field=field, expected=NUMBER_EXPECTED)
    try:
        number = Decimal("".join(groups) + ("." + fraction if fraction else ""))
    except InvalidOperation:  # pragma: no cover - the checks above admit digits only
        raise ReadError(f"{field} '{value}' is not a number", field=field, expected="a number") from None
    return -number if negative else number
