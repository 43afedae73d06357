"""The finding of an arithmetic rule (EN 16931 totals, VAT and lines; OIOUBL 2.x): an amount the
document states is not the one its other amounts give.

The message sets the two amounts side by side, each after the words that name it, in whichever
order reads best, then what follows in brackets (the official id, a tolerance)::

    >>> from decimal import Decimal
    >>> said = versus(
    ...     Text("Total med moms (BT-112) er", "Total with VAT (BT-112) is"), Decimal("1250.5"),
    ...     Text("BT-109 + BT-110 giver", "BT-109 + BT-110 gives"), Decimal("1250"), " (BR-CO-15)")
    >>> said.da
    'Total med moms (BT-112) er 1.250,50, men BT-109 + BT-110 giver 1.250,00 (BR-CO-15).'
    >>> said.en
    'Total with VAT (BT-112) is 1250.50 but BT-109 + BT-110 gives 1250.00 (BR-CO-15).'
"""

from __future__ import annotations

from decimal import Decimal

from classifiers.amounts import fmt_da, fmt_en
from classifiers.api import Context, Finding
from classifiers.texts import Text, amount


def versus(first: Text, a: Decimal | None, then: Text, b: Decimal | None, tail: Text | str = "") -> Text:
    """``<first> a, men <then> b<tail>.`` and ``<first> a but <then> b<tail>.`` (a missing amount
    reads "(mangler)"/"(missing)")."""
    after = tail if isinstance(tail, Text) else Text(tail, tail)
    return Text(
        f"{first.da} {fmt_da(a)}, men {then.da} {fmt_da(b)}{after.da}.",
        f"{first.en} {fmt_en(a)} but {then.en} {fmt_en(b)}{after.en}.",
    )


def amount_differs(
    ctx: Context,
    said: Text,
    stated: Decimal | None,
    expected: Decimal | None,
    *,
    missing: Text | None = None,
    field: str | None = None,
    line_id: str | None = None,
    official: str | None = None,
) -> Finding:
    """The running rule's finding that ``stated`` is not ``expected`` (``missing``: what is shown
    instead when an operand is missing and nothing can be computed); ``official``: the one official
    id it claims, when the rule has several."""
    return ctx.finding(
        da=said.da,
        en=said.en,
        found=amount(stated),
        expected=missing if expected is None and missing is not None else amount(expected),
        field=field,
        line_id=line_id,
        official_ids=None if official is None else (official,),
    )
