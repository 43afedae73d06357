"""EN 16931 mandatory content: header fields (BR-01..BR-15), lines (BR-16, BR-21..BR-28, BR-CO-04),
VAT breakdown (BR-CO-18).

Each missing item is one finding carrying exactly its official id::

    >>> from robot.model import DocumentType, Invoice
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE)
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> ids = [f.official_ids for f in Classifier(only=["EN-MANDATORY"]).classify(inv, Context()).findings]
    >>> ("BR-02",) in ids
    True

Conditions follow the official Schematron (``CEN-EN16931-UBL.sch``): a text field is missing when
it is absent or blank; a seller/buyer country is only demanded when the postal address exists
(in CII always). A missing net price also fails BR-27 (the official ``price >= 0`` fails on nothing);
in CII, BR-CO-18 is checked per line, so a document without lines only gets BR-16.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from classifiers.amounts import ZERO, fmt_da, fmt_en
from classifiers.api import Context, Finding
from classifiers.builtin._en_common import DOC_DA, DOC_EN, EN16931, line_label
from classifiers.builtin.en16931_totals import monetary_total_present
from classifiers.texts import Text, amount, at_least
from robot.model import Invoice, Line, Party, SourceFormat


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _country(inv: Invoice, party: Party) -> object:
    """UBL asks for the country inside the postal address; CII asks for it on the document."""
    if party.address:
        return party.address.country
    return None if inv.format == SourceFormat.CII else "n/a"


def _none_of(ctx: Context, invoice: Invoice, group: str, none: Text, plural: Text, one: Text) -> Finding:
    """The document has ``none`` of ``group`` (``plural``: its plural, ``one``: its singular)."""
    doc_da, doc_en = DOC_DA[invoice.document_type], DOC_EN[invoice.document_type]
    return ctx.finding(
        da=f"{doc_da.capitalize()} har ingen {none.da} ({group}); der skal være mindst én.",
        en=f"The {doc_en} has no {none.en} ({group}); at least one is required.",
        found=Text(f"0 {plural.da}", f"0 {plural.en}"),
        expected=Text(f"mindst 1 {one.da}", f"at least 1 {one.en}"),
    )


# official id, BT/BG id, Danish name, English name, getter (None or blank = missing)
_HEADER: tuple[tuple[str, str, str, str, Callable[[Invoice], object]], ...] = (
    ("BR-01", "BT-24", "Specifikations-id", "Specification identifier", lambda i: i.customization_id),
    ("BR-02", "BT-1", "Fakturanummer", "Invoice number", lambda i: i.number),
    ("BR-03", "BT-2", "Fakturadato", "Invoice issue date", lambda i: i.issue_date),
    ("BR-04", "BT-3", "Fakturatypekode", "Invoice type code", lambda i: i.type_code),
    ("BR-05", "BT-5", "Valutakode", "Invoice currency code", lambda i: i.currency),
    ("BR-06", "BT-27", "Sælgers navn", "Seller name", lambda i: i.seller.name),
    ("BR-07", "BT-44", "Købers navn", "Buyer name", lambda i: i.buyer.name),
    ("BR-08", "BG-5", "Sælgers postadresse", "Seller postal address", lambda i: i.seller.address),
    ("BR-09", "BT-40", "Sælgers landekode", "Seller country code", lambda i: _country(i, i.seller)),
    ("BR-10", "BG-8", "Købers postadresse", "Buyer postal address", lambda i: i.buyer.address),
    ("BR-11", "BT-55", "Købers landekode", "Buyer country code", lambda i: _country(i, i.buyer)),
    (
        "BR-12",
        "BT-106",
        "Sum af linjebeløb",
        "Sum of invoice line net amount",
        lambda i: i.totals.line_extension,
    ),
    (
        "BR-13",
        "BT-109",
        "Total uden moms",
        "Invoice total amount without VAT",
        lambda i: i.totals.tax_exclusive,
    ),
    ("BR-14", "BT-112", "Total med moms", "Invoice total amount with VAT", lambda i: i.totals.tax_inclusive),
    ("BR-15", "BT-115", "Beløb til betaling", "Amount due for payment", lambda i: i.totals.payable),
)


_IN_TOTALS = frozenset({"BR-12", "BR-13", "BR-14", "BR-15"})


@EN16931.rule("EN-MANDATORY", official_ids=tuple(row[0] for row in _HEADER))
def mandatory_header(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """A field EN 16931 makes mandatory (BR-01..BR-15) is missing from the document header."""
    doc_da, doc_en = DOC_DA[invoice.document_type], DOC_EN[invoice.document_type]
    # BR-12..BR-15 have the monetary total as context: without one they stay silent officially (the
    # XSD demands it). We still report the missing amounts, but claim the ids only where they apply.
    totals_present = monetary_total_present(invoice)
    for official, field, da, en, get in _HEADER:
        if _blank(get(invoice)):
            claimed = (official,) if totals_present or official not in _IN_TOTALS else ()
            yield ctx.finding(
                da=f"{da} ({field}) mangler; {doc_da} skal have det ({official}).",
                en=f"{en} ({field}) is missing; the {doc_en} must carry it ({official}).",
                found=None,
                expected=Text(f"{da} ({field})", f"{en} ({field})"),
                field=field,
                official_ids=claimed,
            )


@EN16931.rule("EN-NO-LINES", official_ids=("BR-16",), field="BG-25")
def at_least_one_line(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The document has no invoice line (BR-16)."""
    if not invoice.lines:
        none, plural, one = (
            Text("fakturalinjer", "invoice line"),
            Text("linjer", "lines"),
            Text("linje", "line"),
        )
        yield _none_of(ctx, invoice, "BG-25", none, plural, one)


# official id, BT id, Danish name, English name, getter
_LINE: tuple[tuple[str, str, str, str, Callable[[Line], object]], ...] = (
    ("BR-21", "BT-126", "Linje-id", "Invoice line identifier", lambda ln: ln.id),
    ("BR-22", "BT-129", "Antal", "Invoiced quantity", lambda ln: ln.quantity),
    ("BR-23", "BT-130", "Enhedskode for antal", "Invoiced quantity unit of measure code", lambda ln: ln.unit),
    ("BR-24", "BT-131", "Linjebeløb", "Invoice line net amount", lambda ln: ln.net_amount),
    ("BR-25", "BT-153", "Varenavn", "Item name", lambda ln: ln.item_name),
    ("BR-26", "BT-146", "Nettopris", "Item net price", lambda ln: ln.price),
    ("BR-CO-04", "BT-151", "Momskategori", "Invoiced item VAT category code", lambda ln: ln.vat_category),
)


@EN16931.rule("EN-LINE-MANDATORY", official_ids=(*(row[0] for row in _LINE), "BR-27", "BR-28"))
def mandatory_line(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """An invoice line lacks a field EN 16931 makes mandatory (BR-21..BR-26, BR-CO-04), or its net price
    (BR-27) or gross price (BR-28) is negative."""
    for index, line in enumerate(invoice.lines):
        label = line_label(line.id, index)
        for official, field, da, en, get in _LINE:
            if _blank(get(line)):
                yield ctx.finding(
                    da=f"Linje {label}: {da} ({field}) mangler ({official}).",
                    en=f"Line {label}: {en} ({field}) is missing ({official}).",
                    expected=Text(f"{da} ({field})", f"{en} ({field})"),
                    field=field,
                    line_id=line.id,
                    official_ids=(official, "BR-27") if official == "BR-26" else (official,),
                )
        for official, field, da, en, price in (
            ("BR-27", "BT-146", "nettoprisen", "item net price", line.price),
            ("BR-28", "BT-148", "bruttoprisen", "item gross price", line.gross_price),
        ):
            if price is not None and price < ZERO:
                yield ctx.finding(
                    da=f"Linje {label}: {da} ({field}) er {fmt_da(price)}, men må ikke være negativ "
                    f"({official}).",
                    en=f"Line {label}: the {en} ({field}) is {fmt_en(price)} but must not be negative "
                    f"({official}).",
                    found=amount(price),
                    expected=at_least(0),
                    field=field,
                    line_id=line.id,
                    reason="PRI",
                    official_ids=(official,),
                )


@EN16931.rule("EN-VAT-BREAKDOWN-MISSING", official_ids=("BR-CO-18",), field="BG-23")
def vat_breakdown_present(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The document has no VAT breakdown (BR-CO-18)."""
    cii = invoice.format == SourceFormat.CII
    if not invoice.vat_breakdown and (not cii or invoice.lines):
        one = Text("momsspecifikation", "VAT breakdown")
        yield _none_of(ctx, invoice, "BG-23", one, Text("momsspecifikationer", "VAT breakdowns"), one)
