"""Presence in the model: where the official rule tests whether an element is there (even empty), the
robot claims the official id exactly where the official rule fires (issue 16, "Why").

Each case mutates Peppol's clean ``base-example.xml`` as the issue describes it, asks the official
artefacts (the oracle) and checks that the robot's claim of the id agrees; where the business needs
more than the official rule (an empty reference is no reference), the robot still reports it, under
its own code and without the official id.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from classifiers.api import Context, Finding
from classifiers.criteria import CustomerCriteria
from classifiers.engine import Classifier
from robot.readers import read_document
from tests.conftest import corpora_path
from tests.support.oracle import oracle_fired

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS = {"cbc": CBC, "cac": CAC}


def _mutated(change: Callable[[etree._Element], None]) -> bytes:
    path = corpora_path("peppol-bis-invoice-3", "rules", "examples", "base-example.xml")
    root = etree.fromstring(path.read_bytes())
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _emptied(xpath: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        for el in root.xpath(xpath, namespaces=NS):
            for child in list(el):
                el.remove(child)
            el.text = None

    return change


def _findings(document: bytes, **criteria: object) -> tuple[Finding, ...]:
    ctx = Context(criteria=CustomerCriteria(**criteria)) if criteria else Context()  # type: ignore[arg-type]
    return Classifier().classify(read_document(document, "mutated.xml"), ctx).findings


def _claimed(findings: tuple[Finding, ...]) -> set[str]:
    return {i for f in findings for i in f.official_ids}


def test_an_empty_legal_monetary_total_fires_br12_to_br15() -> None:
    document = _mutated(_emptied("/*/cac:LegalMonetaryTotal"))
    official = oracle_fired(document, "peppol")
    assert {"BR-12", "BR-13", "BR-14", "BR-15"} <= official
    assert {"BR-12", "BR-13", "BR-14", "BR-15"} <= _claimed(_findings(document))


def test_an_empty_buyer_reference_satisfies_r003_but_is_still_no_reference() -> None:
    def change(root: etree._Element) -> None:
        _emptied("/*/cbc:BuyerReference")(root)
        for order in root.xpath("/*/cac:OrderReference", namespaces=NS):
            root.remove(order)

    document = _mutated(change)
    assert "PEPPOL-EN16931-R003" not in oracle_fired(document, "peppol")
    findings = _findings(document, reference="person")
    assert "PEPPOL-EN16931-R003" not in _claimed(findings)
    reference = [f for f in findings if f.code == "DK-REFERENCE"]
    assert reference and reference[0].official_ids == ()  # said under the robot's own code


def test_a_missing_buyer_reference_still_claims_r003() -> None:
    def change(root: etree._Element) -> None:
        for el in root.xpath("/*/cbc:BuyerReference | /*/cac:OrderReference", namespaces=NS):
            root.remove(el)

    document = _mutated(change)
    assert "PEPPOL-EN16931-R003" in oracle_fired(document, "peppol")
    assert "PEPPOL-EN16931-R003" in _claimed(_findings(document, reference="person"))


@pytest.mark.parametrize(
    ("xpath", "fires"),
    [
        ("/*/cac:AccountingCustomerParty/cac:Party", True),  # an empty buyer party
        ("/*/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", False),  # an empty address element
    ],
)
def test_r010_fires_on_a_buyer_party_without_an_electronic_address_element(xpath: str, fires: bool) -> None:
    document = _mutated(_emptied(xpath))
    assert ("PEPPOL-EN16931-R010" in oracle_fired(document, "peppol")) is fires
    assert ("PEPPOL-EN16931-R010" in _claimed(_findings(document))) is fires
