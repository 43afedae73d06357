"""Printed dates, as forgiving as invoice2data's dateparser and never a guess.

Order: the template's ``date_formats`` (``strptime``, exact); then the common numeric and
month-name formats; then `dateparser <https://dateparser.readthedocs.io>`_ with the template's
``languages`` (else Danish, German, French, Dutch and English) for month names and forms such as
``August 3 , 2014`` or ``1er Juillet 2015``. dateparser runs offline (its language data ships with
it) and only for absolute dates with day, month and year: ``2 days ago`` or ``August 2014`` are not
dates of an invoice.

A numeric date whose day and month could be swapped (``03/04/2023``) is refused unless a
``date_formats`` entry reads it, or the template's ``languages`` are all day-first ones: the robot
does not guess between 3 April and 4 March. ``03/20/2023`` can only be 20 March, so it is read.
Dotted dates (``03.04.2023``) are day-first everywhere they are written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from robot.errors import ReadError
from robot.readers.fieldlimits import non_ascii_digit, quote

DEFAULT_LANGUAGES = ("da", "de", "fr", "nl", "en")
MONTH_FIRST_LANGUAGES = frozenset({"en"})  # the US writes month/day/year; the rest day/month/year

FORMATS = (
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%Y%m%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d. %B %Y",
    "%d. %b %Y",
)
# Month names in the languages of the invoices the robot meets, mapped to English for strptime (fast;
# dateparser, which knows every language, takes about a second to load its data the first time).
_MONTHS: dict[str, str] = {}
for _english, _names in {
    "January": "januar janvier januari enero gennaio jänner jan",
    "February": "februar février fevrier februari febrero febbraio feb",
    "March": "marts märz maerz mars maart marzo mar",
    "April": "avril april abril aprile apr",
    "May": "maj mai mei mayo maggio may",
    "June": "juni juin junio giugno jun",
    "July": "juli juillet julio luglio jul",
    "August": "august août aout augustus agosto aug",
    "September": "september septembre septiembre settembre sep sept",
    "October": "oktober octobre october octubre ottobre okt oct",
    "November": "november novembre noviembre nov",
    "December": "december dezember décembre decembre diciembre dicembre dec dez",
}.items():
    for _name in _names.split():
        _MONTHS[_name] = _english
_MONTH_WORD = re.compile(r"[^\W\d_]{3,}\.?", re.UNICODE)
_ORDINAL = re.compile(r"\b(\d{1,2})(?:er|st|nd|rd|th|\.)(?=\s)", re.IGNORECASE)
_NUMERIC = re.compile(r"(\d{1,2})\s*([/-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_MAX_LENGTH = 80


def parse_date(value: str, formats: Sequence[str], field: str, languages: Sequence[str] = ()) -> date:
    """A printed date (see the module); a ReadError naming the field when it is not one."""
    if (odd := non_ascii_digit(value)) is not None:
        raise ReadError(
            f"{field} {quote(value)} is not a date: it has the non-ASCII digit {odd}; "
            "only the digits 0-9 are numbers",
            field=field,
            expected="a date in the digits 0-9 (options.date_formats)",
        )
    text = " ".join(value.split())
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if len(text) <= _MAX_LENGTH:
        found = _numeric(text, field, languages, formats) or _common(text) or _dateparser(text, languages)
        if found is not None:
            return found
    raise ReadError(
        f"{field} {quote(value)} is not a date in a known format",
        field=field,
        expected=f"a date like {', '.join(formats) or 'YYYY-MM-DD, DD.MM.YYYY or 3 March 2025'} "
        "(options.date_formats)",
    )


def _numeric(text: str, field: str, languages: Sequence[str], formats: Sequence[str]) -> date | None:
    """``dd/mm/yyyy`` or ``mm/dd/yyyy`` (or with ``-``): read only when only one reading exists."""
    match = _NUMERIC.fullmatch(text)
    if match is None:
        return None
    first, second, year = int(match[1]), int(match[3]), int(match[4])
    if len(match[4]) == 2:
        year += 2000
    day_first = bool(languages) and not MONTH_FIRST_LANGUAGES.intersection(languages)
    readings = {_valid(year, second, first)}  # day/month
    if not day_first:
        readings.add(_valid(year, first, second))  # month/day
    readings.discard(None)
    if len(readings) > 1:
        raise ReadError(
            f"{field} {quote(text)} is ambiguous: day and month could be either way round",
            field=field,
            expected="options.date_formats (e.g. '%d/%m/%Y'), or day-first options.languages "
            f"such as [da]{' (the template has ' + ', '.join(formats) + ')' if formats else ''}",
        )
    return readings.pop() if readings else None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _common(text: str) -> date | None:
    english = _MONTH_WORD.sub(lambda m: _MONTHS.get(m.group(0).rstrip(".").lower(), m.group(0)), text)
    plain = _ORDINAL.sub(r"\1", english).replace(" ,", ",")
    for candidate in dict.fromkeys((text, english, plain)):
        for fmt in FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    return None


def _dateparser(text: str, languages: Sequence[str]) -> date | None:
    if not any(c.isalpha() for c in text):
        return None  # numbers only: the formats above decide, dateparser would guess an order
    parser = _parser(tuple(languages) or DEFAULT_LANGUAGES)
    found = parser.get_date_data(text).date_obj
    return found.date() if found is not None else None


@lru_cache(maxsize=16)
def _parser(languages: tuple[str, ...]) -> Any:
    from dateparser.date import DateDataParser  # type: ignore[import-untyped]

    settings = {
        "PARSERS": ["absolute-time"],
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        return DateDataParser(languages=list(languages), settings=settings)
    except ValueError:  # a language dateparser does not know: the default ones
        return DateDataParser(languages=list(DEFAULT_LANGUAGES), settings=settings)
