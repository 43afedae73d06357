"""Dates as invoices print them, refused when they could be read two ways.

``05.03.2018``, ``05-03-2018`` and ``5/3/2018`` are day first (Danish, German, French); ``2018-03-05``
is ISO; month names in Danish, German, English and French are read. A slash date both of whose first
numbers could be a month is left unread on an English invoice (US month-first writing).

    >>> parse_date("05.03.2018"), parse_date("5. marts 2024"), parse_date("March 20, 2023")
    (datetime.date(2018, 3, 5), datetime.date(2024, 3, 5), datetime.date(2023, 3, 20))
    >>> parse_date("03/04/2023", english=True), parse_date("03/20/2023", english=True)
    (None, datetime.date(2023, 3, 20))
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    **dict.fromkeys(("jan", "januar", "january", "janvier", "jänner"), 1),
    **dict.fromkeys(("feb", "februar", "february", "février", "fevrier"), 2),
    **dict.fromkeys(("mar", "marts", "march", "märz", "maerz", "mars"), 3),
    **dict.fromkeys(("apr", "april", "avril"), 4),
    **dict.fromkeys(("maj", "may", "mai"), 5),
    **dict.fromkeys(("jun", "juni", "june", "juin"), 6),
    **dict.fromkeys(("jul", "juli", "july", "juillet"), 7),
    **dict.fromkeys(("aug", "august", "août", "aout"), 8),
    **dict.fromkeys(("sep", "sept", "september", "septembre"), 9),
    **dict.fromkeys(("okt", "oct", "oktober", "october", "octobre"), 10),
    **dict.fromkeys(("nov", "november", "novembre"), 11),
    **dict.fromkeys(("dec", "dez", "december", "dezember", "décembre"), 12),
}
_MONTH = r"(?P<mon>[A-Za-zæøåäöüéûÄÖÜ]{3,9})\.?"
PATTERNS = (
    re.compile(r"(?<![\d.])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d-])"),
    re.compile(r"(?<![\d./-])(?P<d>\d{1,2})(?P<sep>[.\-/])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d./-])"),
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\.?\s+{_MONTH}\s+(?P<y>\d{{4}})(?!\d)"),
    re.compile(rf"(?<![\w]){_MONTH}\s+(?P<d>\d{{1,2}})\s?,\s*(?P<y>\d{{4}})(?!\d)"),
)


def dates_in(text: str, *, english: bool = False) -> list[tuple[int, date]]:
    """Every unambiguous date in ``text``, with where it starts."""
    found: list[tuple[int, date]] = []
    for pattern in PATTERNS:
        for m in pattern.finditer(text):
            value = _date(m, english=english)
            if value is not None:
                found.append((m.start(), value))
    return sorted(found, key=lambda f: f[0])


def parse_date(text: str, *, english: bool = False) -> date | None:
    """The first date in ``text``, if it can only be read one way."""
    found = dates_in(text, english=english)
    return found[0][1] if found else None


def _date(m: re.Match[str], *, english: bool) -> date | None:
    groups = m.groupdict()
    if groups.get("mon"):
        month = _MONTHS.get(groups["mon"].lower().rstrip("."))
        if month is None:
            return None
        day = int(groups["d"])
    else:
        day, month = int(groups["d"]), int(groups["m"])
        if groups.get("sep") == "/" and english:
            if day <= 12 and month <= 12 and day != month:
                return None  # 03/04/2023: March 4 or 3 April?
            if month > 12:
                day, month = month, day  # 03/20/2023
    year = int(groups["y"])
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
