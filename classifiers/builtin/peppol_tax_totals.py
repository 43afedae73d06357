"""Peppol BIS 3's rules on the VAT totals (``cac:TaxTotal``), as OIOUBL 3 takes them over:

* PEPPOL-EN16931-R053: exactly one TaxTotal carries the VAT breakdown;
* R054: a TaxTotal without a breakdown (the VAT total in the accounting currency, BT-111) is given
  exactly when a VAT accounting currency (BT-6) is;
* R055: the VAT total in the invoice currency (BT-110) and the one in the accounting currency
  (BT-111) have the same sign.

Judged on the TaxTotals as written (``Invoice.tax_totals``); a document not read from UBL has none
to judge.

    >>> from decimal import Decimal as D
    >>> from robot.model import TaxTotal
    >>> same_sign([D("-1")], [D("5")]), same_sign([D("0")], [D("5")])
    (False, True)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import PEPPOL, tax_currency_given
from classifiers.texts import Text
from robot.model import Invoice

_ZERO = Decimal(0)


def same_sign(in_tax_currency: Sequence[Decimal], in_invoice_currency: Sequence[Decimal]) -> bool:
    """R055 as XPath compares the amounts: some of each at most 0, or some of each at least 0."""
    return (any(a <= _ZERO for a in in_tax_currency) and any(a <= _ZERO for a in in_invoice_currency)) or (
        any(a >= _ZERO for a in in_tax_currency) and any(a >= _ZERO for a in in_invoice_currency)
    )


@PEPPOL.rule(
    "PEPPOL-VAT-TOTALS",
    official_ids=("PEPPOL-EN16931-R053", "PEPPOL-EN16931-R054", "PEPPOL-EN16931-R055"),
    field="BT-110",
)
def vat_totals(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Not exactly one VAT total with the VAT breakdown (R053); a VAT total without a breakdown where
    no VAT accounting currency is given, or none where one is (R054); the VAT totals in the two
    currencies of opposite signs (R055)."""
    totals = invoice.tax_totals
    if totals is None:
        return
    with_breakdown = sum(1 for t in totals if t.breakdown)
    if with_breakdown != 1:
        yield ctx.finding(
            da=f"Fakturaen har {with_breakdown} momstotaler med momsspecifikation; der skal være præcis én "
            "(PEPPOL-EN16931-R053).",
            en=f"The invoice has {with_breakdown} VAT totals with a VAT breakdown; there must be exactly one "
            "(PEPPOL-EN16931-R053).",
            found=str(with_breakdown),
            expected="1",
            official_ids=("PEPPOL-EN16931-R053",),
        )
    coded = tax_currency_given(invoice)
    without = sum(1 for t in totals if not t.breakdown)
    if without != (1 if coded else 0):
        wanted = (
            Text("én (momsvaluta, BT-6, er angivet)", "one (a VAT accounting currency, BT-6, is given)")
            if coded
            else Text("ingen (ingen momsvaluta, BT-6)", "none (no VAT accounting currency, BT-6)")
        )
        yield ctx.finding(
            da=f"Fakturaen har {without} momstotaler uden momsspecifikation; der skal være {wanted.da} "
            "(PEPPOL-EN16931-R054).",
            en=f"The invoice has {without} VAT totals without a VAT breakdown; there must be {wanted.en} "
            "(PEPPOL-EN16931-R054).",
            found=str(without),
            expected="1" if coded else "0",
            field="BT-111",
            official_ids=("PEPPOL-EN16931-R054",),
        )
    if not coded:
        return
    in_tax = [t.amount for t in totals if t.amount is not None and t.currency == invoice.tax_currency]
    in_invoice = [t.amount for t in totals if t.amount is not None and t.currency == invoice.currency]
    if not same_sign(in_tax, in_invoice):
        yield ctx.finding(
            da="Momstotalen i fakturavalutaen (BT-110) og momstotalen i momsvalutaen (BT-111) har ikke "
            "samme fortegn (PEPPOL-EN16931-R055).",
            en="The VAT total in the invoice currency (BT-110) and the VAT total in the VAT accounting "
            "currency (BT-111) do not have the same sign (PEPPOL-EN16931-R055).",
            expected=Text("samme fortegn", "the same sign"),
            field="BT-111",
            official_ids=("PEPPOL-EN16931-R055",),
        )
