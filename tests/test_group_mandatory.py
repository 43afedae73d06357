"""The repeated groups' mandatory content (BR-31..BR-49), as the official rules test it: the element's
presence, within the group's context (the differential harness compares them on mutated examples)."""

from __future__ import annotations

from decimal import Decimal as D

from classifiers.api import Context
from classifiers.engine import Classifier
from robot.model import AllowanceCharge, DocumentType, Invoice, Line, PaymentMeans, VatBreakdown
from robot.readers import read_document

RULES = Classifier(only=["EN-GROUP-MANDATORY"])
CII_AC = """<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
<rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeSettlement>
<ram:SpecifiedTradeAllowanceCharge>{indicator}<ram:Reason>{reason}</ram:Reason></ram:SpecifiedTradeAllowanceCharge>
</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"""


def _ids(invoice: Invoice) -> list[str]:
    return [f.official_ids[0] for f in RULES.classify(invoice, Context()).findings]


def test_each_group_lacking_its_content_is_named_by_its_rule() -> None:
    invoice = Invoice(
        format="peppol-bis3",
        document_type=DocumentType.INVOICE,
        allowances_charges=[AllowanceCharge(is_charge=False), AllowanceCharge(is_charge=True, amount=D("5"))],
        lines=[Line(id="1", allowances_charges=[AllowanceCharge(is_charge=True, reason="Fragt")])],
        vat_breakdown=[
            VatBreakdown(category="O"),
            VatBreakdown(category="S", rate=D("25"), tax_amount=D("1")),
        ],
        payment_means=[PaymentMeans(code=None)],
    )
    assert _ids(invoice) == [
        *("BR-31", "BR-32", "BR-33"),  # the allowance: no amount, category, reason
        *("BR-37", "BR-38"),  # the charge has its amount
        "BR-43",  # the line's charge: no amount (a line's has no category of its own)
        *("BR-45", "BR-46"),  # O: no rate asked (BR-48)
        "BR-45",
        "BR-49",
    ]


def test_an_allowance_is_judged_only_with_a_charge_indicator_the_official_rules_read() -> None:
    def read(indicator: str, reason: str = "") -> list[str]:
        return _ids(read_document(CII_AC.format(indicator=indicator, reason=reason).encode(), "ac.xml"))

    assert read("") == []  # no ChargeIndicator: neither allowance nor charge
    assert (
        read("<ram:ChargeIndicator><udt:Indicator>0</udt:Indicator></ram:ChargeIndicator>") == []
    )  # CII: text
    judged = read("<ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>")
    assert judged == ["BR-31", "BR-32"]  # an empty Reason element is there: BR-33 holds
