"""Peppol's identifier checks (PEPPOL-COMMON-R041..R050), on identifiers wherever they stand in a UBL
document; the mutation harness (``bench/agreement.py``) compares them with the official artefacts."""

from __future__ import annotations

import pytest

from classifiers.api import Context
from classifiers.builtin.peppol_identifiers import valid
from classifiers.engine import Classifier
from robot.readers import read_document

UBL = """<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
<cac:AccountingSupplierParty><cac:Party>{party}</cac:Party></cac:AccountingSupplierParty>
<cac:Delivery><cac:DeliveryParty><cac:PartyIdentification><cbc:ID schemeID="0208">{delivery}</cbc:ID>
</cac:PartyIdentification></cac:DeliveryParty></cac:Delivery>
</Invoice>"""


@pytest.mark.parametrize(
    ("scheme", "value", "ok"),
    [
        ("0184", "12345674", True),
        ("0184", "DK12345674", True),
        ("0184", "dk12345674", False),  # as written: DK in capitals
        ("0184", "1234567", False),
        ("0192", "974760673", True),
        ("0192", "974760674", False),
        ("0208", "0417497106", True),
        ("0007", "5560360793", True),
        ("0007", "5560360794", False),
        ("0151", "51824753556", True),
        ("0211", "IT00743110157", True),
        ("0211", "IT00743110158", False),
        ("0211", "FR12345", True),  # another country's number passes
        ("0210", "RSSMRA85T10A562S", True),
        ("0201", "AB-12", False),
    ],
)
def test_each_register_check(scheme: str, value: str, ok: bool) -> None:
    assert valid(scheme, value) is ok


def test_identifiers_are_found_wherever_they_stand() -> None:
    document = UBL.format(
        party='<cbc:EndpointID schemeID="0184">1234567</cbc:EndpointID>'
        '<cac:PartyLegalEntity><cbc:CompanyID schemeID="0201">AB-12</cbc:CompanyID></cac:PartyLegalEntity>',
        delivery="0417497107",  # a delivery party's, which the invoice model keeps nowhere else
    ).encode()
    invoice = read_document(document, "ids.xml")
    found = Classifier(only=["PEPPOL-IDENTIFIER"]).classify(invoice, Context()).findings
    assert sorted((f.official_ids[0], f.severity) for f in found) == [
        ("PEPPOL-COMMON-R042", "error"),
        ("PEPPOL-COMMON-R043", "error"),
        ("PEPPOL-COMMON-R044", "warning"),  # the Italian codes are warnings in Peppol
    ]
    assert all("\\n" not in f.message_en for f in found)
