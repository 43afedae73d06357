"""EN 16931's scheme identifiers: the seller's and the buyer's electronic address (BR-62, BR-63), an
item's standard identifier (BR-64) and its classification (BR-65) say which scheme they are in.

As the official rules test it: in UBL the attribute must be there (``exists(@schemeID)``, empty or
not), in CII it must not be blank. Which scheme it names is the code lists' concern (BR-CL-21, -25).

    >>> from robot.model import DocumentType, Identifier, Invoice, Party
    >>> from classifiers.api import Context
    >>> from classifiers.engine import Classifier
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE,
    ...               seller=Party(endpoint=Identifier("5798000416604", None)))
    >>> [f.official_ids for f in Classifier(only=["EN-SCHEME-MISSING"]).classify(inv, Context()).findings]
    [('BR-62',)]
"""

from __future__ import annotations

from collections.abc import Iterator

from classifiers.api import Context, Finding
from classifiers.builtin._en_common import EN16931, line_label
from classifiers.texts import Text
from robot.model import Identifier, Invoice, SourceFormat


def _missing(scheme: str | None, cii: bool) -> bool:
    return scheme is None or (cii and not scheme.strip())


@EN16931.rule("EN-SCHEME-MISSING", official_ids=("BR-62", "BR-63", "BR-64", "BR-65"), field="BT-34-1")
def scheme_missing(invoice: Invoice, ctx: Context) -> Iterator[Finding]:
    """The seller's (BT-34) or the buyer's electronic address (BT-49), an item's standard identifier
    (BT-157) or its classification (BT-158) has no scheme identifier (BR-62..BR-65)."""
    cii = invoice.format == SourceFormat.CII
    addresses: tuple[tuple[str, str, Identifier | None, Text], ...] = (
        (
            "BR-62",
            "BT-34-1",
            invoice.seller.endpoint,
            Text("Sælgers elektroniske adresse", "The seller's electronic address"),
        ),
        (
            "BR-63",
            "BT-49-1",
            invoice.buyer.endpoint,
            Text("Købers elektroniske adresse", "The buyer's electronic address"),
        ),
    )
    present = invoice.present
    for official, field, ident, name in addresses:
        if present is not None:  # read from XML: the element (CII: its group) and its attribute
            where = f"{field[:5]}-group" if cii else field[:5]
            missing = where in present and field not in present
        else:
            missing = ident is not None and _missing(ident.scheme, cii)
        if missing:
            yield ctx.finding(
                da=f"{name.da} ({field[:5]}) har ingen schemeID ({official}).",
                en=f"{name.en} ({field[:5]}) has no scheme identifier ({official}).",
                expected=Text("et schemeID, fx 0088 (EAN/GLN)", "a scheme identifier, e.g. 0088 (GLN)"),
                field=field,
                official_ids=(official,),
            )
    for index, line in enumerate(invoice.lines):
        label = line_label(line.id, index)
        item = line.standard_item_id
        if item is not None and _missing(item.scheme, cii):
            yield ctx.finding(
                da=f"Linje {label}: varens standard-id (BT-157) har ingen schemeID (BR-64).",
                en=f"Line {label}: the item standard identifier (BT-157) has no scheme identifier (BR-64).",
                expected=Text("et schemeID, fx 0160 (GTIN)", "a scheme identifier, e.g. 0160 (GTIN)"),
                field="BT-157-1",
                line_id=line.id,
                official_ids=("BR-64",),
            )
        if any(_missing(c.list_id, cii) for c in line.classifications):
            yield ctx.finding(
                da=f"Linje {label}: varens klassifikation (BT-158) har ingen listID (BR-65).",
                en=f"Line {label}: the item classification (BT-158) has no scheme identifier (BR-65).",
                expected=Text("et listID, fx STI (UNSPSC)", "a scheme identifier, e.g. STI (UNSPSC)"),
                field="BT-158-1",
                line_id=line.id,
                official_ids=("BR-65",),
            )
