"""Values a finding shows the customer, in Danish and in English.

A finding's ``found`` and ``expected`` are read by a customer in the Danish part of a notice and
by another in the English part. A rule gives either a language-neutral value (an identifier, a
code, a number) or a :class:`Text` with both renderings; :func:`render` turns either into the
English (or neutral) text and, when it differs, the Danish one::

    >>> from decimal import Decimal
    >>> render(Decimal("9475.00")), render(Decimal("-5"))
    (('9475.00', '9.475,00'), ('-5', None))
    >>> render(amount(Decimal("22650.0000")))
    ('22650.00', '22.650,00')
    >>> render(at_most(amount(Decimal("9375"))))
    ('at most 9375.00', 'højst 9.375,00')
    >>> render(Text("en personreference (BT-10)", "a person reference (BT-10)"))
    ('a person reference (BT-10)', 'en personreference (BT-10)')
    >>> render("PO-2026-0029")
    ('PO-2026-0029', None)

A ``Decimal`` read from the document is shown with its own digits. :func:`amount` is for amounts
from elsewhere (computed, stored, ordered): at least two decimals, and zeros a store pads with are
dropped, so ``22650.0000`` reads ``22.650,00`` while a unit price ``12.345`` stays ``12,345``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

__all__ = [
    "Text",
    "amount",
    "amount_da",
    "amount_en",
    "at_least",
    "at_most",
    "date_long_da",
    "date_long_en",
    "number",
    "number_da",
    "number_en",
    "render",
]


@dataclass(frozen=True, slots=True)
class Text:
    """One value in Danish and English: ``Text("højst 30 dage", "at most 30 days")``."""

    da: str
    en: str


def _digits(value: Decimal, minimum: int) -> str:
    """``value`` without grouping, with its own decimals but at least ``minimum``; padding dropped."""
    if not value.is_finite():
        return str(value)
    exponent = value.normalize().as_tuple().exponent
    places = max(minimum, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    with localcontext(prec=80):  # a product of two amounts the readers allow exceeds 28 digits
        return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def danish_digits(text: str) -> str:
    """``-1234.50`` → ``-1.234,50`` (thousands dot, decimal comma)."""
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + frac if frac else "")


def amount_da(value: Decimal) -> str:
    """An amount in Danish with the document's decimals: ``1.234,50``, ``0,125``."""
    return danish_digits(_digits(value, 2))


def amount_en(value: Decimal) -> str:
    """An amount in English with the document's decimals: ``1234.50``."""
    return _digits(value, 2)


def number_da(value: Decimal | int) -> str:
    """A quantity or rate in Danish: ``2,5``, ``1.000``, ``25``."""
    return danish_digits(_digits(Decimal(value), 0))


def number_en(value: Decimal | int) -> str:
    """A quantity or rate in English: ``2.5``, ``1000``, ``25``."""
    return _digits(Decimal(value), 0)


def amount(value: Decimal | None) -> Text:
    """An amount as a :class:`Text` (Danish and English separators); ``None`` reads "missing"."""
    if value is None:
        return Text("(mangler)", "(missing)")
    return Text(amount_da(value), amount_en(value))


def number(value: Decimal | int) -> Text:
    """A quantity, count or rate as a :class:`Text`."""
    return Text(number_da(value), number_en(value))


def _pair(value: Text | Decimal | int | str) -> Text:
    if isinstance(value, Text):
        return value
    if isinstance(value, Decimal):
        return amount(value)
    return Text(str(value), str(value))


def at_most(value: Text | Decimal | int | str) -> Text:
    """``højst 9.375,00`` / ``at most 9375.00``."""
    pair = _pair(value)
    return Text(f"højst {pair.da}", f"at most {pair.en}")


def at_least(value: Text | Decimal | int | str) -> Text:
    """``mindst 0,00`` / ``at least 0.00``."""
    pair = _pair(value)
    return Text(f"mindst {pair.da}", f"at least {pair.en}")


_MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date_long_da(value: date) -> str:
    """``3. februar 2026``."""
    return f"{value.day}. {_MONTHS_DA[value.month - 1]} {value.year}"


def date_long_en(value: date) -> str:
    """``3 February 2026``."""
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def render(value: object) -> tuple[str | None, str | None]:
    """``(English or neutral text, Danish text or None when it is the same)`` of a finding value."""
    if value is None:
        return None, None
    if isinstance(value, Text):
        return value.en, (value.da if value.da != value.en else None)
    if isinstance(value, Decimal):
        en = f"{value:f}"  # the document's own digits
        da = danish_digits(en) if value.is_finite() else en
        return en, (da if da != en else None)
    return str(value), None
