"""EN 16931 on an invoice read from a printed PDF: the rules that relate printed amounts to each other.

No official artefact runs on a print, so the native rules are its only EN 16931 check. Most of the
standard's rules cannot apply to one: a print has no specification identifier (BR-01), type code
(BR-04) or electronic addresses, and a template reads what the supplier printed, not every business
term. What a print does carry, and must get right, are its amounts. So the rules that relate them
run on it, each only where the print carried every amount it relates (a value a print did not show
is no breach):

* BR-CO-13: total without VAT = line total − allowances + charges;
* BR-CO-14: VAT total = the sum of the VAT breakdown's amounts;
* BR-CO-16: amount due = total with VAT − paid + rounding;
* BR-CO-17: each breakdown's VAT = its taxable amount × its rate;
* BR-DEC-*: at most 2 decimals on the amounts the standard names.

BR-CO-10 (the lines add up to the line total) and BR-CO-15 (net + VAT = total) are ``PDF-TOTALS``'s,
which says it in the words of a misread. A finding holds the invoice (``PDF-EN16931``): on a print
a misread is likelier than a supplier's error, so the creditor team compares with the PDF first,
whether or not the customer lets template-read invoices through (``PDF-TEXT`` off)::

    >>> from decimal import Decimal as D
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> from robot.model import DocumentType, Invoice, VatBreakdown
    >>> inv = Invoice(format="pdf-text", document_type=DocumentType.INVOICE, template="t",
    ...               vat_breakdown=[VatBreakdown("S", D("25"), D("100.00"), D("30.00"))])
    >>> [f.code for f in Classifier(only=["PDF-EN16931"]).classify(inv, Context()).findings]
    ['PDF-EN16931']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from classifiers.api import Context, Finding
from classifiers.builtin import en16931_lines, en16931_totals, en16931_vat
from classifiers.builtin.intake import INTAKE, PRINTED
from robot.model import Invoice

RuleFunc = Callable[[Invoice, Context], Iterator[Finding]]


def _breakdown_taxed(invoice: Invoice) -> bool:
    return bool(invoice.vat_breakdown) and all(b.tax_amount is not None for b in invoice.vat_breakdown)


def _breakdown_complete(invoice: Invoice) -> bool:
    return _breakdown_taxed(invoice) and all(
        b.taxable_amount is not None and b.rate is not None for b in invoice.vat_breakdown
    )


def _unwrapped(rule: Callable[..., object]) -> RuleFunc:
    """The EN 16931 rule itself, without its family's judgement (which is for the XML syntaxes)."""
    inner: RuleFunc = getattr(rule, "__wrapped__")  # noqa: B009 (a decorated rule always has it)
    return inner


#: each EN 16931 rule that relates amounts, its official id (its findings name it when they run
#: under its own rule), and when a print carried every amount it relates
CHECKS: tuple[tuple[RuleFunc, tuple[str, ...], Callable[[Invoice], bool]], ...] = (
    (
        _unwrapped(en16931_totals.net_total),
        ("BR-CO-13",),
        lambda i: i.totals.line_extension is not None and i.totals.tax_exclusive is not None,
    ),
    (
        _unwrapped(en16931_totals.vat_total),
        ("BR-CO-14",),
        lambda i: i.totals.tax is not None and _breakdown_taxed(i),
    ),
    (
        _unwrapped(en16931_totals.payable),
        ("BR-CO-16",),
        lambda i: i.totals.payable is not None and i.totals.tax_inclusive is not None,
    ),
    (_unwrapped(en16931_vat.vat_rate_amount), ("BR-CO-17",), _breakdown_complete),
    (_unwrapped(en16931_lines.amount_decimals), (), lambda i: True),  # (each finding names its BR-DEC)
)

_CHECK_DA = "Beløbene er læst fra en trykt PDF: kontrollér dem mod PDF'en."
_CHECK_EN = "The amounts were read from a printed PDF: check them against the PDF."


@INTAKE.rule("PDF-EN16931", reason="LEG", field="BT-109")
def printed_amounts(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """On an invoice read from a printed PDF, EN 16931's rules relating the amounts (BR-CO-13, -14,
    -16, -17, BR-DEC) where the print carried every amount they relate; a breach is held."""
    if invoice.format not in PRINTED:
        return
    for check, official_ids, carried in CHECKS:
        if not carried(invoice):
            continue
        for found in check(invoice, ctx):
            yield dataclasses.replace(
                found,
                official_ids=found.official_ids or official_ids,
                message_da=f"{found.message_da} {_CHECK_DA}",
                message_en=f"{found.message_en} {_CHECK_EN}",
            )
