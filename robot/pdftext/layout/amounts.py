"""Amounts, strictly: an exact Decimal with two decimals, or nothing.

``1.234,56`` and ``234,56`` are Danish/German, ``1,234.56`` and ``234.56`` English; ``1.234`` or
``1,234`` (a thousands group or three decimals?) and amounts without two decimals are refused.
Thousands groups separated by a space are taken only right after a label, a colon or a currency,
where a quantity cannot stand before them.

    >>> money("1.234,56"), money("1,234.56"), money("-7,67"), money("7,67-"), money("1 453,76")
    (Decimal('1234.56'), Decimal('1234.56'), Decimal('-7.67'), Decimal('-7.67'), Decimal('1453.76'))
    >>> money("1.234"), money("1.234.56"), money("12,5")
    (None, None, None)
"""

from __future__ import annotations

import re
from decimal import Decimal

from robot.pdftext.layout.text import Segment, TextLine

CURRENCY_CODES = frozenset(
    ("DKK", "EUR", "SEK", "NOK", "ISK", "USD", "GBP", "CHF", "PLN", "CZK", "HUF", "CAD", "AUD", "JPY", "CNY")
)
SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD"}
_CUR = r"(?:[A-Z]{3}|€|£|\$|kr\.?)"
_AMOUNT = (
    r"(?<![\w.,])(?P<sign>[-−])?\s?"
    r"(?P<num>\d{1,3}(?:(?P<g>[.,’'\u00a0\u202f ])\d{3})(?:(?P=g)\d{3})*[.,]\d{2}|\d+[.,]\d{2})"
    r"(?P<trail>-)?(?![\w.,]|\s?%)"
)
MONEY = re.compile(_AMOUNT)
_WHOLE = re.compile(rf"^\s*(?:{_CUR}\s?)?{_AMOUNT}\s?(?:{_CUR})?\s*$")


def money(text: str) -> Decimal | None:
    """The amount ``text`` is, when it is one unambiguously (see the module docstring)."""
    m = _WHOLE.match(text)
    return None if m is None else _value(m)


def _value(m: re.Match[str]) -> Decimal | None:
    num, group = m["num"], m["g"]
    decimal_sep = num[-3]
    if group is not None and group == decimal_sep:
        return None  # "1.234.56"
    digits = num[:-3]
    if group is not None:
        digits = digits.replace(group, "")
    if not digits.isdigit():
        return None
    value = Decimal(f"{digits}.{num[-2:]}")
    return -value if (m["sign"] or m["trail"]) else value


def amounts_in(line: TextLine) -> list[tuple[int, int, Decimal]]:
    """The amounts on a line: (start, end, value); space-grouped ones only after a label/colon/currency."""
    found: list[tuple[int, int, Decimal]] = []
    for m in MONEY.finditer(line.text):
        value = _value(m)
        if value is None:
            continue
        if m["g"] in (" ", "\u00a0", "\u202f") and not _space_group_ok(line.text[: m.start()]):
            continue
        found.append((m.start(), m.end(), value))
    return found


_BEFORE_SPACED = re.compile(rf"(?:[:=]|{_CUR}|[A-Za-zæøåÆØÅäöüÄÖÜ.)])\s?$")


def _space_group_ok(before: str) -> bool:
    return bool(_BEFORE_SPACED.search(before)) and not re.search(r"\d\s*$", before)


def label_before(line: TextLine, start: int) -> str:
    """The text a line prints before the amount at ``start``: the nearest segment, with a
    currency-only segment joined to the one before it (``Total   DKK   1.250,00``)."""
    head = line.text[:start].rstrip()
    segs = [s for s in line.segments if s.col < len(head)]
    if not segs:
        return ""
    last = Segment(segs[-1].col, head[segs[-1].col :].strip())
    text = last.text
    if len(segs) > 1 and re.fullmatch(rf"[:\s]*{_CUR}[:\s]*", text):
        text = f"{segs[-2].text} {text}"
    return text


def currency_near(text: str) -> str | None:
    """An ISO currency code or symbol written in ``text`` (``Total DKK``, ``496.00 €``)."""
    codes = {c for c in re.findall(r"\b[A-Z]{3}\b", text) if c in CURRENCY_CODES}
    codes |= {SYMBOLS[s] for s in SYMBOLS if s in text}
    if re.search(r"\bkr\.?(?!\w)", text):
        codes.add("DKK")
    return codes.pop() if len(codes) == 1 else None
