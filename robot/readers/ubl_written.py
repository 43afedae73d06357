"""What the official rules read off a whole UBL document as it is written, gathered in one walk.

Some Peppol and EN 16931 rules look at every element of a kind wherever it stands, and at its text
or attributes as written rather than at a value of the model:

- every date (``F001-date``: one not written as exactly ``YYYY-MM-DD``, PEPPOL-EN16931-F001);
- every EndpointID, PartyIdentification/ID and CompanyID of a scheme with a register check
  (``Invoice.scheme_ids``, PEPPOL-COMMON-R041..R050);
- every amount's currencyID and where the amount stands (``Invoice.amount_currencies``, CL007,
  R051, BR-CL-03);
- every VAT identifier (``Invoice.vat_ids``, BR-CO-09);
- every attached object's mimeCode (``Invoice.mime_codes``, BR-CL-24, PEPPOL-EN16931-CL001);
- every supporting document's reference (BR-52), and how many project references (R080).

One ``iter`` over the tree with every tag of interest (lxml filters in C) serves them all.

    >>> from robot.readers.xmlsafe import parse_xml
    >>> from robot.readers.nodes import Element, Node
    >>> root = parse_xml(
    ...     b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
    ...     b' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    ...     b'<cbc:IssueDate>2026-12-3</cbc:IssueDate>'
    ...     b'<cbc:PayableAmount currencyID="DKK">1</cbc:PayableAmount></Invoice>')
    >>> found = walk(Node(root))
    >>> found.present, sorted(found.amount_currencies)
    (frozenset({'F001-date'}), [('', 'DKK')])
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from robot.readers.nodes import Element, Node
from robot.readers.ubl_parts import CAC_NS, CBC_NS, U

#: the schemes of the Peppol identifier rules (PEPPOL-COMMON-R041..R050)
CHECKED_SCHEMES = frozenset({"0192", "0184", "0208", "0201", "0210", "9907", "0211", "0007", "0151"})

_CBC = f"{{{CBC_NS}}}"
_CAC = f"{{{CAC_NS}}}"
_DATES = frozenset(
    f"{_CBC}{name}"
    for name in ("IssueDate", "DueDate", "TaxPointDate", "StartDate", "EndDate", "ActualDeliveryDate")
)
_IDENTIFIERS = frozenset({f"{_CBC}EndpointID", f"{_CBC}CompanyID", f"{_CAC}PartyIdentification"})
_PARTY_IDENTIFICATION = f"{_CAC}PartyIdentification"
#: the amount elements whose currencyID the official rules check
_AMOUNTS = frozenset(
    f"{_CBC}{name}"
    for name in (
        *("Amount", "BaseAmount", "PriceAmount", "TaxAmount", "TaxableAmount", "LineExtensionAmount"),
        *("TaxExclusiveAmount", "TaxInclusiveAmount", "AllowanceTotalAmount", "ChargeTotalAmount"),
        *("PrepaidAmount", "PayableRoundingAmount", "PayableAmount"),
    )
)
_TAX_AMOUNT = f"{_CBC}TaxAmount"
_TAX_TOTAL = f"{_CAC}TaxTotal"
_TAX_SUBTOTAL = f"{_CAC}TaxSubtotal"
_PARTY_TAX_SCHEME = f"{_CAC}PartyTaxScheme"
_OBJECT = f"{_CBC}EmbeddedDocumentBinaryObject"
_SUPPORTING = f"{_CAC}AdditionalDocumentReference"
_ALL = (*_DATES, *_IDENTIFIERS, *_AMOUNTS, _PARTY_TAX_SCHEME, _OBJECT, _SUPPORTING)
_DATE_10 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Written(NamedTuple):
    #: for Invoice.present: ``F001-date``, ``BG-24-unreferenced`` (an AdditionalDocumentReference
    #: without ID, BR-52), ``BT-11+`` (more than one project reference, type 50, R080)
    present: frozenset[str]
    scheme_ids: tuple[tuple[str, str, str], ...]
    amount_currencies: frozenset[tuple[str, str | None]]
    vat_ids: tuple[str, ...]
    mime_codes: tuple[str, ...]


def walk(root: Node) -> Written:
    """All of them, from one walk over the document."""
    bad_date = False
    schemes: list[tuple[str, str, str]] = []
    currencies: set[tuple[str, str | None]] = set()
    vat: list[str] = []
    mimes: list[str] = []
    unreferenced, projects = False, 0
    for el in root.el.iter(*_ALL):
        tag = el.tag
        if tag in _AMOUNTS:
            currencies.add((_amount_kind(el) if tag == _TAX_AMOUNT else "", el.get("currencyID")))
        elif tag in _DATES:
            if not bad_date:
                text = el.text or ""
                bad_date = not (_DATE_10.fullmatch(text) and _real_date(text))
        elif tag in _IDENTIFIERS:
            _scheme_id(el, schemes)
        elif tag == _PARTY_TAX_SCHEME:
            _vat_id(el, vat)
        elif tag == _SUPPORTING:  # wherever it stands (BR-52); a project reference at the top (R080)
            unreferenced = unreferenced or not U.text(Node(el), "cbc:ID")
            code = el.find(f"{_CBC}DocumentTypeCode")
            projects += el.getparent() is root.el and code is not None and code.text == "50"
        elif (mime := el.get("mimeCode")) is not None:  # an attached object (BT-125)
            mimes.append(mime)
    flags = (("F001-date", bad_date), ("BG-24-unreferenced", unreferenced), ("BT-11+", projects > 1))
    return Written(
        frozenset(key for key, raised in flags if raised),
        tuple(schemes),
        frozenset(currencies),
        tuple(vat),
        tuple(mimes),
    )


def _real_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _amount_kind(el: Element) -> str:
    """Where a TaxAmount stands: a breakdown's (subtotal), a total's with a breakdown (total), else other."""
    parent = el.getparent()
    if parent is not None and parent.tag == _TAX_SUBTOTAL:
        return "subtotal"
    if parent is not None and parent.tag == _TAX_TOTAL and parent.find(_TAX_SUBTOTAL) is not None:
        return "total"
    return "other"


def _scheme_id(found_el: Element, schemes: list[tuple[str, str, str]]) -> None:
    """An identifier of a checked scheme: a PartyIdentification's cbc:ID (no other cbc:ID is a party's)."""
    el = found_el.find(f"{_CBC}ID") if found_el.tag == _PARTY_IDENTIFICATION else found_el
    if el is None:
        return
    scheme = el.get("schemeID")
    if scheme in CHECKED_SCHEMES:
        schemes.append((str(el.tag)[len(_CBC) :], str(scheme), "".join(str(t) for t in el.itertext())))


def _vat_id(el: Element, vat: list[str]) -> None:
    """A PartyTaxScheme of the VAT scheme's CompanyID, as written."""
    scheme = Node(el)
    if " ".join((U.text(scheme, "cac:TaxScheme/cbc:ID") or "").split()).upper() == "VAT":
        company = U.first(scheme, "cbc:CompanyID")
        if company is not None:
            vat.append(company.el.text or "")
