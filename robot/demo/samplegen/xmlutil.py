"""Small lxml helpers shared by the Peppol and OIOUBL writers.

>>> root = element("Invoice", INVOICE_NS)
>>> _ = sub(root, "cbc:ID", "F-1")
>>> serialize(root).splitlines()[0]
b"<?xml version='1.0' encoding='UTF-8'?>"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from robot.demo.samplegen.documents import fmt_money, fmt_qty

if TYPE_CHECKING:
    from robot.demo.samplegen.documents import DocSpec, LineSpec

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDITNOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
PREFIXES = {"cbc": CBC, "cac": CAC}


def _qname(tag: str) -> str:
    prefix, _, local = tag.partition(":")
    return f"{{{PREFIXES[prefix]}}}{local}"


def element(root_name: str, namespace: str) -> etree._Element:
    return etree.Element(f"{{{namespace}}}{root_name}", nsmap={None: namespace, "cac": CAC, "cbc": CBC})  # type: ignore[dict-item]


def document_root(doc: DocSpec) -> etree._Element:
    """The ``Invoice`` or, for a credit note, ``CreditNote`` root in its namespace."""
    if doc.credit_note:
        return element("CreditNote", CREDITNOTE_NS)
    return element("Invoice", INVOICE_NS)


def line_head(root: etree._Element, doc: DocSpec, ln: LineSpec) -> etree._Element:
    """An ``InvoiceLine`` (``CreditNoteLine``) with what both syntaxes put first: its id, quantity,
    net amount and the order line it delivers; the caller adds the item and the price."""
    credit = doc.credit_note
    line = sub(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
    sub(line, "cbc:ID", ln.id)
    sub(
        line,
        "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
        fmt_qty(ln.quantity),
        unitCode=ln.item.unit,
    )
    sub(line, "cbc:LineExtensionAmount", fmt_money(ln.net), currencyID=doc.currency)
    if ln.order_line and doc.order_ref:
        sub(sub(line, "cac:OrderLineReference"), "cbc:LineID", ln.order_line)
    return line


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Append ``cbc:Tag`` / ``cac:Tag`` with optional text and attributes (``currencyID="DKK"``)."""
    child = etree.SubElement(parent, _qname(tag))
    for key, value in attrs.items():
        child.set(key, value)
    if text is not None:
        child.text = text
    return child


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
