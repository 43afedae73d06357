"""Decimal helpers shared by the arithmetic rules: rounding, sums, tolerant comparison, display.

Two roundings exist on purpose. :func:`round2` is the commercial one (half away from zero) the
robot uses for its own computations. :func:`xpath_round2` mirrors ``round(x * 100) div 100`` as
the official Schematron artefacts evaluate it (XPath ``fn:round`` rounds halves towards positive
infinity), so a rule mirroring an official check agrees with it to the cent::

    >>> from decimal import Decimal
    >>> round2(Decimal("-2.345")), xpath_round2(Decimal("-2.345"))
    (Decimal('-2.35'), Decimal('-2.34'))
    >>> within(Decimal("100.00"), Decimal("100.02"), Decimal("0.02"))
    True
    >>> fmt_da(Decimal("-1234.5")), fmt_en(Decimal("-1234.5"))
    ('-1.234,50', '-1234.50')
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from classifiers.texts import danish_digits

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")
_HALF_CENT = Decimal("0.005")
#: Digits for rounding: a product of two amounts the readers allow (each below 10^16 with up to 12
#: decimals) exceeds the default 28, and quantize() would raise InvalidOperation instead of rounding.
_PRECISION = 80


def round2(value: Decimal) -> Decimal:
    """Round to 2 decimals, halves away from zero (the standard's commercial rounding).

    >>> round2(Decimal("999999999999999.99") * Decimal("999999999999999.99"))
    Decimal('999999999999999980000000000000.00')
    """
    with localcontext(prec=_PRECISION):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


def xpath_round2(value: Decimal) -> Decimal:
    """``round(value * 100) div 100`` as XPath evaluates it: halves go towards +infinity."""
    with localcontext(prec=_PRECISION):
        return (value + _HALF_CENT).quantize(CENT, rounding=ROUND_FLOOR)


def xpath_round0(value: Decimal) -> Decimal:
    """XPath ``round(value)`` to an integer (halves towards +infinity)."""
    with localcontext(prec=_PRECISION):
        return (value + Decimal("0.5")).quantize(Decimal(1), rounding=ROUND_FLOOR)


def dsum(values: Iterable[Decimal | None]) -> Decimal:
    """Sum of the present values (missing ones count as absent, like XPath ``sum()``)."""
    total = ZERO
    for value in values:
        if value is not None:
            total += value
    return total


def within(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    """``|a - b| <= tolerance`` (inclusive, like Peppol's ``u:slack``)."""
    return abs(a - b) <= tolerance


def decimals(value: Decimal) -> int:
    """How many decimals a value was written with (``Decimal("1.500")`` → 3)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def fmt_en(value: Decimal | None) -> str:
    """An amount for English text: ``1234.50`` (at least 2 decimals, never scientific)."""
    if value is None:
        return "(missing)"
    shown = value if decimals(value) >= 2 else value.quantize(CENT)
    return f"{shown:f}"


def fmt_da(value: Decimal | None) -> str:
    """An amount for Danish text: ``1.234,50`` (thousands dot, decimal comma)."""
    if value is None:
        return "(mangler)"
    return danish_digits(fmt_en(value))
