"""Printed numbers and dates as exact values, strictly.

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
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from robot.errors import ReadError
from robot.readers.fieldlimits import NUMBER_EXPECTED, digits_problem, non_ascii_digit, quote

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_CURRENCY = re.compile(r"^(?:[A-Z]{3}|kr\.?|€|\$|£)\s*|\s*(?:[A-Z]{3}|kr\.?|€|\$|£)$", re.IGNORECASE)

FALLBACK_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%d.%m.%y",
    "%d-%m-%y",
    "%d %m %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d. %B %Y",
    "%d. %b %Y",
    "%Y%m%d",
)

# Month names in the languages of the invoices the robot meets, mapped to English for strptime.
_MONTHS: dict[str, str] = {}
for _english, _names in {
    "January": "januar janvier januari enero gennaio jänner",
    "February": "februar février fevrier februari febrero febbraio",
    "March": "marts märz maerz mars maart marzo",
    "April": "avril april abril aprile",
    "May": "maj mai mei mayo maggio",
    "June": "juni juin junio giugno",
    "July": "juli juillet julio luglio",
    "August": "august août aout augustus agosto",
    "September": "september septembre septiembre settembre",
    "October": "oktober octobre october octubre ottobre",
    "November": "november novembre noviembre",
    "December": "december dezember décembre decembre diciembre dicembre",
}.items():
    for _name in _names.split():
        _MONTHS[_name] = _english
_MONTH_WORD = re.compile(r"[^\W\d_]{3,}\.?", re.UNICODE)


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


def parse_date(value: str, formats: Sequence[str], field: str) -> date:
    """A printed date, by the template's ``date_formats`` first, then common formats and languages.

    Only the ASCII digits 0-9 are digits (``strptime`` also takes ``２０２５``).
    """
    if (odd := non_ascii_digit(value)) is not None:
        raise ReadError(
            f"{field} {quote(value)} is not a date: it has the non-ASCII digit {odd}; "
            "only the digits 0-9 are numbers",
            field=field,
            expected="a date in the digits 0-9 (options.date_formats)",
        )
    text = " ".join(value.split())
    english = _MONTH_WORD.sub(lambda m: _MONTHS.get(m.group(0).rstrip(".").lower(), m.group(0)), text)
    for candidate in dict.fromkeys((text, english)):
        for fmt in (*formats, *FALLBACK_DATE_FORMATS):
            try:
                return datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    raise ReadError(
        f"{field} {quote(value)} is not a date in a known format",
        field=field,
        expected=f"a date like {', '.join(formats) or 'YYYY-MM-DD or DD.MM.YYYY'} (options.date_formats)",
    )
