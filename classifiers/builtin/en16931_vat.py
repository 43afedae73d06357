"""EN 16931 VAT breakdown arithmetic: BR-CO-17 and the per-category BR-x-08 / BR-x-09 rules.

Per VAT breakdown (BG-23), as in ``CEN-EN16931-UBL.sch``:

* BR-CO-17: tax (BT-117) = taxable (BT-116) × rate (BT-119) / 100, within ±1.
* BR-S-08 (and L/M: BR-AF-08, BR-AG-08): taxable = Σ line nets + charges − allowances of that
  category *and rate*, within ±1. BR-Z/E/AE/G/IC/O-08: the same per category, exactly.
* BR-S-09 (and BR-AF-09, BR-AG-09): tax = taxable × rate, within ±1; for Z, E, AE, K, G, O the
  tax must be exactly 0.

    >>> CATEGORY_IDS["K"]
    ('BR-IC-08', 'BR-IC-09')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal

from classifiers.amounts import ONE, ZERO, dsum, fmt_da, fmt_en, xpath_round0, xpath_round2
from classifiers.api import Context, Finding
from classifiers.builtin._arithmetic import amount_differs, versus
from classifiers.builtin._en_common import EN16931
from classifiers.texts import Text
from robot.model import Invoice, SourceFormat, VatBreakdown

#: VAT category code → the name of its rule group in EN 16931 (``BR-<group>-nn``)
GROUPS = {"S": "S", "Z": "Z", "E": "E", "AE": "AE", "K": "IC", "G": "G", "O": "O", "L": "AF", "M": "AG"}
#: VAT category code → (taxable-amount rule, tax-amount rule)
CATEGORY_IDS: dict[str, tuple[str, str]] = {code: (f"BR-{g}-08", f"BR-{g}-09") for code, g in GROUPS.items()}
_RATED = frozenset({"S", "L", "M"})  # checked per rate with ±1 tolerance; the others exactly
CII_SHADOWED = frozenset({"O", "L", "M"})  # CII: these categories' rules take BR-CO-17's context
#: CII: the artefact's BR-AF-08/09 and BR-AG-08/09 can never fail (BR-x-08 takes the rate from the
#: settlement, which has none, and BR-x-09 is ``true()``): the robot checks the amounts all the same,
#: under its own code, claiming neither id
_CII_UNCLAIMED = frozenset({"L", "M"})


def _cat(code: str | None) -> str:
    return (code or "").strip()


def _label(b: VatBreakdown) -> str:
    rate = "" if b.rate is None else f" {b.rate.normalize():f}%"
    return f"{_cat(b.category) or '?'}{rate}"


def _expected_tax(b: VatBreakdown) -> Decimal | None:
    if b.taxable_amount is None or b.rate is None:
        return None
    return xpath_round2(abs(b.taxable_amount) * (b.rate / 100))


def _near(tax: Decimal | None, expected: Decimal | None, inclusive: bool = False) -> bool:
    """``|tax| − 1 < expected < |tax| + 1`` (the official ±1 window; CII's is inclusive)."""
    if tax is None or expected is None:
        return False
    if inclusive:
        return abs(tax) - ONE <= expected <= abs(tax) + ONE
    return abs(tax) - ONE < expected < abs(tax) + ONE


@EN16931.rule("EN-VAT-RATE-AMOUNT", official_ids=("BR-CO-17",), field="BT-117")
def vat_rate_amount(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A VAT breakdown's tax amount (BT-117) is not taxable amount (BT-116) × rate (BT-119)."""
    cii = invoice.format == SourceFormat.CII
    for b in invoice.vat_breakdown:
        if cii and _cat(b.category) in CII_SHADOWED:
            continue  # in the CII artefact the category's own rule shadows BR-CO-17
        tax, rate = b.tax_amount, b.rate
        zero_tax = tax is not None and xpath_round0(tax) == 0
        ok = (
            zero_tax
            if rate is None or xpath_round0(rate) == 0
            else _near(tax, _expected_tax(b), inclusive=cii)
        )
        if not ok:
            expected = _expected_tax(b) if rate is not None and xpath_round0(rate) != 0 else ZERO
            what = Text("Momsbeløbet", "VAT amount")
            should = Text(
                f"{fmt_da(b.taxable_amount)} × sats giver", f"{fmt_en(b.taxable_amount)} × rate gives"
            )
            yield _category_differs(
                ctx, b, "BT-117", tax, expected, "BR-CO-17", what, should, ", tolerance ±1"
            )


def _category_sum(
    invoice: Invoice, category: str, rate: Decimal | None
) -> tuple[Decimal, Decimal, bool, bool]:
    """(Σ line nets, Σ doc charges − allowances, a line matches, an allowance/charge matches)."""
    rated = category in _RATED

    def match(cat: str | None, r: Decimal | None) -> bool:
        return _cat(cat) == category and (not rated or (r is not None and r == rate))

    lines = dsum(ln.net_amount for ln in invoice.lines if match(ln.vat_category, ln.vat_rate))
    doc_ac = [ac for ac in invoice.allowances_charges if match(ac.vat_category, ac.vat_rate)]
    adjust = dsum(ac.amount for ac in doc_ac if ac.is_charge) - dsum(
        ac.amount for ac in doc_ac if not ac.is_charge
    )
    line_ac = any(match(ac.vat_category, ac.vat_rate) for ln in invoice.lines for ac in ln.allowances_charges)
    line_match = any(match(ln.vat_category, ln.vat_rate) for ln in invoice.lines)
    return lines, adjust, line_match, bool(doc_ac) or line_ac


def _taxable_ok_cii(invoice: Invoice, b: VatBreakdown, category: str) -> tuple[bool, Decimal]:
    """The CII artefact's variant: each sum rounded; S/L/M and O exact, the others within ±1."""
    rated = category in _RATED

    def match(cat: str | None, r: Decimal | None) -> bool:
        return _cat(cat) == category and (not rated or (r is not None and r == b.rate))

    lines = xpath_round2(dsum(ln.net_amount for ln in invoice.lines if match(ln.vat_category, ln.vat_rate)))
    doc_ac = [ac for ac in invoice.allowances_charges if match(ac.vat_category, ac.vat_rate)]
    charges = xpath_round2(dsum(ac.amount for ac in doc_ac if ac.is_charge))
    allowances = xpath_round2(dsum(ac.amount for ac in doc_ac if not ac.is_charge))
    expected = lines + charges - allowances
    taxable = b.taxable_amount
    if rated and b.rate is None:
        return True, expected
    if taxable is None:
        return False, expected
    if rated or category == "O":
        return taxable == expected, expected
    return taxable - ONE < expected < taxable + ONE, expected


def _taxable_ok(invoice: Invoice, b: VatBreakdown, category: str) -> tuple[bool, Decimal]:
    if invoice.format == SourceFormat.CII:
        return _taxable_ok_cii(invoice, b, category)
    lines, adjust, line_match, ac_match = _category_sum(invoice, category, b.rate)
    expected = lines + adjust
    taxable = b.taxable_amount
    if category in _RATED:
        if b.rate is None:  # "every $rate in ()" holds vacuously
            return True, expected
        if taxable is None:
            return False, expected
        # the official test is an OR of an own-lines branch and an other-document-type branch that
        # sums no lines at all; either passing is enough
        own = (line_match or ac_match) and taxable - ONE < expected < taxable + ONE
        other = ac_match and taxable - ONE < adjust < taxable + ONE
        return own or other, expected
    return bool(invoice.lines) and taxable is not None and taxable == expected, expected


def _category_differs(
    ctx: Context,
    b: VatBreakdown,
    field: str,
    stated: Decimal | None,
    expected: Decimal | None,
    official: str | None,
    what: Text,
    should: Text,
    note: str = "",
) -> Finding:
    """``what`` (``field``) of a VAT category is ``stated`` but ``should`` be ``expected``; the
    message names the ``official`` rule (and a ``note`` after it, e.g. its tolerance); with no
    official rule, the finding claims none."""
    of = Text(
        f"{what.da} ({field}) for kategori {_label(b)} er", f"{what.en} ({field}) for category {_label(b)} is"
    )
    said = versus(of, stated, should, expected, f" ({official or 'EN 16931'}{note})")
    found = amount_differs(ctx, said, stated, expected, field=field, official=official)
    return found if official is not None else dataclasses.replace(found, official_ids=())


@EN16931.rule("EN-VAT-CATEGORY", official_ids=tuple(ids[k] for ids in CATEGORY_IDS.values() for k in (0, 1)))
def vat_category(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A VAT breakdown's taxable amount (BT-116) is not the sum of the lines, allowances and charges of
    its category (BR-x-08), or its tax amount (BT-117) is wrong for the category (BR-x-09)."""
    for b in invoice.vat_breakdown:
        category = _cat(b.category)
        if category not in CATEGORY_IDS:
            continue
        claimed = not (category in _CII_UNCLAIMED and invoice.format == SourceFormat.CII)
        taxable_id, tax_id = CATEGORY_IDS[category] if claimed else (None, None)
        ok, expected = _taxable_ok(invoice, b, category)
        if not ok:
            what = Text("Momsgrundlaget", "Taxable amount")
            should = Text(
                "linjer, gebyrer og rabatter i kategorien giver",
                "the category's lines, charges and allowances give",
            )
            yield _category_differs(ctx, b, "BT-116", b.taxable_amount, expected, taxable_id, what, should)
        if category in _RATED:
            tax_expected = _expected_tax(b)
            tax_ok = _near(b.tax_amount, tax_expected)
        else:
            tax_expected = ZERO
            tax_ok = b.tax_amount is not None and b.tax_amount == 0
        if not tax_ok:
            what, should = Text("Momsbeløbet", "VAT amount"), Text("skal være", "must be")
            yield _category_differs(ctx, b, "BT-117", b.tax_amount, tax_expected, tax_id, what, should)
