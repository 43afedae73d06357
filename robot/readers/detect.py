"""Which syntax is this? Root element namespace first, then CustomizationID / ProfileID.

Anything that is not an invoice or credit note (orders, catalogues, ApplicationResponse, Invoice
Response, message level response, ...) is a :class:`~robot.errors.ReadError` naming the document
kind and what was expected.

    >>> from robot.readers.xmlsafe import parse_xml
    >>> root = parse_xml(b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
    ...     b' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    ...     b'<cbc:CustomizationID>OIOUBL-2.1</cbc:CustomizationID></Invoice>')
    >>> format_of(document_root(root))
    <SourceFormat.OIOUBL_2: 'oioubl-2'>
"""

from __future__ import annotations

from robot.errors import ReadError
from robot.model import SourceFormat
from robot.readers.nodes import Element, clean, local_name
from robot.readers.ubl_parts import CBC_NS

PEPPOL_BIS3_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
_UBL_PREFIX = "urn:oasis:names:specification:ubl:schema:xsd:"

_ACCEPTED = {
    f"{{{UBL_INVOICE_NS}}}Invoice",
    f"{{{UBL_CREDIT_NOTE_NS}}}CreditNote",
    f"{{{CII_NS}}}CrossIndustryInvoice",
}
_EXPECTED = "a UBL Invoice or CreditNote (Peppol BIS 3, OIOUBL 2.x/3, EN 16931) or a CII CrossIndustryInvoice"
_CUSTOMIZATION = f"{{{CBC_NS}}}CustomizationID"
_PROFILE = f"{{{CBC_NS}}}ProfileID"


def _child_text(root: Element, tag: str) -> str:
    child = next(root.iterchildren(tag), None)
    return (clean(child.text) or "") if child is not None else ""


def document_root(root: Element) -> Element:
    """The invoice root element (an SBDH envelope is unwrapped), or a ReadError naming what it is."""
    if root.tag == f"{{{SBDH_NS}}}StandardBusinessDocument":
        payload = next(
            (c for c in root.iterchildren("{*}*") if c.tag != f"{{{SBDH_NS}}}StandardBusinessDocumentHeader"),
            None,
        )
        if payload is None:
            raise ReadError(
                "the Standard Business Document envelope holds no document",
                field="StandardBusinessDocument",
                expected=_EXPECTED,
            )
        root = payload
    if root.tag not in _ACCEPTED:
        raise ReadError(
            f"the document is {_describe(root)}, not a supported invoice or credit note",
            field="root element",
            expected=_EXPECTED,
        )
    return root


def _describe(root: Element) -> str:
    name = local_name(root)
    namespace = str(root.tag)[1:].partition("}")[0] if str(root.tag).startswith("{") else ""
    where = f"namespace {namespace}" if namespace else "no namespace"
    kind = name
    if namespace.startswith(_UBL_PREFIX):
        customization = _child_text(root, _CUSTOMIZATION)
        family = "a UBL"
        if customization.upper().startswith("OIOUBL-2"):
            family = "an OIOUBL 2"
        elif "oioubl" in customization.lower():
            family = "an OIOUBL 3"
        if name == "ApplicationResponse":
            lowered = customization.lower()
            if "invoice_response" in lowered:
                kind = "ApplicationResponse (Invoice Response)"
            elif "mlr" in lowered or "message_level_response" in lowered:
                kind = "ApplicationResponse (Message Level Response)"
        return f"{family} {kind} (root element {name}, {where})"
    if namespace.startswith("urn:ferd:"):
        return f"a ZUGFeRD 1.0 {kind} (root element {name}, {where})"
    article = "an" if kind[:1].upper() in "AEIOU" else "a"
    return f"{article} {kind} (root element {name}, {where})"


def format_of(root: Element) -> SourceFormat:
    """The format of an accepted root element (see :func:`document_root`)."""
    if root.tag == f"{{{CII_NS}}}CrossIndustryInvoice":
        return SourceFormat.CII
    customization = _child_text(root, _CUSTOMIZATION)
    profile = _child_text(root, _PROFILE)
    if customization.upper().startswith("OIOUBL-2"):
        return SourceFormat.OIOUBL_2
    if profile.startswith("urn:fdc:oioubl.dk:bis:") or "oioubl" in customization.lower():
        return SourceFormat.OIOUBL_3
    if customization.startswith(PEPPOL_BIS3_ID):
        return SourceFormat.PEPPOL_BIS3
    return SourceFormat.EN16931_UBL
