"""Peppol BIS 3's own document rules (PEPPOL-EN16931-R001..R020, P0100..P0112), and which of them an
OIOUBL 3 document gets (its artefact takes over R001, R002, R005, R020 and P0104..P0111)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from classifiers.api import Context
from classifiers.builtin.peppol_document import SPECIFICATION
from classifiers.engine import Classifier
from robot.model import Address, DocumentType, Invoice, Party, VatBreakdown

RULES = Classifier(
    only=[
        "PEPPOL-PROFILE",
        "PEPPOL-PROCESS",
        "PEPPOL-DOCUMENT",
        "PEPPOL-TYPE-CODE",
        "PEPPOL-EXEMPTION-CATEGORY",
    ]
)
PROCESS_01 = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def _invoice(fmt: str = "peppol-bis3", **fields: object) -> Invoice:
    base: dict[str, object] = {
        "profile_id": PROCESS_01,
        "customization_id": SPECIFICATION,
        "type_code": "380",
        "currency": "DKK",
        "seller": Party(name="S"),
    }
    return Invoice(format=fmt, document_type=DocumentType.INVOICE, **{**base, **fields})  # type: ignore[arg-type]


def _ids(invoice: Invoice) -> list[str]:
    return [i for f in RULES.classify(invoice, Context()).findings for i in f.official_ids]


def test_a_clean_peppol_header_passes() -> None:
    from robot.model import Identifier

    assert _ids(_invoice(seller=Party(name="S", endpoint=Identifier("5790000000000", "0088")))) == []


@pytest.mark.parametrize(
    ("fields", "fires"),
    [
        ({"profile_id": None}, ["PEPPOL-EN16931-R001", "PEPPOL-EN16931-R007"]),
        ({"profile_id": "urn:fdc:peppol.eu:2017:poacc:billing:1:1.0"}, ["PEPPOL-EN16931-R007"]),
        ({"customization_id": "urn:cen.eu:en16931:2017"}, ["PEPPOL-EN16931-R004"]),
        ({"notes": ["a", "b"]}, ["PEPPOL-EN16931-R002"]),
        ({"tax_currency": "DKK"}, ["PEPPOL-EN16931-R005"]),
        ({"type_code": "999"}, ["PEPPOL-EN16931-P0100"]),
        ({"type_code": "326"}, ["PEPPOL-EN16931-P0112"]),  # partial invoice: German parties only
        (
            {"vat_breakdown": [VatBreakdown("S", D("25"), exemption_reason_code="vatex-eu-ic")]},
            ["PEPPOL-EN16931-P0106"],  # the intra-community exemption belongs to K
        ),
    ],
)
def test_each_rule_fires_on_its_own(fields: dict[str, object], fires: list[str]) -> None:
    from robot.model import Identifier

    seller = Party(name="S", endpoint=Identifier("5790000000000", "0088"))
    assert sorted(_ids(_invoice(seller=seller, **fields))) == sorted(fires)


def test_german_parties_may_have_notes_and_partial_invoices() -> None:
    from robot.model import Identifier

    german = Party(name="G", endpoint=Identifier("1", "0088"), address=Address(country="de"))
    assert _ids(_invoice(seller=german, buyer=german, notes=["a", "b"], type_code="326")) == []


def test_oioubl_3_gets_the_rules_its_artefact_takes_over() -> None:
    invoice = _invoice(
        "oioubl-3",
        profile_id="urn:fdc:oioubl.dk:bis:billing",
        customization_id="OIOUBL-3.0",
        type_code="999",
        notes=["a", "b"],
    )
    assert _ids(invoice) == ["PEPPOL-EN16931-R002", "PEPPOL-EN16931-R020"]  # not R004, R007, P0100
