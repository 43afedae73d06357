"""OIOUBL 2.x arithmetic, mirrored from the official OIOUBL 2.1 Schematron (F-INV*, F-CRN*).

OIOUBL's ``LegalMonetaryTotal/TaxExclusiveAmount`` is the **VAT amount** (F-INV127), kept by the
reader in ``totals.oioubl_tax_exclusive_element``. Totals are compared after ``format-number(x,
'##.00')`` (2 decimals); line amounts within ±1.00; the payable rounding within ±10.00. These rules
judge only ``oioubl-2`` documents; the EN 16931 rules judge the others, so nothing is reported twice::

    da: Summen af linjebeløb er 1.000,00, men LineExtensionAmount er 1.100,00 (F-INV126)
    en: Sum of line amounts is 1000.00 but LineExtensionAmount is 1100.00 (F-INV126)

Lines marked ``FreeOfChargeIndicator`` (``Line.free_of_charge``) are left out of the line sum
(F-INV126/F-CRN072) and of the line checks, as officially. The line check follows the unit codes:
quantity and ``Price/BaseQuantity`` units equal → price × quantity / base quantity (F-INV340,
F-CRN210); different → price × quantity × ``OrderableUnitFactorRate`` (F-INV343, only when the rate is
given); either unit absent → as equal, base quantity 1 when absent (F-INV348; credit notes F-CRN216,
only with a base quantity). Known approximation: documents with ``PricingExchangeRate`` (F-INV326..
F-INV350 variants) are judged as if they had none.

OIO-VAT-RATE claims no official id (OIOUBL 2.1 has none that catches it): per TaxSubtotal the VAT
amount must be taxable amount × percent / 100 (±1.00, like EN 16931 BR-CO-17), and the taxable
amount per rate must be the rate's line amounts − allowances + charges (±1.00, like BR-S-08), so a
VAT amount that is wrong but consistent with the other totals is caught before posting::

    da: Momsbeløbet (TaxSubtotal/TaxAmount) for sats 25 % er 670,00, men 2.480,00 × 25 % giver 620,00
    en: The VAT amount (TaxSubtotal/TaxAmount) for rate 25 % is 670.00 but 2480.00 × 25 % gives 620.00
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal

from classifiers.amounts import CENT, ONE, ZERO, dsum, fmt_da, fmt_en, round2
from classifiers.api import Context, Finding
from classifiers.builtin._arithmetic import amount_differs, versus
from classifiers.builtin._family import Family
from classifiers.texts import Text
from classifiers.texts import amount as money
from robot.model import Invoice, Line, SourceFormat

ROUNDING_LIMIT = Decimal("10.00")
LINE_TOLERANCE = Decimal("1.00")
VAT_TOLERANCE = Decimal("1.00")
_LINE_SUM_TOLERANCE = Decimal("0.0055")

#: official ids per check: (invoice, credit note)
IDS = {
    "line_sum": ("F-INV126", "F-CRN072"),
    "vat": ("F-INV127", "F-CRN073"),
    "gross": ("F-INV128", "F-CRN074"),
    "allowances": ("F-INV129", "F-CRN075"),
    "charges": ("F-INV130", "F-CRN076"),
    "payable": ("F-INV133", "F-CRN079"),
    "rounding": ("F-INV338", "F-CRN208"),
    "line_equal": ("F-INV340", "F-CRN210"),
    "line_no_base": ("F-INV348", "F-CRN216"),
    "line_factor": ("F-INV343", ""),
}


def _applies(invoice: Invoice) -> bool:
    return invoice.format == SourceFormat.OIOUBL_2


#: These rules judge only ``oioubl-2`` documents; an OIOUBL document that breaks them is returned.
OIOUBL = Family(judges=_applies, status="RE", reason="LEG", action="NIN")


def _id(invoice: Invoice, check: str) -> str:
    return IDS[check][1 if invoice.is_credit_note else 0]


def _fmt2(value: Decimal) -> Decimal:
    """XSLT ``format-number(x, '##.00')``: 2 decimals, halves to even; −0.00 is 0.00."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN) + ZERO


def _vat(invoice: Invoice) -> Decimal:
    return dsum(b.tax_amount for b in invoice.vat_breakdown)


def _mismatch(
    ctx: Context,
    official: str,
    element: str,
    field: str,
    da_what: str,
    en_what: str,
    stated: Decimal | None,
    computed: Decimal,
) -> Finding:
    gives = Text(f"{da_what} giver", f"{en_what} gives")
    said = versus(gives, computed, Text(f"{element} er", f"{element} is"), stated, f" ({official})")
    return amount_differs(ctx, said, stated, computed, field=field, official=official)


@OIOUBL.rule(
    "OIO-TOTALS",
    official_ids=tuple(
        IDS[k][i] for k in ("line_sum", "vat", "gross", "allowances", "charges", "payable") for i in (0, 1)
    ),
)
def oioubl_totals(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An OIOUBL 2.x monetary total is calculated incorrectly (F-INV126..F-INV133, F-CRN072..079)."""
    t = invoice.totals
    vat = _vat(invoice)
    lines = dsum(ln.net_amount for ln in invoice.lines if not ln.free_of_charge)
    if t.line_extension is not None and abs(t.line_extension - lines) > _LINE_SUM_TOLERANCE:
        yield _mismatch(
            ctx,
            _id(invoice, "line_sum"),
            "LineExtensionAmount",
            "BT-106",
            "Summen af linjebeløb",
            "Sum of line amounts",
            t.line_extension,
            lines,
        )
    raw = t.oioubl_tax_exclusive_element
    if raw is not None and _fmt2(raw) != _fmt2(vat):
        yield _mismatch(
            ctx,
            _id(invoice, "vat"),
            "TaxExclusiveAmount (OIOUBL: momsbeløbet)",
            "BT-110",
            "Summen af momsbeløb (TaxSubtotal/TaxAmount)",
            "Sum of VAT amounts (TaxSubtotal/TaxAmount)",
            raw,
            vat,
        )
    base = dsum((t.line_extension,)) + vat + dsum((t.charges,)) - dsum((t.allowances,))
    if t.tax_inclusive is not None and _fmt2(t.tax_inclusive) != _fmt2(base + dsum((t.rounding,))):
        yield _mismatch(
            ctx,
            _id(invoice, "gross"),
            "TaxInclusiveAmount",
            "BT-112",
            "Linjetotal + moms + gebyrer − rabatter + afrunding",
            "Line total + VAT + charges − allowances + rounding",
            t.tax_inclusive,
            _fmt2(base + dsum((t.rounding,))),
        )
    for is_charge, stated, check, field in (
        (False, t.allowances, "allowances", "BT-107"),
        (True, t.charges, "charges", "BT-108"),
    ):
        if stated is None:
            continue
        total = dsum(ac.amount for ac in invoice.allowances_charges if ac.is_charge is is_charge)
        if _fmt2(stated) != _fmt2(total):
            element = "ChargeTotalAmount" if is_charge else "AllowanceTotalAmount"
            da = (
                "Summen af gebyrer (AllowanceCharge)" if is_charge else "Summen af rabatter (AllowanceCharge)"
            )
            en = "Sum of charges (AllowanceCharge)" if is_charge else "Sum of allowances (AllowanceCharge)"
            yield _mismatch(ctx, _id(invoice, check), element, field, da, en, stated, total)
    due = _fmt2(base - dsum((t.prepaid,)) + dsum((t.rounding,)))
    if _fmt2(dsum((t.payable,))) != due:
        yield _mismatch(
            ctx,
            _id(invoice, "payable"),
            "PayableAmount",
            "BT-115",
            "Linjetotal + moms + gebyrer − rabatter − forudbetalt + afrunding",
            "Line total + VAT + charges − allowances − prepaid + rounding",
            t.payable,
            due,
        )


@OIOUBL.rule("OIO-ROUNDING", official_ids=IDS["rounding"], field="BT-114", defaults={"limit": ROUNDING_LIMIT})
def oioubl_rounding(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The OIOUBL payable rounding amount is outside ±10.00 (F-INV338, F-CRN208)."""
    rounding = invoice.totals.rounding
    limit = Decimal(str(ctx.param("limit", ROUNDING_LIMIT)))
    if rounding is not None and abs(rounding) > limit:
        official = _id(invoice, "rounding")
        yield ctx.finding(
            da=f"Afrundingsbeløbet (PayableRoundingAmount) er {fmt_da(rounding)}, men må højst være "
            f"±{fmt_da(limit)} ({official}).",
            en=f"The payable rounding amount (PayableRoundingAmount) is {fmt_en(rounding)} "
            f"but may be at most ±{fmt_en(limit)} ({official}).",
            found=money(rounding),
            expected=Text(f"mellem -{fmt_da(limit)} og {fmt_da(limit)}", f"between -{limit} and {limit}"),
            official_ids=(official,),
        )


def _line_check(line: Line, credit: bool) -> tuple[str, Decimal] | None:
    """(official id, computed amount) for one line as the official test picks it, or None."""
    if line.free_of_charge or line.net_amount is None or line.price is None or line.quantity is None:
        return None  # free of charge is exempt; an empty value cannot make the official test fire
    units_known = line.unit is not None and line.base_quantity_unit is not None
    if units_known and line.unit != line.base_quantity_unit:
        factor = line.oioubl_orderable_unit_factor_rate
        if credit or factor is None:
            return None  # credit notes have no such check; without the rate the test cannot fire
        return IDS["line_factor"][0], line.price * line.quantity * factor
    if units_known:
        official, base = IDS["line_equal"][1 if credit else 0], line.base_quantity
    elif credit:
        official, base = IDS["line_no_base"][1], line.base_quantity  # no default of 1 for credit notes
    else:
        official, base = IDS["line_no_base"][0], line.base_quantity if line.base_quantity is not None else ONE
    if base is None or base == 0:
        return None
    return official, line.price * line.quantity / base


@OIOUBL.rule(
    "OIO-LINE-AMOUNT",
    official_ids=(*IDS["line_equal"], *IDS["line_no_base"], IDS["line_factor"][0]),
    field="BT-131",
    reason="PRI",
)
def oioubl_line_amount(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An OIOUBL line amount is not price / base quantity × quantity (or price × quantity × orderable
    unit factor) within ±1.00 (F-INV340, F-INV343, F-INV348, F-CRN210, F-CRN216)."""
    for index, line in enumerate(invoice.lines):
        check = _line_check(line, invoice.is_credit_note)
        if check is None or line.net_amount is None:
            continue
        official, computed = check
        if abs(_fmt2(line.net_amount) - computed) > LINE_TOLERANCE:
            label = line.id or f"#{index + 1}"
            how = (
                Text(
                    "pris × antal × OrderableUnitFactorRate giver",
                    "price × quantity × OrderableUnitFactorRate gives",
                )
                if official == IDS["line_factor"][0]
                else Text("pris / basisantal × antal giver", "price / base quantity × quantity gives")
            )
            stated = Text(
                f"Linje {label}: linjebeløbet (LineExtensionAmount) er",
                f"Line {label}: the line amount (LineExtensionAmount) is",
            )
            tail = Text(f" (tolerance ±1,00) ({official})", f" (tolerance ±1.00) ({official})")
            said = versus(stated, line.net_amount, how, _fmt2(computed), tail)
            yield amount_differs(
                ctx, said, line.net_amount, _fmt2(computed), line_id=line.id, official=official
            )


def _rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


def _taxable_from_lines(invoice: Invoice) -> dict[Decimal, Decimal] | None:
    """Line amounts − allowances + charges per VAT rate, or None when some item carries no rate."""
    items = [(ln.vat_rate, ln.net_amount) for ln in invoice.lines if not ln.free_of_charge]
    items += [
        (ac.vat_rate, ac.amount if ac.is_charge else -(ac.amount or ZERO))
        for ac in invoice.allowances_charges
    ]
    if not invoice.lines or any(rate is None for rate, _ in items):
        return None
    per_rate: dict[Decimal, Decimal] = {}
    for rate, amount in items:
        assert rate is not None
        per_rate[rate] = per_rate.get(rate, ZERO) + (amount or ZERO)
    return per_rate


@OIOUBL.rule("OIO-VAT-RATE", field="BT-117", defaults={"slack": VAT_TOLERANCE})
def oioubl_vat_rate(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An OIOUBL 2.x VAT amount is not taxable amount × rate (±1.00), or a rate's taxable amount is not
    the sum of that rate's lines − allowances + charges (±1.00). No official rule checks this."""
    slack = Decimal(str(ctx.param("slack", VAT_TOLERANCE)))
    tolerance = Text(f" (tolerance ±{fmt_da(slack)})", f" (tolerance ±{fmt_en(slack)})")
    for b in invoice.vat_breakdown:
        if b.rate is None or b.taxable_amount is None or b.tax_amount is None:
            continue
        expected = round2(b.taxable_amount * b.rate / 100)
        if abs(b.tax_amount - expected) > slack:
            shown = _rate_text(b.rate)
            vat = Text(
                f"Momsbeløbet (TaxSubtotal/TaxAmount) for sats {shown} % er",
                f"The VAT amount (TaxSubtotal/TaxAmount) for rate {shown} % is",
            )
            rated = Text(
                f"{fmt_da(b.taxable_amount)} × {shown} % giver",
                f"{fmt_en(b.taxable_amount)} × {shown} % gives",
            )
            said = versus(vat, b.tax_amount, rated, expected, tolerance)
            yield amount_differs(ctx, said, b.tax_amount, expected)
    per_rate = _taxable_from_lines(invoice)
    if per_rate is None:
        return
    stated: dict[Decimal, Decimal] = {}
    for b in invoice.vat_breakdown:
        if b.rate is None or b.taxable_amount is None or (b.currency and b.currency != invoice.currency):
            continue  # a breakdown in the tax currency cannot be compared with the lines
        stated[b.rate] = stated.get(b.rate, ZERO) + b.taxable_amount
    for rate, taxable in stated.items():
        expected = per_rate.get(rate, ZERO)
        if abs(taxable - expected) > slack:
            shown = _rate_text(rate)
            base = Text(
                f"Momsgrundlaget (TaxSubtotal/TaxableAmount) for sats {shown} % er",
                f"The taxable amount (TaxSubtotal/TaxableAmount) for rate {shown} % is",
            )
            lines = Text(
                f"linjerne med sats {shown} % − rabatter + gebyrer giver",
                f"the lines at rate {shown} % − allowances + charges give",
            )
            said = versus(base, taxable, lines, expected, tolerance)
            yield amount_differs(ctx, said, taxable, expected, field="BT-116")
