"""Where the model keeps each coded value a BR-CL assert judges (:mod:`classifiers.builtin.en16931_codes`).

Each collector yields the coded values of one assert as :class:`Coded`: the value, its BT id and
name in Danish and English, the line it is on, and which of the assert's lists it may be in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from classifiers.builtin._en_common import every_allowance_charge
from robot.model import Identifier, Invoice, Party, SourceFormat


class Coded(NamedTuple):
    """A coded value found: where (BT id, Danish and English name), and which of the assert's lists
    it may be in (their positions in the official test). A tuple: one is made for every coded value
    of every invoice, and a frozen dataclass costs several times as much to make."""

    value: str
    field: str
    da: str
    en: str
    lists: tuple[int, ...] = (0,)
    line: int | None = None  # the line's index, for a line's value
    line_id: str | None = None


# party name (Danish, English), and which BT ids its party identifier, legal id scheme,
# electronic address scheme and country code are; the seller and the payee may use SEPA as
# party identifier scheme
_PARTIES: tuple[tuple[str, str, Callable[[Invoice], Party | None], tuple[str, str, str, str], bool], ...] = (
    ("Sælgers", "seller", lambda i: i.seller, ("BT-29-1", "BT-30-1", "BT-34-1", "BT-40"), True),
    ("Købers", "buyer", lambda i: i.buyer, ("BT-46-1", "BT-47-1", "BT-49-1", "BT-55"), False),
    ("Betalingsmodtagers", "payee", lambda i: i.payee, ("BT-60-1", "BT-61-1", "BG-10", "BG-10"), True),
)


def schemes(which: int) -> Callable[[Invoice, bool], Iterator[Coded]]:
    """The scheme ids of the parties' identifiers: 0 party ids (UBL only), 1 legal id, 2 endpoint."""
    what = (
        ("identifikators schemeID", "identifier scheme"),
        ("juridiske id's schemeID", "legal registration identifier scheme"),
        ("elektroniske adresses schemeID", "electronic address scheme"),
    )[which]

    def values(invoice: Invoice, cii: bool) -> Iterator[Coded]:
        for da, en, get, fields, sepa in _PARTIES:
            party = get(invoice)
            if party is None or (cii and which == 0):
                continue  # CII reads ram:ID and ram:GlobalID alike; only GlobalID is BR-CL-10
            idents: list[Identifier | None] = [
                *(party.party_ids if which == 0 else ()),
                *((party.legal_id,) if which == 1 else ()),
                *((party.endpoint,) if which == 2 else ()),
            ]
            allowed = (0, 1) if which == 0 and sepa else (0,)
            for ident in idents:
                if ident is not None and ident.scheme is not None:
                    name_da, name_en = f"{da} {what[0]}", f"{en} {what[1]}"
                    yield Coded(ident.scheme, fields[which], name_da, name_en.capitalize(), allowed)

    return values


def header(
    get: Callable[[Invoice], str | None], field: str, da: str, en: str
) -> Callable[[Invoice, bool], Iterator[Coded]]:
    def values(invoice: Invoice, cii: bool) -> Iterator[Coded]:
        value = get(invoice)
        if value is not None:
            credit = invoice.is_credit_note and not cii and field == "BT-3"
            yield Coded(value, field, da, en, (1,) if credit else (0,))

    return values


def countries(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    for da, en, get, fields, _ in _PARTIES:
        party = get(invoice)
        address = None if party is None else party.address
        if address is not None and address.country is not None:
            yield Coded(address.country, fields[3], f"{da} landekode", f"{en.capitalize()} country code")


def payment_means(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    for means in invoice.payment_means:
        if means.code is not None:
            yield Coded(means.code, "BT-81", "Betalingsmiddelkode", "Payment means type code")


def _ac_categories(invoice: Invoice) -> Iterator[Coded]:
    for ac, index, line_id in every_allowance_charge(invoice):
        if ac.vat_category is not None:
            doc_field, line_group = ("BT-102", "BG-28") if ac.is_charge else ("BT-95", "BG-27")
            field = doc_field if index is None else line_group
            kind_da, kind_en = ("tillæggets", "charge") if ac.is_charge else ("fradragets", "allowance")
            da, en = f"Momskategori for {kind_da}", f"VAT category code of the {kind_en}"
            yield Coded(ac.vat_category, field, da, en, line=index, line_id=line_id)


def _breakdown_categories(invoice: Invoice) -> Iterator[Coded]:
    for b in invoice.vat_breakdown:
        if b.category is not None:
            yield Coded(b.category, "BT-118", "Momsspecifikationens kategori", "VAT category code")


def _line_categories(invoice: Invoice) -> Iterator[Coded]:
    for index, line in enumerate(invoice.lines):
        if line.vat_category is not None:
            da, en = "Varens momskategori", "Invoiced item VAT category code"
            yield Coded(line.vat_category, "BT-151", da, en, line=index, line_id=line.id)


def tax_category(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    """BR-CL-17: UBL ``cac:TaxCategory`` (breakdown, allowances/charges); CII ``ram:CategoryTradeTax``."""
    if not cii:
        yield from _breakdown_categories(invoice)
    yield from _ac_categories(invoice)


def trade_tax(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    """BR-CL-18: UBL ``cac:ClassifiedTaxCategory`` (lines); CII ``ram:ApplicableTradeTax`` (and breakdown)."""
    if cii:
        yield from _breakdown_categories(invoice)
    yield from _line_categories(invoice)


def reasons(charge: bool, indicated: bool = False) -> Callable[[Invoice, bool], Iterator[Coded]]:
    """BR-CL-19 (allowances) and BR-CL-20 (charges): the reason codes; ``indicated``: only of those whose
    ChargeIndicator is the very word ``false`` (``true``), as Peppol's CL002/CL003 select them."""
    fields = ("BT-105", "BT-145") if charge else ("BT-98", "BT-140")
    da = "Tillæggets årsagskode" if charge else "Fradragets årsagskode"
    en = "Charge reason code" if charge else "Allowance reason code"

    def values(invoice: Invoice, cii: bool) -> Iterator[Coded]:
        for ac, index, line_id in every_allowance_charge(invoice):
            if indicated and ac.present is not None and "is_charge:exact" not in ac.present:
                continue
            if ac.is_charge == charge and ac.reason_code is not None:
                field = fields[0 if index is None else 1]
                yield Coded(ac.reason_code, field, da, en, line=index, line_id=line_id)

    return values


def exemption_codes(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    for b in invoice.vat_breakdown:
        if b.exemption_reason_code is not None:
            da, en = "Kode for momsfritagelsesgrund", "VAT exemption reason code"
            yield Coded(b.exemption_reason_code, "BT-121", da, en)


def vat_currencies(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    """BR-CL-03: UBL every amount's currencyID (an invoice made in code: its VAT breakdown's tax
    amounts); CII a VAT total's (``ram:TaxTotalAmount``), which the model does not keep."""
    if cii:
        return  # the CII reader gives the breakdown the document currency, not the attribute
    if invoice.amount_currencies is not None:
        yield from _currencies(invoice, _EVERY_AMOUNT)
        return
    for b in invoice.vat_breakdown:
        if b.tax_amount is not None:
            da, en = "Valuta (currencyID) for momsbeløbet", "Currency (currencyID) of the VAT amount"
            yield Coded(b.currency or "", "BT-117", da, en)


def _line_codes(invoice: Invoice, cii: bool, which: str) -> Iterator[Coded]:
    for index, line in enumerate(invoice.lines):
        found: list[tuple[str | None, str, str, str]] = []
        if which == "unit":
            found += [
                (line.unit, "BT-130", "Enhedskode for antal", "Invoiced quantity unit of measure code"),
                (line.base_quantity_unit, "BT-150", "Enhedskode for basisantal", "Base quantity unit code"),
            ]
        elif which == "standard":
            scheme = None if line.standard_item_id is None else line.standard_item_id.scheme
            found.append(
                (scheme, "BT-157-1", "Varens standard-id's schemeID", "Item standard identifier scheme")
            )
        else:
            found += [
                (
                    c.list_id,
                    "BT-158-1",
                    "Varens klassifikations listID",
                    "Item classification list identifier",
                )
                for c in line.classifications
            ]
        for value, field, da, en in found:
            if value is not None:
                yield Coded(value, field, da, en, line=index, line_id=line.id)


def lines(which: str) -> Callable[[Invoice, bool], Iterator[Coded]]:
    return lambda invoice, cii: _line_codes(invoice, cii, which)


def period_codes(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    """BT-8, the VAT point date code: UBL an invoice period's ``cbc:DescriptionCode`` (the document's
    and the lines'), CII a VAT breakdown's ``ram:DueDateTypeCode``."""
    da, en = "Kode for momsdato", "Value added tax point date code"
    if cii:
        for b in invoice.vat_breakdown:
            if b.date_code is not None:
                yield Coded(b.date_code, "BT-8", da, en)
        return
    if invoice.period is not None and invoice.period.description_code is not None:
        yield Coded(invoice.period.description_code, "BT-8", da, en)
    for index, line in enumerate(invoice.lines):
        if line.period is not None and line.period.description_code is not None:
            yield Coded(line.period.description_code, "BT-8", da, en, line=index, line_id=line.id)


#: the amounts whose currencyID PEPPOL-EN16931-CL007 judges, by where they stand
#: (``Invoice.amount_currencies``): Peppol BIS 3 every amount, OIOUBL 3 not a breakdown's TaxAmount
#: nor a TaxTotal's without a breakdown
_EVERY_AMOUNT = frozenset({"", "subtotal", "total", "other"})
_CL007_KINDS = {"peppol": _EVERY_AMOUNT, "oioubl3": frozenset({"", "total"})}


def _currencies(invoice: Invoice, kinds: frozenset[str]) -> Iterator[Coded]:
    written = invoice.amount_currencies or frozenset()
    da, en = "Valuta (currencyID) for et beløb", "Currency (currencyID) of an amount"
    for currency in sorted({c or "" for kind, c in written if kind in kinds}):
        yield Coded(currency, "BT-5", da, en)


def amount_currencies(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    """PEPPOL-EN16931-CL007: the currencyID of the amounts, as written (an amount without one is
    judged as the empty code)."""
    kinds = _CL007_KINDS["oioubl3" if invoice.format == SourceFormat.OIOUBL_3 else "peppol"]
    return _currencies(invoice, kinds)


def mime_codes(invoice: Invoice, cii: bool) -> Iterator[Coded]:
    """BR-CL-24 and PEPPOL-EN16931-CL001: the mimeCode of every attached object, as written."""
    for code in invoice.mime_codes or ():
        yield Coded(code, "BT-125-1", "Vedhæftningens MIME-kode", "Attached document's MIME code")
