"""OIOUBL 2.x arithmetic, mirrored from the official OIOUBL 2.1 Schematron (F-INV*, F-CRN*).

OIOUBL's ``LegalMonetaryTotal/TaxExclusiveAmount`` is the **VAT amount** (F-INV127), kept by the
reader in ``totals.oioubl_tax_exclusive_element``. Totals are compared after ``format-number(x,
'##.00')`` (2 decimals); line amounts within ±1.00; the payable rounding within ±10.00. These rules
judge only ``oioubl-2`` documents; the EN 16931 rules judge the others, so nothing is reported twice::

    da: Summen af linjebeløb er 1.000,00, men LineExtensionAmount er 1.100,00 (F-INV126)
    en: Sum of line amounts is 1000.00 but LineExtensionAmount is 1100.00 (F-INV126)

Known approximation: the model keeps neither ``FreeOfChargeIndicator`` nor the unit code of
``Price/BaseQuantity``; every line counts, and a line with a base quantity is treated as having the
same unit as its quantity (F-INV340/F-CRN210; without one: F-INV348, none for credit notes).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal

from classifiers.amounts import CENT, ONE, ZERO, dsum, fmt_da, fmt_en
from classifiers.api import Context, Finding, rule
from robot.model import Invoice

ROUNDING_LIMIT = Decimal("10.00")
LINE_TOLERANCE = Decimal("1.00")
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
    "line_no_base": ("F-INV348", ""),
}


def _applies(invoice: Invoice) -> bool:
    return invoice.format == "oioubl-2"


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
    return ctx.finding(
        da=f"{da_what} giver {fmt_da(computed)}, men {element} er {fmt_da(stated)} ({official}).",
        en=f"{en_what} gives {fmt_en(computed)} but {element} is {fmt_en(stated)} ({official}).",
        found=fmt_en(stated),
        expected=fmt_en(computed),
        field=field,
        official_ids=(official,),
    )


@rule(
    "OIO-TOTALS",
    official_ids=tuple(
        IDS[k][i] for k in ("line_sum", "vat", "gross", "allowances", "charges", "payable") for i in (0, 1)
    ),
    reason="LEG",
    action="NIN",
    description="An OIOUBL 2.x monetary total is calculated incorrectly (F-INV126..F-INV133, F-CRN072..079).",
)
def oioubl_totals(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    if not _applies(invoice):
        return
    t = invoice.totals
    vat = _vat(invoice)
    lines = dsum(ln.net_amount for ln in invoice.lines)
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


@rule(
    "OIO-ROUNDING",
    official_ids=IDS["rounding"],
    field="BT-114",
    reason="LEG",
    action="NIN",
    defaults={"limit": ROUNDING_LIMIT},
    description="The OIOUBL payable rounding amount is outside ±10.00 (F-INV338, F-CRN208).",
)
def oioubl_rounding(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    rounding = invoice.totals.rounding
    limit = Decimal(str(ctx.param("limit", ROUNDING_LIMIT)))
    if _applies(invoice) and rounding is not None and abs(rounding) > limit:
        official = _id(invoice, "rounding")
        yield ctx.finding(
            da=f"Afrundingsbeløbet (PayableRoundingAmount) er {fmt_da(rounding)}, men må højst være "
            f"±{fmt_da(limit)} ({official}).",
            en=f"The payable rounding amount (PayableRoundingAmount) is {fmt_en(rounding)} "
            f"but may be at most ±{fmt_en(limit)} ({official}).",
            found=fmt_en(rounding),
            expected=f"between -{limit} and {limit}",
            official_ids=(official,),
        )


@rule(
    "OIO-LINE-AMOUNT",
    official_ids=(*IDS["line_equal"], IDS["line_no_base"][0]),
    field="BT-131",
    reason="PRI",
    action="NIN",
    description="An OIOUBL line amount is not price / base quantity × quantity within ±1.00 "
    "(F-INV340, F-INV348, F-CRN210).",
)
def oioubl_line_amount(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    if not _applies(invoice):
        return
    for index, line in enumerate(invoice.lines):
        if line.net_amount is None or line.price is None or line.quantity is None:
            continue  # the official test compares with an empty value: it cannot fire
        if line.base_quantity is not None:
            official, base = _id(invoice, "line_equal"), line.base_quantity
        elif not invoice.is_credit_note:
            official, base = IDS["line_no_base"][0], ONE
        else:
            continue  # F-CRN216 needs a base quantity
        if base == 0:
            continue
        computed = line.price * line.quantity / base
        if abs(_fmt2(line.net_amount) - computed) > LINE_TOLERANCE:
            label = line.id or f"#{index + 1}"
            yield ctx.finding(
                da=f"Linje {label}: linjebeløbet (LineExtensionAmount) er {fmt_da(line.net_amount)}, men "
                f"pris / basisantal × antal giver {fmt_da(_fmt2(computed))} (tolerance ±1,00) ({official}).",
                en=f"Line {label}: the line amount (LineExtensionAmount) is {fmt_en(line.net_amount)} but "
                f"price / base quantity × quantity gives {fmt_en(_fmt2(computed))} "
                f"(tolerance ±1.00) ({official}).",
                found=fmt_en(line.net_amount),
                expected=fmt_en(_fmt2(computed)),
                line_id=line.id,
                official_ids=(official,),
            )
