"""Peppol BIS 3's rules on values: dates written as ``YYYY-MM-DD`` (PEPPOL-EN16931-F001), an
allowance's or charge's amount, base and percentage (R040..R042) and its ChargeIndicator written as
``true`` or ``false`` (R043), a line's price after its price discount (R046), the mandate of a
direct debit (R061), and the unit of a base quantity (R130).

OIOUBL 3's artefact takes over all but R046. A document not read from XML (a printed PDF) has no
written form to judge: F001 and R043 are then silent.

    >>> from decimal import Decimal as D
    >>> within_slack(D("10.00"), D("200"), D("5"))
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from classifiers.amounts import ZERO, fmt_da, fmt_en
from classifiers.api import Context, Finding
from classifiers.builtin._en_common import PEPPOL, PEPPOL_UBL, every_allowance_charge, line_label
from classifiers.texts import Text, amount
from robot.model import AllowanceCharge, Invoice

_SLACK = Decimal("0.02")


def within_slack(found: Decimal, base: Decimal, percent: Decimal) -> bool:
    """``u:slack``: the amount is base × percentage / 100 within 0.02 either way."""
    expected = base * percent / 100
    return expected - _SLACK <= found <= expected + _SLACK


def _allowances(invoice: Invoice) -> Iterator[tuple[AllowanceCharge, str, str, str | None]]:
    """Document and line allowances and charges (not a price's), with where they are."""
    for ac, index, line_id in every_allowance_charge(invoice):
        if index is None:
            yield ac, "", "", None
        else:
            label = line_label(line_id, index)
            yield ac, f"Linje {label}: ", f"Line {label}: ", line_id


@PEPPOL.rule(
    "PEPPOL-ALLOWANCE-CHARGE",
    official_ids=("PEPPOL-EN16931-R040", "PEPPOL-EN16931-R041", "PEPPOL-EN16931-R042", "PEPPOL-EN16931-R043"),
    field="BT-92",
)
def allowance_charge(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An allowance's or charge's amount is not its base × percentage (R040), a percentage comes
    without a base or a base without a percentage (R041, R042), or its ChargeIndicator is not
    written as true or false (R043)."""
    for ac, at_da, at_en, line_id in _allowances(invoice):
        kind = Text("tillægget", "the charge") if ac.is_charge else Text("fradraget", "the allowance")
        base, percent = ac.base_amount, ac.percent
        if base is not None and percent is not None:
            found = ac.amount if ac.amount is not None else ZERO
            if not within_slack(found, base, percent):
                expected = base * percent / 100
                yield ctx.finding(
                    da=f"{at_da}Beløbet for {kind.da} er {fmt_da(found)}, men grundlag × procent giver "
                    f"{fmt_da(expected)} (PEPPOL-EN16931-R040).",
                    en=f"{at_en}The amount of {kind.en} is {fmt_en(found)}, but base × percentage gives "
                    f"{fmt_en(expected)} (PEPPOL-EN16931-R040).",
                    found=amount(found),
                    expected=amount(expected),
                    line_id=line_id,
                    official_ids=("PEPPOL-EN16931-R040",),
                )
            shadowed = False
        elif percent is not None or base is not None:
            shadowed = True  # R041/R042's context comes first: R040 and R043 do not run on it
            official, missing = (
                ("PEPPOL-EN16931-R041", Text("grundlaget", "the base amount"))
                if base is None
                else ("PEPPOL-EN16931-R042", Text("procentsatsen", "the percentage"))
            )
            yield ctx.finding(
                da=f"{at_da}For {kind.da} mangler {missing.da} ({official}).",
                en=f"{at_en}For {kind.en}, {missing.en} is missing ({official}).",
                expected=missing,
                line_id=line_id,
                official_ids=(official,),
            )
        else:
            shadowed = False
        if not shadowed and ac.present is not None and "is_charge:text" not in ac.present:
            yield ctx.finding(
                da=f"{at_da}ChargeIndicator for {kind.da} skal være true eller false (PEPPOL-EN16931-R043).",
                en=f"{at_en}The ChargeIndicator of {kind.en} must be true or false (PEPPOL-EN16931-R043).",
                expected="true | false",
                line_id=line_id,
                official_ids=("PEPPOL-EN16931-R043",),
            )


@PEPPOL_UBL.rule("PEPPOL-PRICE-DISCOUNT", official_ids=("PEPPOL-EN16931-R046",), field="BT-146", reason="PRI")
def price_discount(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A line's net price (BT-146) is not its gross price (BT-148) less its price discount (BT-147)
    (R046)."""
    for index, line in enumerate(invoice.lines):
        gross = line.gross_price
        if gross is None:
            continue
        discount, price = line.price_discount, line.price
        if price is not None and discount is not None and price == gross - discount:
            continue
        label = line_label(line.id, index)
        expected = None if discount is None else gross - discount
        yield ctx.finding(
            da=f"Linje {label}: nettoprisen (BT-146) er ikke bruttoprisen (BT-148) minus prisrabatten "
            "(BT-147) (PEPPOL-EN16931-R046).",
            en=f"Line {label}: the net price (BT-146) is not the gross price (BT-148) less the price "
            "discount (BT-147) (PEPPOL-EN16931-R046).",
            found=None if price is None else amount(price),
            expected=None if expected is None else amount(expected),
            line_id=line.id,
        )


@PEPPOL.rule(
    "PEPPOL-WRITTEN-VALUES",
    official_ids=("PEPPOL-EN16931-F001", "PEPPOL-EN16931-R061", "PEPPOL-EN16931-R130"),
    field="BT-2",
)
def written_values(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A date not written as YYYY-MM-DD (F001), a direct debit (49, 59) without its mandate reference
    (BT-89, R061), or a base quantity in another unit than the line's quantity (R130)."""
    if "F001-date" in (invoice.present or ()):
        yield ctx.finding(
            da="En dato er ikke skrevet som ÅÅÅÅ-MM-DD (ti tegn, en gyldig dato) (PEPPOL-EN16931-F001).",
            en="A date is not written as YYYY-MM-DD (ten characters, a valid date) (PEPPOL-EN16931-F001).",
            expected="YYYY-MM-DD",
            official_ids=("PEPPOL-EN16931-F001",),
        )
    for means in invoice.payment_means:
        if (
            (means.code or "").strip() in ("49", "59")
            and means.mandate is None
            and "mandate" not in (means.present or ())
        ):
            yield ctx.finding(
                da="Direkte debitering (betalingsmiddel 49/59) uden mandatreference (BT-89) "
                "(PEPPOL-EN16931-R061).",
                en="A direct debit (payment means 49/59) has no mandate reference (BT-89) "
                "(PEPPOL-EN16931-R061).",
                expected=Text("mandatreference (BT-89)", "a mandate reference (BT-89)"),
                field="BT-89",
                official_ids=("PEPPOL-EN16931-R061",),
            )
    for index, line in enumerate(invoice.lines):
        base_unit = line.base_quantity_unit
        if base_unit is not None and line.quantity is not None and base_unit != line.unit:
            label = line_label(line.id, index)
            yield ctx.finding(
                da=f"Linje {label}: basisantallets enhed (BT-150) er ikke antallets (BT-130) "
                "(PEPPOL-EN16931-R130).",
                en=f"Line {label}: the base quantity's unit (BT-150) is not the quantity's (BT-130) "
                "(PEPPOL-EN16931-R130).",
                found=base_unit[:20],
                expected=(line.unit or "")[:20] or None,
                field="BT-150",
                line_id=line.id,
                official_ids=("PEPPOL-EN16931-R130",),
            )


@PEPPOL_UBL.rule("PEPPOL-PRICE-CHARGE", official_ids=("PEPPOL-EN16931-R044",), field="BT-147", reason="PRI")
def price_charge(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A line's price carries a charge: a price may carry only its discount, an allowance whose
    ChargeIndicator is ``false`` (R044)."""
    for index, line in enumerate(invoice.lines):
        if any(" ".join(written.split()) != "false" for written in line.price_indicators):
            label = line_label(line.id, index)
            yield ctx.finding(
                da=f"Linje {label}: prisen har et tillæg; en pris må kun have en rabat (ChargeIndicator "
                "false) (PEPPOL-EN16931-R044).",
                en=f"Line {label}: the price carries a charge; a price may only carry a discount "
                "(ChargeIndicator false) (PEPPOL-EN16931-R044).",
                expected="false",
                line_id=line.id,
            )


@PEPPOL.rule("PEPPOL-AMOUNT-CURRENCY", official_ids=("PEPPOL-EN16931-R051",), field="BT-5", reason="FIN")
def amount_currency(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An amount's currencyID is not the invoice currency (BT-5); only the VAT total in the VAT
    accounting currency (BT-111) may differ (R051)."""
    written = invoice.amount_currencies
    if written is None:
        return
    others = sorted(
        {c or "" for kind, c in written if kind != "other" and (c is None or c != invoice.currency)}
    )
    if others:
        shown = ", ".join(repr(c[:10]) for c in others[:3])
        yield ctx.finding(
            da=f"Beløb er angivet i en anden valuta ({shown}) end fakturaens ({invoice.currency!r}, BT-5); "
            "kun momstotalen i momsvalutaen (BT-111) må afvige (PEPPOL-EN16931-R051).",
            en=f"Amounts are given in another currency ({shown}) than the invoice's ({invoice.currency!r}, "
            "BT-5); only the VAT total in the VAT accounting currency (BT-111) may differ "
            "(PEPPOL-EN16931-R051).",
            found=others[0][:10],
            expected=invoice.currency,
        )
