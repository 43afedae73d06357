"""EN 16931 conditions between fields: a seller identifier (BR-CO-26), the VAT total in the VAT
accounting currency (BR-53) and the VAT point date or its code (BR-CO-03), as
``EN16931-*-model.sch`` test them.

* BR-CO-26: the seller has an identifier (BT-29, not of scheme SEPA in UBL), a legal registration
  identifier (BT-30) or a VAT identifier (BT-31), so the buyer can identify the supplier;
* BR-53: a VAT accounting currency (BT-6) comes with the VAT total in that currency (BT-111); in
  CII that currency must also differ from the invoice currency;
* BR-CO-03: the VAT point date (BT-7) and the VAT point date code (BT-8) are not both given.

A document read from XML says which elements it had (``Invoice.present``); one read from a printed
PDF goes by the values read.

    >>> from robot.model import DocumentType, Invoice
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, tax_currency="DKK")
    >>> [f.official_ids for f in Classifier(only=["EN-TAX-CURRENCY-TOTAL"]).classify(inv, Context()).findings]
    [('BR-53',)]
"""

from __future__ import annotations

from collections.abc import Iterator

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import EN16931, tax_currency_given
from classifiers.texts import Text
from robot.model import Invoice, SourceFormat


def _from_xml(invoice: Invoice) -> bool:
    return invoice.present is not None


@EN16931.rule("EN-SELLER-IDENTIFIED", official_ids=("BR-CO-26",), field="BT-29", reason="REF")
def seller_identified(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The seller has no identifier (BT-29), legal registration identifier (BT-30) nor VAT
    identifier (BT-31) by which the buyer can identify it (BR-CO-26)."""
    seller = invoice.seller
    xml = _from_xml(invoice)
    present = invoice.present or frozenset()
    if xml and "BG-4" not in present:
        return  # the rule's context is the seller party
    if xml:
        identified = bool({"BT-29", "BT-30", "BT-31"} & present)
    else:
        ids = [i for i in seller.party_ids if (i.scheme or "") != "SEPA"]
        identified = bool(ids) or seller.legal_id is not None or bool(seller.vat_id)
    if identified:
        return
    yield ctx.finding(
        da="Sælger har hverken et id (BT-29), et juridisk registreringsnummer (BT-30) eller et momsnummer "
        "(BT-31), så køberen kan ikke identificere leverandøren (BR-CO-26).",
        en="The seller has no identifier (BT-29), legal registration identifier (BT-30) or VAT identifier "
        "(BT-31), so the buyer cannot identify the supplier (BR-CO-26).",
        expected=Text(
            "sælgers id, CVR-nummer eller momsnummer", "a seller identifier, legal or VAT identifier"
        ),
    )


@EN16931.rule("EN-TAX-CURRENCY-TOTAL", official_ids=("BR-53",), field="BT-111")
def tax_currency_total(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A VAT accounting currency (BT-6) is given without the VAT total in that currency (BT-111)
    (BR-53)."""
    xml = _from_xml(invoice)
    present = invoice.present or frozenset()
    code = invoice.tax_currency
    if not tax_currency_given(invoice):
        return  # (an empty TaxCurrencyCode element is officially a currency that has no total)
    code = code or ""
    given = "BT-111" in present if xml else invoice.totals.tax_accounting is not None
    if invoice.format == SourceFormat.CII:
        if "BG-22" not in present:
            return  # the rule's context is the monetary summation
        given = given and code != invoice.currency
    if given:
        return
    yield ctx.finding(
        da=f"Momsvalutaen (BT-6) er {code!r}, men momstotalen i den valuta (BT-111) mangler (BR-53).",
        en=f"The VAT accounting currency (BT-6) is {code!r}, but the VAT total in that currency (BT-111) "
        "is missing (BR-53).",
        found=code,
        expected=Text(f"momstotal i {code}", f"a VAT total in {code}"),
    )


def _date_code(invoice: Invoice) -> str | None:
    """BT-8 as written: UBL the invoicing period's DescriptionCode, CII a VAT breakdown's DueDateTypeCode."""
    if invoice.format == SourceFormat.CII:
        return next((b.date_code for b in invoice.vat_breakdown if b.date_code is not None), None)
    period = invoice.period
    if period is None:
        return None
    return period.description_code or ("" if "description_code" in period.written else None)


@EN16931.rule("EN-TAX-POINT-EXCLUSIVE", official_ids=("BR-CO-03",), field="BT-8")
def tax_point_exclusive(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """Both the VAT point date (BT-7) and the VAT point date code (BT-8) are given; they are mutually
    exclusive (BR-CO-03)."""
    code = _date_code(invoice)
    if invoice.tax_point_date is None or code is None:
        return
    if invoice.format == SourceFormat.CII and not invoice.vat_breakdown:
        return  # the rule's context is a VAT breakdown
    yield ctx.finding(
        da=f"Både momsdatoen (BT-7, {invoice.tax_point_date}) og koden for momsdato (BT-8, {code[:10]!r}) er "
        "angivet; kun én af dem må angives (BR-CO-03).",
        en=f"Both the VAT point date (BT-7, {invoice.tax_point_date}) and the VAT point date code (BT-8, "
        f"{code[:10]!r}) are given; only one of them may be (BR-CO-03).",
        expected=Text("enten BT-7 eller BT-8", "either BT-7 or BT-8"),
    )
