"""The Peppol BIS 3 Invoice Response (T111): why an invoice was not accepted, machine-readable.

The buyer (the customer) sends it to the seller (the supplier). Each blocking finding becomes one
``cac:Status`` with its reason code (``OPStatusReason``), its Danish and English text and, when the
finding names a field, a ``cac:Condition`` pointing at it (``cbc:AttributeID`` = the BT id,
``cbc:Description`` = the expected value). Each distinct action the supplier must take
(``OPStatusAction``: PIN, NIN, CNP, ...) follows as a ``cac:Status`` of its own. An invoice read
from OIOUBL 3 gets the OIOUBL 3 flavour (its own CustomizationID and ProfileID)::

    >>> from datetime import date
    >>> from robot.model import DocumentType, Identifier, Invoice, Party
    >>> inv = Invoice(format="peppol-bis3", document_type=DocumentType.INVOICE, number="F-1",
    ...               seller=Party(name="Leverandør A/S", endpoint=Identifier("12345674", "0184")),
    ...               buyer=Party(name="Styrelsen", endpoint=Identifier("5798000416604", "0088")))
    >>> xml = build_invoice_response(inv, [], status="RE", response_id="IR-1", issue_date=date(2025, 3, 1))
    >>> b"<cbc:ResponseCode>RE</cbc:ResponseCode>" in xml
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from lxml import etree
from stdnum.dk.cvr import compact as compact_cvr

from classifiers.api import Finding
from robot.codes import Action, Reason, Status, UnknownCodeError, allowed
from robot.errors import RobotError
from robot.model import Identifier, Invoice, Party, SourceFormat

NS_AR = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NSMAP = {None: NS_AR, "cac": NS_CAC, "cbc": NS_CBC}

PEPPOL_CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
OIOUBL3_CUSTOMIZATION = f"{PEPPOL_CUSTOMIZATION}@urn:fdc:oioubl.dk:trns:billing:invoice_response:3.0"
OIOUBL3_PROFILE = "urn:fdc:oioubl.dk:bis:billing_with_response:3"

#: OIOUBL 2.x / legacy scheme names → Electronic Address Scheme / ICD codes.
_SCHEMES = {"GLN": "0088", "EAN": "0088", "DK:CVR": "0184", "DK:SE": "0198", "DK:P": "0096", "DUNS": "0060"}
_PHONE = re.compile(r"^(?:\+|00)")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]+$")


class InvoiceResponseError(RobotError):
    """The invoice lacks what an Invoice Response must carry (its number, an address for a party)."""

    default_message = "cannot build an Invoice Response"


def scheme_code(identifier: Identifier) -> str | None:
    """The EAS/ICD code for an identifier: ``GLN`` → ``0088``, ``DK:CVR`` → ``0184``, ``0088`` stays."""
    scheme = (identifier.scheme or "").strip().upper()
    if re.fullmatch(r"\d{4}", scheme):
        return scheme
    if scheme in _SCHEMES:
        return _SCHEMES[scheme]
    digits = identifier.value.strip()
    if re.fullmatch(r"\d{13}", digits):
        return "0088"  # a bare 13-digit number in Danish e-invoicing is a GLN/EAN location number
    if re.fullmatch(r"(DK)?\d{8}", digits.upper()):
        return "0184"
    return None


def _value(identifier: Identifier, code: str) -> str:
    value = identifier.value.strip()
    if code == "0184":
        return compact_cvr(value)  # CVR is 8 digits under 0184 (OIOUBL-COMMON-001): no DK, no spaces
    return value


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, _, local = tag.partition(":")
    el = etree.SubElement(parent, f"{{{NS_CAC if prefix == 'cac' else NS_CBC}}}{local}", attrs)
    if text is not None:
        el.text = text
    return el


def _party(parent: etree._Element, tag: str, party: Party, role: str, *, oioubl3: bool) -> None:
    endpoint = party.endpoint if party.endpoint and party.endpoint.value.strip() else party.legal_id
    code = scheme_code(endpoint) if endpoint else None
    if endpoint is None or code is None:
        raise InvoiceResponseError(f"the {role} has no electronic address (BT-34/BT-49) to answer")
    name = party.name or party.trading_name
    if not name:
        raise InvoiceResponseError(f"the {role} has no name (BT-27/BT-44)")
    el = _sub(parent, tag)
    _sub(el, "cbc:EndpointID", _value(endpoint, code), schemeID=code)
    legal = party.legal_id
    legal_code = scheme_code(legal) if legal else None
    if legal is not None and legal_code is not None and legal.value.strip():
        _sub(_sub(el, "cac:PartyIdentification"), "cbc:ID", _value(legal, legal_code), schemeID=legal_code)
    _sub(_sub(el, "cac:PartyLegalEntity"), "cbc:RegistrationName", name)
    contact = party.contact if tag == "cac:SenderParty" else None  # T111 has no receiver contact
    if contact is not None:
        fields = [
            ("cbc:Name", contact.name),
            ("cbc:Telephone", contact.phone if contact.phone and _PHONE.match(contact.phone) else None),
            ("cbc:ElectronicMail", contact.email if contact.email and _EMAIL.match(contact.email) else None),
        ]
        present = [(tag_, text.strip()) for tag_, text in fields if text and text.strip()]
        # OIOUBL-COMMON-126/127: an OIOUBL contact needs both a telephone (+45...) and an e-mail
        complete = sum(1 for tag_, _ in present if tag_ != "cbc:Name") == 2
        if present and (complete or not oioubl3):
            contact_el = _sub(el, "cac:Contact")
            for tag_, text in present:
                _sub(contact_el, tag_, text)


def _both(da: str | None, en: str | None) -> str | None:
    """``<Danish> / <English>``, or the one text when both languages read the same."""
    if not en:
        return da or None
    return en if not da or da == en else f"{da} / {en}"


def status_text(finding: Finding) -> str:
    """``<Danish> / <English>`` plus the line, what was found, kept to one line.

    It quotes the finding only: a return by hand speaks for the creditor team, and the name of
    the person who decided stays in the robot's journey, never in the response.
    """
    text = f"{finding.message_da} / {finding.message_en}"
    if finding.line_id:
        text += f" (linje/line {finding.line_id})"
    found = _both(finding.found_in("da"), finding.found_in("en"))
    if found:
        text += f" [fundet/found: {found}]"
    return " ".join(text.split())


def build_invoice_response(
    invoice: Invoice,
    findings: Iterable[Finding],
    *,
    status: str,
    response_id: str,
    issue_date: date,
    note: str | None = None,
    sender: Party | None = None,
    effective_date: date | None = None,
    clarifications: Iterable[tuple[str, str]] = (),
) -> bytes:
    """The Invoice Response for ``invoice`` as UTF-8 XML bytes (sender = buyer, receiver = seller).

    ``sender`` replaces the buyer as the party that answers (e.g. the shared service centre).
    ``effective_date`` is the status's date (``cbc:EffectiveDate``: for PD, the payment's);
    ``clarifications`` are further (OPStatusReason code, text) pairs, e.g. PPD for a partial payment.

    Only blocking findings (severity ``error``) are listed. With status UQ, CA or RE and nothing to
    list, one ``OTH`` reason is given (PEPPOL-T111-R001 wants a clarification).
    """
    try:
        response_code = Status.of(status)
    except UnknownCodeError:
        raise InvoiceResponseError(f"status {status!r} is not one of {allowed(Status)}") from None
    if not invoice.number:
        raise InvoiceResponseError("the invoice has no number (BT-1) to refer to")
    reasons = [f for f in findings if f.blocks]  # their codes are in the lists (Finding refuses others)
    oioubl3 = invoice.format == SourceFormat.OIOUBL_3
    root = etree.Element(f"{{{NS_AR}}}ApplicationResponse", nsmap=NSMAP)  # type: ignore[arg-type]
    _sub(root, "cbc:CustomizationID", OIOUBL3_CUSTOMIZATION if oioubl3 else PEPPOL_CUSTOMIZATION)
    _sub(root, "cbc:ProfileID", OIOUBL3_PROFILE if oioubl3 else PEPPOL_PROFILE)
    _sub(root, "cbc:ID", response_id)
    _sub(root, "cbc:IssueDate", issue_date.isoformat())
    if note and note.strip():
        _sub(root, "cbc:Note", " ".join(note.split()))
    _party(root, "cac:SenderParty", sender or invoice.buyer, "sender" if sender else "buyer", oioubl3=oioubl3)
    _party(root, "cac:ReceiverParty", invoice.seller, "seller", oioubl3=oioubl3)

    doc_response = _sub(root, "cac:DocumentResponse")
    response = _sub(doc_response, "cac:Response")
    _sub(response, "cbc:ResponseCode", response_code)
    if effective_date is not None:
        _sub(response, "cbc:EffectiveDate", effective_date.isoformat())
    for code, text in clarifications:
        el = _sub(response, "cac:Status")
        _sub(el, "cbc:StatusReasonCode", Reason.of(code), listID="OPStatusReason")
        _sub(el, "cbc:StatusReason", " ".join(text.split()))
    actions: list[Action] = []
    for finding in reasons:
        el = _sub(response, "cac:Status")
        _sub(el, "cbc:StatusReasonCode", finding.reason, listID="OPStatusReason")
        _sub(el, "cbc:StatusReason", status_text(finding))
        if finding.field:
            condition = _sub(el, "cac:Condition")
            _sub(condition, "cbc:AttributeID", finding.field)
            expected = _both(finding.expected_in("da"), finding.expected_in("en"))
            if expected and expected.strip():
                _sub(condition, "cbc:Description", " ".join(expected.split()))
        action = finding.action
        if action not in actions:
            actions.append(action)
    if not reasons and response_code in {Status.UQ, Status.CA, Status.RE}:
        el = _sub(response, "cac:Status")
        _sub(el, "cbc:StatusReasonCode", Reason.OTH, listID="OPStatusReason")
        _sub(el, "cbc:StatusReason", "Se vedlagte besked / See the accompanying message")
    for action in actions:
        el = _sub(response, "cac:Status")
        _sub(el, "cbc:StatusReasonCode", action, listID="OPStatusAction")
        if action == Action.OTH:
            _sub(el, "cbc:StatusReason", "Se begrundelserne ovenfor / See the reasons above")

    reference = _sub(doc_response, "cac:DocumentReference")
    _sub(reference, "cbc:ID", invoice.number)
    if invoice.issue_date is not None:
        _sub(reference, "cbc:IssueDate", invoice.issue_date.isoformat())
    type_code = invoice.type_code if invoice.type_code and invoice.type_code.isdigit() else None
    _sub(reference, "cbc:DocumentTypeCode", type_code or ("381" if invoice.is_credit_note else "380"))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def build_payment_response(
    invoice: Invoice,
    *,
    response_id: str,
    issue_date: date,
    paid_on: date | None,
    amount: Decimal | None,
    currency: str | None,
    remaining: Decimal | None = None,
    sender: Party | None = None,
) -> bytes:
    """The Invoice Response telling the seller its invoice is paid: status ``PD`` (UNCL4343 "Paid",
    payment initiated), the payment's date as the status's ``cbc:EffectiveDate``, and the amount in
    a note. A partial payment (``remaining`` above zero) carries the ``PPD`` clarification with
    the amount paid and what remains (PEPPOL-T111-R004: PPD needs its reason)."""
    paid = f"{amount} {currency or ''}".strip() if amount is not None else None
    when = paid_on.isoformat() if paid_on is not None else None
    da = " ".join(p for p in ("Betaling igangsat", when, paid) if p)
    en = " ".join(p for p in ("Payment initiated", when, paid) if p)
    partly: list[tuple[str, str]] = []
    if remaining is not None and remaining > 0:
        left = f"{remaining} {currency or ''}".strip()
        partly.append(
            (
                Reason.PPD,
                f"Delvist betalt: {paid or '-'}, rest {left} / Partially paid: {paid or '-'}, {left} left",
            )
        )
    return build_invoice_response(
        invoice,
        [],
        status=Status.PD,
        response_id=response_id,
        issue_date=issue_date,
        note=f"{da} / {en}",
        sender=sender,
        effective_date=paid_on,
        clarifications=partly,
    )
