"""EN 16931 document totals: BR-CO-10..BR-CO-16 (domain.md §4), mirrored from the official Schematron.

Rounding and tolerances are those of ``CEN-EN16931-UBL.sch``: a computed sum is rounded with
XPath ``round(x * 100) div 100`` and then compared exactly. A missing operand fails the check like
it does officially (the finding then says what is missing). Example finding (BR-CO-10)::

    da: Summen af linjebeløb (BT-131) er 1.000,00, men fakturaens linjetotal (BT-106) er 1.100,00
    en: Sum of line net amounts (BT-131) is 1000.00 but the invoice line total (BT-106) is 1100.00
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from classifiers.amounts import dsum, fmt_da, fmt_en, xpath_round2
from classifiers.api import Context, Finding
from classifiers.builtin._arithmetic import amount_differs, versus
from classifiers.builtin._en_common import EN16931, applies
from classifiers.texts import Text
from robot.model import Invoice, SourceFormat, Totals


def has_monetary_total(totals: Totals, cii: bool = False) -> bool:
    """Whether the document carries a monetary total at all (the official rules' context).

    In CII the VAT total (BT-110) sits in that same context (the header monetary summation).
    """
    if cii and totals.tax is not None:
        return True
    return any(
        v is not None
        for v in (
            totals.line_extension,
            totals.tax_exclusive,
            totals.tax_inclusive,
            totals.payable,
            totals.allowances,
            totals.charges,
            totals.prepaid,
            totals.rounding,
        )
    )


def monetary_total_present(invoice: Invoice) -> bool:
    """Whether the document has the monetary total element (BG-22), even empty, or any amount of it."""
    cii = invoice.format == SourceFormat.CII
    return "BG-22" in (invoice.present or ()) or has_monetary_total(invoice.totals, cii)


def _judged(invoice: Invoice) -> bool:
    """The context of BR-CO-10, -11, -12, -13 and -16: an EN 16931 document with a monetary total."""
    return applies(invoice) and monetary_total_present(invoice)


WITH_TOTAL = EN16931.judging(_judged)


def _differs(found: Decimal | None, expected: Decimal) -> bool:
    return found is None or found != expected


#: What the standard's computation gives, when the message does not spell the formula out.
_COMPUTED = Text("beregnet giver det", "the computed value is")


@dataclass(frozen=True, slots=True)
class _Formula:
    """A total the document states (BT-109, BT-112, BT-115) that its other totals must give."""

    official: str
    total: Text  # the stated total, as the message names it
    missing: Text  # what is shown as expected when the formula cannot be computed
    formula: Callable[[Totals], Text]  # the formula's words (and operands), "... giver"/"... gives"

    def differs(
        self, ctx: Context, totals: Totals, stated: Decimal | None, expected: Decimal | None
    ) -> Finding:
        """The finding that ``stated`` is not the ``expected`` the formula over ``totals`` gives."""
        said = versus(self.total, stated, self.formula(totals), expected, f" ({self.official})")
        return amount_differs(ctx, said, stated, expected, missing=self.missing)


_NET = _Formula(
    "BR-CO-13",
    Text("Total uden moms (BT-109) er", "Total without VAT (BT-109) is"),
    Text("BT-106 udfyldt", "BT-106 present"),
    lambda t: Text(
        f"linjetotal (BT-106) {fmt_da(t.line_extension)} − rabatter (BT-107) + gebyrer (BT-108) giver",
        f"line total (BT-106) {fmt_en(t.line_extension)} − allowances (BT-107) + charges (BT-108) gives",
    ),
)
_GROSS = _Formula(
    "BR-CO-15",
    Text("Total med moms (BT-112) er", "Total with VAT (BT-112) is"),
    Text("BT-109 og BT-110 udfyldt", "BT-109 and BT-110 present"),
    lambda t: Text(
        f"total uden moms (BT-109) {fmt_da(t.tax_exclusive)} + moms (BT-110) {fmt_da(t.tax)} giver",
        f"total without VAT (BT-109) {fmt_en(t.tax_exclusive)} + VAT (BT-110) {fmt_en(t.tax)} gives",
    ),
)
_PAYABLE = _Formula(
    "BR-CO-16",
    Text("Beløb til betaling (BT-115) er", "Amount due for payment (BT-115) is"),
    Text("BT-112 udfyldt", "BT-112 present"),
    lambda t: Text(
        "total med moms (BT-112) − forudbetalt (BT-113) + afrunding (BT-114) giver",
        "total with VAT (BT-112) − paid amount (BT-113) + rounding (BT-114) gives",
    ),
)


@WITH_TOTAL.rule("EN-LINE-SUM", official_ids=("BR-CO-10",), field="BT-106")
def line_sum(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The sum of line net amounts (BT-131) differs from the invoice line total (BT-106)."""
    totals = invoice.totals
    computed = xpath_round2(dsum(line.net_amount for line in invoice.lines))
    if _differs(totals.line_extension, computed):
        parts = Text("Summen af linjebeløb (BT-131) er", "Sum of line net amounts (BT-131) is")
        total = Text("fakturaens linjetotal (BT-106) er", "the invoice line total (BT-106) is")
        said = versus(parts, computed, total, totals.line_extension, " (BR-CO-10)")
        yield amount_differs(ctx, said, totals.line_extension, computed)


@WITH_TOTAL.rule("EN-ALLOWANCE-CHARGE-SUM", official_ids=("BR-CO-11", "BR-CO-12"))
def allowance_charge_sums(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The document-level allowance (BT-107) or charge (BT-108) total differs from the sum of the
    document-level allowances (BT-92) or charges (BT-99)."""
    totals = invoice.totals
    for is_charge, stated, official, field in (
        (False, totals.allowances, "BR-CO-11", "BT-107"),
        (True, totals.charges, "BR-CO-12", "BT-108"),
    ):
        items = [ac for ac in invoice.allowances_charges if ac.is_charge is is_charge]
        if stated is None and not items:
            continue
        computed = xpath_round2(dsum(ac.amount for ac in items))
        if _differs(stated, computed):
            da = "Summen af gebyrer" if is_charge else "Summen af rabatter"
            en = "Sum of document level charges" if is_charge else "Sum of document level allowances"
            sum_of = Text(f"{da} ({field}) er", f"{en} ({field}) is")
            said = versus(sum_of, stated, _COMPUTED, computed, f" ({official})")
            yield amount_differs(ctx, said, stated, computed, field=field, official=official)


@WITH_TOTAL.rule("EN-NET-TOTAL", official_ids=("BR-CO-13",), field="BT-109")
def net_total(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The total without VAT (BT-109) differs from line total − allowances + charges."""
    t = invoice.totals
    if t.line_extension is None:
        expected = None
    elif t.allowances is None and t.charges is None:
        expected = t.line_extension
    else:
        expected = xpath_round2(t.line_extension - (t.allowances or 0) + (t.charges or 0))
    if expected is None or _differs(t.tax_exclusive, expected):
        yield _NET.differs(ctx, t, t.tax_exclusive, expected)


@EN16931.rule("EN-VAT-TOTAL", official_ids=("BR-CO-14",), field="BT-110")
def vat_total(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The invoice VAT total (BT-110) differs from the sum of the VAT breakdown amounts (BT-117)."""
    if invoice.tax_totals is not None:  # read from UBL: each TaxTotal with its own breakdown
        for written in invoice.tax_totals:
            computed = xpath_round2(dsum(written.parts))
            if written.breakdown and _differs(written.amount, computed):
                parts = Text(
                    "Summen af momsbeløb pr. kategori (BT-117) er", "Sum of VAT category amounts (BT-117) is"
                )
                total = Text("momstotalen (BT-110) er", "the VAT total (BT-110) is")
                said = versus(parts, computed, total, written.amount, " (BR-CO-14)")
                yield amount_differs(ctx, said, written.amount, computed)
        return
    if not invoice.vat_breakdown and invoice.format != SourceFormat.CII:
        return  # UBL: "or not(cac:TaxSubtotal)"; CII sums the (possibly absent) breakdown
    if not (invoice.currency or "").strip():
        return  # without BT-5 the VAT total in document currency cannot be told apart (BR-05 reports it)
    if invoice.format == SourceFormat.CII and invoice.totals.tax is None:
        return  # in CII the rule's context is the VAT total itself
    computed = xpath_round2(dsum(b.tax_amount for b in invoice.vat_breakdown))
    if _differs(invoice.totals.tax, computed):
        parts = Text(
            "Summen af momsbeløb pr. kategori (BT-117) er", "Sum of VAT category amounts (BT-117) is"
        )
        total = Text("fakturaens momstotal (BT-110) er", "the invoice VAT total (BT-110) is")
        said = versus(parts, computed, total, invoice.totals.tax, " (BR-CO-14)")
        yield amount_differs(ctx, said, invoice.totals.tax, computed)


@EN16931.rule("EN-GROSS-TOTAL", official_ids=("BR-CO-15",), field="BT-112")
def gross_total(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The total with VAT (BT-112) differs from total without VAT (BT-109) + VAT total (BT-110)."""
    t = invoice.totals
    if not (invoice.currency or "").strip():
        return
    # UBL: exactly one VAT total in the invoice currency is the VAT total (two are not added up)
    written = invoice.tax_totals
    single = written is None or sum(1 for w in written if w.currency == invoice.currency) == 1
    has_operands = t.tax_exclusive is not None and t.tax is not None and single
    expected = xpath_round2(t.tax_exclusive + t.tax) if has_operands else None  # type: ignore[operator]
    cii_untaxed = (
        invoice.format == SourceFormat.CII
        and t.tax_inclusive is not None
        and t.tax_inclusive == t.tax_exclusive
    )
    if (expected is None or t.tax_inclusive != expected) and not cii_untaxed:
        yield _GROSS.differs(ctx, t, t.tax_inclusive, expected)


@WITH_TOTAL.rule("EN-PAYABLE", official_ids=("BR-CO-16",), field="BT-115")
def payable(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The amount due (BT-115) differs from total with VAT (BT-112) − paid (BT-113) + rounding (BT-114)."""
    t = invoice.totals
    ok = False
    if t.payable is not None and t.tax_inclusive is not None:
        due = t.tax_inclusive if t.prepaid is None else xpath_round2(t.tax_inclusive - t.prepaid)
        stated = t.payable if t.rounding is None else xpath_round2(t.payable - t.rounding)
        ok = stated == due
    if not ok:
        expected = None
        if t.tax_inclusive is not None:
            expected = t.tax_inclusive - (t.prepaid or 0) + (t.rounding or 0)
        yield _PAYABLE.differs(ctx, t, t.payable, expected)
