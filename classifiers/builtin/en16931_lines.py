"""Line arithmetic (PEPPOL-EN16931-R120/R121) and the decimals rules (BR-DEC-*) for EN 16931 documents.

R120, as in ``PEPPOL-EN16931-UBL.sch`` (Peppol BIS 3 and OIOUBL 3 documents only: plain EN 16931
documents are not bound by it; CII stays out too: 8 of CEN's own valid CII examples, e.g.
``CII_example2.xml`` with BasisQuantity equal to the price, would be rejected): line net (BT-131) =
quantity (BT-129) × net price (BT-146) / base quantity (BT-149) + line charges − line allowances,
within ±0.02. Missing values default as officially (net 0, quantity 1, price 0, base quantity 1 when
absent or 0). Example::

    da: Linje 1: linjebeløbet (BT-131) er 110,00, men antal 10 × pris 10 / basisantal 1 giver 100,00
    en: Line 1: the line net amount (BT-131) is 110.00 but quantity 10 × price 10 / base quantity 1
        gives 100.00

BR-DEC: the amounts the standard names may carry at most 2 decimals. BT-110 and BT-111 (BR-DEC-13/15)
are judged in CII only: the official UBL test for them can never fail, so mirroring it means not
judging there.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from classifiers.amounts import ONE, ZERO, decimals, dsum, fmt_da, within, xpath_round2
from classifiers.api import Context, Finding
from classifiers.builtin._arithmetic import amount_differs, versus
from classifiers.builtin._en_common import EN16931, PEPPOL, line_label, tax_currency_given
from classifiers.texts import Text, number_da
from robot.model import AllowanceCharge, Invoice, Line

SLACK = Decimal("0.02")


def expected_line_amount(line: Line) -> Decimal:
    """quantity × price / base quantity + charges − allowances, with the official defaults."""
    quantity = line.quantity if line.quantity is not None else ONE
    price = line.price if line.price is not None else ZERO
    base = line.base_quantity if line.base_quantity else ONE
    charges = [ac.amount for ac in line.allowances_charges if ac.is_charge]
    allowances = [ac.amount for ac in line.allowances_charges if not ac.is_charge]
    charge_total = xpath_round2(dsum(charges)) if charges else ZERO
    allowance_total = xpath_round2(dsum(allowances)) if allowances else ZERO
    return quantity * (price / base) + charge_total - allowance_total


@PEPPOL.rule(
    "EN-LINE-AMOUNT",
    official_ids=("PEPPOL-EN16931-R120", "PEPPOL-EN16931-R121"),
    reason="PRI",
    field="BT-131",
    defaults={"slack": SLACK},
)
def line_amount(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A line net amount (BT-131) is not quantity × price / base quantity + charges − allowances
    (±0.02), or a price base quantity (BT-149) is not positive."""
    slack = Decimal(str(ctx.param("slack", SLACK)))
    for index, line in enumerate(invoice.lines):
        label = line_label(line.id, index)
        stated = line.net_amount if line.net_amount is not None else ZERO
        expected = expected_line_amount(line)
        if not within(stated, expected, slack):
            base = line.base_quantity if line.base_quantity else ONE
            qty = line.quantity if line.quantity is not None else ONE
            price = line.price if line.price is not None else ZERO
            net = Text(
                f"Linje {label}: linjebeløbet (BT-131) er", f"Line {label}: the line net amount (BT-131) is"
            )
            q, p, b = f"{qty.normalize():f}", f"{price.normalize():f}", f"{base.normalize():f}"
            formula = Text(
                f"antal {q} × pris {p} / basisantal {b} + gebyrer − rabatter giver",
                f"quantity {q} × price {p} / base quantity {b} + charges − allowances gives",
            )
            computed = xpath_round2(expected)
            said = versus(net, line.net_amount, formula, computed, f" (tolerance ±{slack})")
            yield amount_differs(
                ctx, said, line.net_amount, computed, line_id=line.id, official="PEPPOL-EN16931-R120"
            )
        if line.base_quantity is not None and line.base_quantity <= 0:
            yield ctx.finding(
                da=f"Linje {label}: basisantal for prisen (BT-149) er {number_da(line.base_quantity)}, "
                "men skal være større end nul.",
                en=f"Line {label}: the item price base quantity (BT-149) is {line.base_quantity:f} "
                "but must be above zero.",
                found=line.base_quantity,
                expected=Text("over 0", "above 0"),
                field="BT-149",
                line_id=line.id,
                reason="QTY",
                official_ids=("PEPPOL-EN16931-R121",),
            )


def _ac_amounts(
    items: list[AllowanceCharge], ids: tuple[str, str, str, str], bts: tuple[str, ...]
) -> Iterator[tuple[str, str, Decimal | None]]:
    """(official id, BT, value) for the amount and base amount of allowances, then charges."""
    for ac in items:
        offset = 2 if ac.is_charge else 0
        yield ids[offset], bts[offset], ac.amount
        yield ids[offset + 1], bts[offset + 1], ac.base_amount


def _amounts(invoice: Invoice) -> Iterator[tuple[str, str, Decimal | None, str | None]]:
    """(official id, BT, value, line id) for every amount a BR-DEC rule names."""
    t = invoice.totals
    for official, bt, value in (
        ("BR-DEC-09", "BT-106", t.line_extension),
        ("BR-DEC-10", "BT-107", t.allowances),
        ("BR-DEC-11", "BT-108", t.charges),
        ("BR-DEC-12", "BT-109", t.tax_exclusive),
        ("BR-DEC-14", "BT-112", t.tax_inclusive),
        ("BR-DEC-16", "BT-113", t.prepaid),
        ("BR-DEC-17", "BT-114", t.rounding),
        ("BR-DEC-18", "BT-115", t.payable),
    ):
        yield official, bt, value, None
    doc_ids = ("BR-DEC-01", "BR-DEC-02", "BR-DEC-05", "BR-DEC-06")
    for official, bt, value in _ac_amounts(
        invoice.allowances_charges, doc_ids, ("BT-92", "BT-93", "BT-99", "BT-100")
    ):
        yield official, bt, value, None
    for b in invoice.vat_breakdown:
        yield "BR-DEC-19", "BT-116", b.taxable_amount, None
        yield "BR-DEC-20", "BT-117", b.tax_amount, None
    line_ids = ("BR-DEC-24", "BR-DEC-25", "BR-DEC-27", "BR-DEC-28")
    line_bts = ("BT-136", "BT-137", "BT-141", "BT-142")
    for line in invoice.lines:
        yield "BR-DEC-23", "BT-131", line.net_amount, line.id
        for official, bt, value in _ac_amounts(line.allowances_charges, line_ids, line_bts):
            yield official, bt, value, line.id


@EN16931.rule(
    "EN-DECIMALS",
    official_ids=(
        "BR-DEC-01",
        "BR-DEC-02",
        "BR-DEC-05",
        "BR-DEC-06",
        "BR-DEC-09",
        "BR-DEC-10",
        "BR-DEC-11",
        "BR-DEC-12",
        "BR-DEC-13",
        "BR-DEC-14",
        "BR-DEC-15",
        "BR-DEC-16",
        "BR-DEC-17",
        "BR-DEC-18",
        "BR-DEC-19",
        "BR-DEC-20",
        "BR-DEC-23",
        "BR-DEC-24",
        "BR-DEC-25",
        "BR-DEC-27",
        "BR-DEC-28",
    ),
)
def amount_decimals(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An amount the standard names carries more than 2 decimals (BR-DEC-*)."""
    yield from _vat_total_decimals(invoice, ctx)
    for official, bt, value, line_id in _amounts(invoice):
        if value is not None and decimals(value) > 2:
            where_da = f"Linje {line_id}: " if line_id else ""
            where_en = f"Line {line_id}: " if line_id else ""
            yield ctx.finding(
                da=f"{where_da}Beløbet {bt} er {fmt_da(value)} med {decimals(value)} decimaler; "
                f"højst 2 er tilladt ({official}).",
                en=f"{where_en}Amount {bt} is {value:f} with {decimals(value)} decimals; "
                f"at most 2 are allowed ({official}).",
                found=value,
                expected=Text("højst 2 decimaler", "at most 2 decimals"),
                field=bt,
                line_id=line_id,
                official_ids=(official,),
            )


def _cents(value: Decimal | None) -> bool:
    """``. = round(. * 100) div 100``: at most 2 decimals that count (``25.000`` is ``25``)."""
    return value is not None and decimals(value.normalize()) <= 2


def _vat_total_decimals(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """CII: no VAT total (BT-110) in the invoice currency with at most 2 decimals (BR-DEC-13), or none
    in the VAT accounting currency (BT-111) when one is given (BR-DEC-15), as the CII artefact tests
    it: one good total is enough. (UBL's asserts compare a currencyID with a code of the amount's
    own children, which never match: they cannot fail, and are not judged.)"""
    amounts = invoice.cii_tax_amounts
    if not amounts:
        return
    tax_code = tax_currency_given(invoice)
    checks = (
        ("BR-DEC-13", "BT-110", invoice.currency, True),
        ("BR-DEC-15", "BT-111", invoice.tax_currency, tax_code),
    )
    for official, bt, currency, judged in checks:
        good = any(c == currency and _cents(v) for c, v in amounts) or (
            official == "BR-DEC-13" and any(c != currency for c, _ in amounts)
        )
        if judged and not good:
            yield ctx.finding(
                da=f"Momstotalen {bt} har mere end 2 decimaler ({official}).",
                en=f"The VAT total {bt} has more than 2 decimals ({official}).",
                expected=Text("højst 2 decimaler", "at most 2 decimals"),
                field=bt,
                official_ids=(official,),
            )
