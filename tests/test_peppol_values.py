"""Peppol's value rules (F001, R040..R043, R046, R061, R130) on documents read from UBL, where the
written form counts; the mutation harness compares them with the official artefacts."""

from __future__ import annotations

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.readers import read_document

RULES = Classifier(only=["PEPPOL-ALLOWANCE-CHARGE", "PEPPOL-PRICE-DISCOUNT", "PEPPOL-WRITTEN-VALUES"])
UBL = """<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
<cbc:IssueDate>{date}</cbc:IssueDate>
<cac:PaymentMeans><cbc:PaymentMeansCode>{means}</cbc:PaymentMeansCode></cac:PaymentMeans>
<cac:AllowanceCharge><cbc:ChargeIndicator>{indicator}</cbc:ChargeIndicator>{ac}</cac:AllowanceCharge>
<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="EA">2</cbc:InvoicedQuantity>
<cac:Price><cbc:PriceAmount>{price}</cbc:PriceAmount>
<cbc:BaseQuantity unitCode="{base_unit}">1</cbc:BaseQuantity>
<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:Amount>2</cbc:Amount>
<cbc:BaseAmount>12</cbc:BaseAmount></cac:AllowanceCharge></cac:Price></cac:InvoiceLine>
</Invoice>"""
CLEAN = {
    "date": "2026-12-03",
    "means": "58",
    "indicator": "false",
    "ac": "<cbc:Amount>10</cbc:Amount><cbc:BaseAmount>100</cbc:BaseAmount>"
    "<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>",
    "price": "10",
    "base_unit": "EA",
}


def _ids(**changes: str) -> list[str]:
    document = UBL.format(**{**CLEAN, **changes}).encode()
    found = RULES.classify(read_document(document, "v.xml"), Context()).findings
    return sorted(i for f in found for i in f.official_ids)


def test_a_clean_document_passes() -> None:
    assert _ids() == []


def test_each_value_rule_on_its_own() -> None:
    assert _ids(date="2026-12-03+01:00") == ["PEPPOL-EN16931-F001"]  # read, but not as Peppol writes it
    assert _ids(means="59") == ["PEPPOL-EN16931-R061"]
    assert _ids(base_unit="KGM") == ["PEPPOL-EN16931-R130"]
    assert _ids(price="9") == ["PEPPOL-EN16931-R046"]
    assert _ids(
        ac="<cbc:Amount>11</cbc:Amount><cbc:BaseAmount>100</cbc:BaseAmount>"
        "<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>"
    ) == ["PEPPOL-EN16931-R040"]
    assert _ids(indicator="0") == ["PEPPOL-EN16931-R043"]


def test_a_percentage_without_base_is_r041_and_hides_r043() -> None:
    """The official R041 context comes first in its pattern: R043 never runs on that allowance."""
    assert _ids(indicator="0", ac="<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>") == [
        "PEPPOL-EN16931-R041"
    ]
