"""Invoice Response (T111) built from findings, checked against the official artefacts via the oracle."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from lxml import etree

from classifiers.api import Finding
from robot.codes import UnknownCodeError
from robot.model import Contact, DocumentType, Identifier, Invoice, Party
from robot.processing.findings import manual_return
from robot.processing.invoice_response import (
    OIOUBL3_CUSTOMIZATION,
    OIOUBL3_PROFILE,
    PEPPOL_CUSTOMIZATION,
    PEPPOL_PROFILE,
    InvoiceResponseError,
    build_invoice_response,
    scheme_code,
)
from tests.conftest import corpora_path
from tests.support.findings import returned_finding
from tests.support.oracle import oracle_report

NS = {
    "ar": "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _finding(code: str, reason: str, action: str, field: str | None, **more: Any) -> Finding:
    """A finding of ``code`` on ``field`` with these codes and messages naming the field; ``more``
    (``found``, ``expected``, ``line_id``, ``severity``, ``status``) on top."""
    return returned_finding(
        code,
        reason=reason,
        action=action,
        field=field,
        message_da=f"Fejl i {field or 'fakturaen'} <&> æøå",
        message_en=f"Problem with {field or 'the invoice'}",
        **more,
    )


ORDER = _finding("ORDER-REF-MISSING", "REF", "PIN", "BT-13", expected="Ordrenummer fra indkøbssystemet")
PERSON = _finding("PERSON-REF-MISSING", "REF", "PIN", "BT-10", expected="Initialer, fx ABC")
EAN = _finding("EAN-UNKNOWN", "REC", "NIN", "BT-49", found="5790000000005", expected="5798000416604")
TOTALS = _finding("BR-CO-15", "LEG", "NIN", "BT-112", found="1250.01", expected="1250.00")
DUPLICATE = _finding("DUPLICATE", "OTH", "NOA", None, found="F-2025-17")
PRICE = _finding("ORDER-PRICE", "PRI", "CNP", "BT-146", found="120.00", expected="100.00", line_id="2")
WARNING = _finding("CVR-MOD11", "LEG", "PIN", "BT-30", severity="warning")
WEIRD = _finding("CUSTOM", "OTH", "OTH", "BT-19", expected="  1234 - 5678  ")

COMBINATIONS = {
    "order-ref": [ORDER],
    "both-refs": [PERSON, ORDER],
    "ean-and-totals": [EAN, TOTALS],
    "duplicate": [DUPLICATE],
    "price-line-with-warning": [PRICE, WARNING],
    "everything": [ORDER, PERSON, EAN, TOTALS, DUPLICATE, PRICE, WARNING, WEIRD],
    "nothing": [],
}


def _invoice(fmt: str, *, credit: bool = False, oioubl2_schemes: bool = False) -> Invoice:
    seller_endpoint = (
        Identifier("DK12345674", "DK:CVR") if oioubl2_schemes else Identifier("12345674", "0184")
    )
    buyer_endpoint = Identifier("5798000416604", "GLN" if oioubl2_schemes else "0088")
    return Invoice(
        format=fmt,
        document_type=DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE,
        number="F-2025-0042",
        type_code="381" if credit else "380",
        issue_date=date(2025, 2, 14),
        currency="DKK",
        seller=Party(
            name="Kontorforsyning A/S",
            legal_id=Identifier("DK12345674", "DK:CVR" if oioubl2_schemes else "0184"),
            endpoint=seller_endpoint,
            contact=Contact(name="Salg", phone="33 12 34 56", email="salg@kontor.dk"),
        ),
        buyer=Party(
            name="Styrelsen for Eksempler",
            endpoint=buyer_endpoint,
            contact=Contact(name="Jens Jensen", phone="+4533920000", email="jj@styrelsen.dk"),
        ),
    )


def _tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def _errors(xml: bytes, rules: str) -> list[dict[str, str]]:
    corpora_path("oioubl-3", "xslt", "xslt", "DK-PEPPOLBIS-T111.xslt")
    report = oracle_report(xml, rules)
    assert "undecided" not in report, report
    return [f for f in report["fired"] if f["severity"] == "error"]


@pytest.mark.corpora
@pytest.mark.parametrize("combo", sorted(COMBINATIONS))
@pytest.mark.parametrize("status", ["RE", "UQ"])
def test_peppol_response_passes_t111(combo: str, status: str) -> None:
    xml = build_invoice_response(
        _invoice("peppol-bis3"),
        COMBINATIONS[combo],
        status=status,
        response_id="IR-1",
        issue_date=date(2025, 3, 3),
    )
    assert _errors(xml, "t111") == []


@pytest.mark.corpora
@pytest.mark.parametrize("combo", sorted(COMBINATIONS))
def test_oioubl3_response_passes_oioubl3_ir_and_t111(combo: str) -> None:
    xml = build_invoice_response(
        _invoice("oioubl-3"),
        COMBINATIONS[combo],
        status="RE",
        response_id="IR-2",
        issue_date=date(2025, 3, 3),
    )
    assert _errors(xml, "oioubl3-ir") == []
    assert _errors(xml, "t111") == []


@pytest.mark.corpora
@pytest.mark.parametrize("credit", [False, True])
def test_oioubl2_invoice_with_legacy_schemes_passes_t111(credit: bool) -> None:
    xml = build_invoice_response(
        _invoice("oioubl-2", credit=credit, oioubl2_schemes=True),
        [ORDER, TOTALS],
        status="RE",
        response_id="IR-3",
        issue_date=date(2025, 3, 3),
    )
    assert _errors(xml, "t111") == []
    root = _tree(xml)
    assert root.xpath("string(cac:ReceiverParty/cbc:EndpointID/@schemeID)", namespaces=NS) == "0184"
    assert root.xpath("string(cac:ReceiverParty/cbc:EndpointID)", namespaces=NS) == "12345674"
    assert root.xpath("string(cac:SenderParty/cbc:EndpointID/@schemeID)", namespaces=NS) == "0088"
    assert root.xpath("string(//cac:DocumentReference/cbc:DocumentTypeCode)", namespaces=NS) == (
        "381" if credit else "380"
    )


@pytest.mark.corpora
def test_wrong_flavour_is_caught_by_the_oracle() -> None:
    """The oracle test is not vacuous: a Peppol response fails the OIOUBL 3 rules on its ids."""
    xml = build_invoice_response(
        _invoice("peppol-bis3"), [ORDER], status="RE", response_id="IR-1", issue_date=date(2025, 3, 3)
    )
    assert {"OIOUBL-IR-001", "OIOUBL-IR-002"} <= {f["id"] for f in _errors(xml, "oioubl3-ir")}


def test_structure_of_reasons_actions_and_conditions() -> None:
    xml = build_invoice_response(
        _invoice("peppol-bis3"),
        [ORDER, EAN, PRICE, WARNING],
        status="RE",
        response_id="IR-9",
        issue_date=date(2025, 3, 3),
    )
    root = _tree(xml)

    def texts(path: str) -> list[str]:
        return [str(x) for x in root.xpath(path, namespaces=NS)]

    assert texts("cbc:CustomizationID/text()") == [PEPPOL_CUSTOMIZATION]
    assert texts("cbc:ProfileID/text()") == [PEPPOL_PROFILE]
    assert texts("cbc:ID/text()") == ["IR-9"]
    assert texts("cbc:IssueDate/text()") == ["2025-03-03"]
    assert texts("cac:SenderParty/cac:PartyLegalEntity/cbc:RegistrationName/text()") == [
        "Styrelsen for Eksempler"
    ]
    assert texts("cac:ReceiverParty/cac:PartyLegalEntity/cbc:RegistrationName/text()") == [
        "Kontorforsyning A/S"
    ]
    response = "cac:DocumentResponse/cac:Response"
    assert texts(f"{response}/cbc:ResponseCode/text()") == ["RE"]
    assert texts(f"{response}/cac:Status/cbc:StatusReasonCode[@listID='OPStatusReason']/text()") == [
        "REF",
        "REC",
        "PRI",
    ]  # the warning is not a reason
    assert texts(f"{response}/cac:Status/cbc:StatusReasonCode[@listID='OPStatusAction']/text()") == [
        "PIN",
        "NIN",
        "CNP",
    ]
    assert texts(f"{response}/cac:Status/cac:Condition/cbc:AttributeID/text()") == [
        "BT-13",
        "BT-49",
        "BT-146",
    ]
    assert texts(f"{response}/cac:Status/cac:Condition/cbc:Description/text()") == [
        "Ordrenummer fra indkøbssystemet",
        "5798000416604",
        "100.00",
    ]
    reasons = texts(f"{response}/cac:Status/cbc:StatusReason/text()")
    assert reasons[0] == "Fejl i BT-13 <&> æøå / Problem with BT-13"
    assert reasons[2].endswith("(linje/line 2) [fundet/found: 120.00]")
    assert texts("cac:DocumentResponse/cac:DocumentReference/cbc:ID/text()") == ["F-2025-0042"]
    assert texts("cac:DocumentResponse/cac:DocumentReference/cbc:IssueDate/text()") == ["2025-02-14"]
    # only the sender has a contact in T111
    assert texts("cac:ReceiverParty/cac:Contact") == []
    assert texts("cac:SenderParty/cac:Contact/cbc:Telephone/text()") == ["+4533920000"]


def test_oioubl3_flavour_and_unknown_codes() -> None:
    xml = build_invoice_response(
        _invoice("oioubl-3"), [WEIRD], status="UQ", response_id="IR-5", issue_date=date(2025, 3, 3)
    )
    root = _tree(xml)
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == OIOUBL3_CUSTOMIZATION
    assert root.findtext("cbc:ProfileID", namespaces=NS) == OIOUBL3_PROFILE
    codes = root.xpath("//cbc:StatusReasonCode/text()", namespaces=NS)
    assert codes == ["OTH", "OTH"]
    # an unknown reason or action is refused where the finding is made, never sent as OTH
    with pytest.raises(UnknownCodeError, match="'XYZ' is not a clarification reason code"):
        _finding("CUSTOM", "XYZ", "NIN", "BT-19")
    with pytest.raises(UnknownCodeError, match="'ZZZ' is not a clarification action code"):
        _finding("CUSTOM", "REF", "ZZZ", "BT-19")
    assert root.xpath("string(//cac:Condition/cbc:Description)", namespaces=NS) == "1234 - 5678"
    assert (
        root.xpath("string(cac:SenderParty/cac:Contact/cbc:ElectronicMail)", namespaces=NS)
        == "jj@styrelsen.dk"
    )


@pytest.mark.corpora
def test_oioubl3_contact_without_country_code_is_left_out() -> None:
    inv = _invoice("oioubl-3")
    inv.buyer.contact = Contact(name="Jens Jensen", phone="33 92 00 00", email="jj@styrelsen.dk")
    xml = build_invoice_response(inv, [ORDER], status="RE", response_id="IR-6", issue_date=date(2025, 3, 3))
    assert _tree(xml).xpath("count(cac:SenderParty/cac:Contact)", namespaces=NS) == 0
    assert _errors(xml, "oioubl3-ir") == []
    inv.format = "peppol-bis3"  # Peppol has no such rule: name and e-mail are kept, the phone is not
    xml = build_invoice_response(inv, [ORDER], status="RE", response_id="IR-6", issue_date=date(2025, 3, 3))
    contact = _tree(xml).xpath("cac:SenderParty/cac:Contact/*/text()", namespaces=NS)
    assert contact == ["Jens Jensen", "jj@styrelsen.dk"]
    assert _errors(xml, "t111") == []


def test_no_findings_with_rejection_still_gives_a_reason() -> None:
    xml = build_invoice_response(
        _invoice("peppol-bis3"), [], status="RE", response_id="X", issue_date=date.today()
    )
    root = _tree(xml)
    assert root.xpath("//cbc:StatusReasonCode[@listID='OPStatusReason']/text()", namespaces=NS) == ["OTH"]
    accepted = build_invoice_response(
        _invoice("peppol-bis3"), [], status="AP", response_id="X", issue_date=date.today()
    )
    assert _tree(accepted).xpath("count(//cac:Status)", namespaces=NS) == 0


def test_clear_errors_when_the_invoice_cannot_be_answered() -> None:
    inv = _invoice("peppol-bis3")
    with pytest.raises(InvoiceResponseError, match="status 'XX'"):
        build_invoice_response(inv, [], status="XX", response_id="X", issue_date=date.today())
    inv.number = None
    with pytest.raises(InvoiceResponseError, match=r"no number \(BT-1\)"):
        build_invoice_response(inv, [], status="RE", response_id="X", issue_date=date.today())
    inv = _invoice("peppol-bis3")
    inv.seller.endpoint = None
    inv.seller.legal_id = None
    with pytest.raises(InvoiceResponseError, match="seller has no electronic address"):
        build_invoice_response(inv, [], status="RE", response_id="X", issue_date=date.today())
    inv = _invoice("peppol-bis3")
    inv.seller.endpoint = None  # falls back to the CVR
    xml = build_invoice_response(inv, [], status="RE", response_id="X", issue_date=date.today())
    assert _tree(xml).xpath("string(cac:ReceiverParty/cbc:EndpointID/@schemeID)", namespaces=NS) == "0184"
    inv.buyer.name = None
    with pytest.raises(InvoiceResponseError, match="buyer has no name"):
        build_invoice_response(inv, [], status="RE", response_id="X", issue_date=date.today())


@pytest.mark.parametrize(
    ("identifier", "code"),
    [
        (Identifier("5798000416604", "GLN"), "0088"),
        (Identifier("5798000416604", None), "0088"),
        (Identifier("DK12345674", "DK:CVR"), "0184"),
        (Identifier("12345674", None), "0184"),
        (Identifier("12345674", "DK:SE"), "0198"),
        (Identifier("9908:987654325", "9908"), "9908"),
        (Identifier("abc", None), None),
    ],
)
def test_scheme_code(identifier: Identifier, code: str | None) -> None:
    assert scheme_code(identifier) == code


@pytest.mark.corpora
def test_service_centre_can_answer_as_sender() -> None:
    centre = Party(name="Statens Administration", endpoint=Identifier("5798000416604", "GLN"))
    xml = build_invoice_response(
        _invoice("peppol-bis3"),
        [ORDER],
        status="RE",
        response_id="IR-7",
        issue_date=date(2025, 3, 3),
        sender=centre,
    )
    root = _tree(xml)
    assert root.xpath("string(cac:SenderParty/cac:PartyLegalEntity/cbc:RegistrationName)", namespaces=NS) == (
        "Statens Administration"
    )
    assert root.xpath("count(cac:SenderParty/cac:Contact)", namespaces=NS) == 0
    assert _errors(xml, "t111") == []
    with pytest.raises(InvoiceResponseError, match="sender has no name"):
        build_invoice_response(
            _invoice("peppol-bis3"),
            [],
            status="RE",
            response_id="IR-7",
            issue_date=date(2025, 3, 3),
            sender=Party(endpoint=Identifier("5798000416604", "0088")),
        )


def _manual_and_bilingual() -> list[Finding]:
    manual = manual_return("REF", "Oplys ordrenummeret", "Give the order number", "Anna K")
    limit = replace(
        PRICE, found="120.00", found_da="120,00", expected="at most 100.00", expected_da="højst 100,00"
    )
    return [manual, limit]


def test_response_names_the_organisation_never_the_caseworker_and_speaks_both_languages() -> None:
    xml = build_invoice_response(
        _invoice("peppol-bis3"),
        _manual_and_bilingual(),
        status="RE",
        response_id="IR-9",
        issue_date=date(2025, 3, 3),
    )
    assert b"Anna K" not in xml  # before: StatusReason "... [fundet/found: returned by Anna K]"
    root = _tree(xml)
    reasons = root.xpath("//cbc:StatusReasonCode[@listID='OPStatusReason']/text()", namespaces=NS)
    assert reasons == ["REF", "PRI"]  # the code the person chose, not an internal hold's OTH
    texts = root.xpath("//cac:Status/cbc:StatusReason/text()", namespaces=NS)
    assert (
        texts[0] == "Kreditorteamet returnerer fakturaen: Oplys ordrenummeret / "
        "The creditor team returns the invoice: Give the order number"
    )
    assert "[fundet/found: 120,00 / 120.00]" in texts[1]
    assert (
        root.xpath("string(//cac:Condition/cbc:Description)", namespaces=NS)
        == "højst 100,00 / at most 100.00"
    )
    assert root.xpath("string(cac:SenderParty/cac:PartyLegalEntity/cbc:RegistrationName)", namespaces=NS) == (
        "Styrelsen for Eksempler"
    )


@pytest.mark.corpora
@pytest.mark.parametrize("fmt", ["peppol-bis3", "oioubl-3"])
def test_response_with_a_return_by_hand_and_bilingual_values_passes_t111(fmt: str) -> None:
    xml = build_invoice_response(
        _invoice(fmt), _manual_and_bilingual(), status="RE", response_id="IR-9", issue_date=date(2025, 3, 3)
    )
    assert _errors(xml, "t111") == []
    if fmt == "oioubl-3":
        assert _errors(xml, "oioubl3-ir") == []
