"""Agreement of the EN 16931 / OIOUBL arithmetic rules with the official rules (the oracle).

For every official id one of our rules claims, count where our rule and the oracle agree:
on mutations of the clean official examples (an amount changed, a field dropped, ...) and on the
Peppol VEFA unit test sets. Writes ``docs/agreement-en16931.md``::

    .venv/bin/python -m bench.agreement            # measure and write the report
    .venv/bin/python -m pytest tests/test_differential_en16931.py   # the same numbers, asserted

Needs ../shared/corpora and saxonche (the oracle); the test skips cleanly without them.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"

from classifiers.api import Context  # noqa: E402
from classifiers.engine import Classifier  # noqa: E402
from robot.errors import ReadError  # noqa: E402
from robot.readers import read_document  # noqa: E402
from tests.support.oracle import OracleUndecided, iter_vefa_cases, oracle_fired  # noqa: E402

FAMILIES = (
    "en16931_mandatory",
    "en16931_totals",
    "en16931_vat",
    "en16931_vat_rates",
    "en16931_groups",
    "en16931_vat_parties",
    "en16931_conditions",
    "en16931_periods",
    "en16931_schemes",
    "en16931_vat_context",
    "en16931_other_parties",
    "peppol_tax_totals",
    "en16931_codes",
    "peppol_document",
    "peppol_identifiers",
    "peppol_values",
    "en16931_lines",
    "oioubl",
)
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
_LINE = "*[self::cac:InvoiceLine or self::cac:CreditNoteLine]"
_CII_SUM = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_LINE_TAX = f"/*/{_LINE}[1]/cac:Item/cac:ClassifiedTaxCategory"
_CII_LINE_TAX = (
    "(//ram:IncludedSupplyChainTradeLineItem)[1]/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
)
_AC = "/*/cac:AllowanceCharge[cbc:ChargeIndicator = '{0}']"
_CII_INDICATOR = "ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator = '{0}']"
_CII_AC = f"//ram:ApplicableHeaderTradeSettlement/{_CII_INDICATOR}"
_DOC_AC = f"{_AC}/cac:TaxCategory"
_CII_DOC_AC = f"{_CII_AC}/ram:CategoryTradeTax"
_SUBTOTAL = "/*/cac:TaxTotal/cac:TaxSubtotal[1]"
_BREAKDOWN = f"{_SUBTOTAL}/cac:TaxCategory"
_CII_BREAKDOWN = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax[1]"
#: the VAT category rules (BR-x-05, -06, -07, -10): a line's, an allowance's, a charge's category or
#: rate changed, an exemption reason added to or taken from a breakdown
_VAT_CATEGORY_MUTATIONS: dict[str, tuple[str, str, str]] = {
    **{
        f"line category {code}": (f"{_LINE_TAX}/cbc:ID", f"{_CII_LINE_TAX}/ram:CategoryCode", f"={code}")
        for code in ("Z", "E", "AE", "K", "G", "O", "L", "M", "B")
    },
    "line rate 0": (f"{_LINE_TAX}/cbc:Percent", f"{_CII_LINE_TAX}/ram:RateApplicablePercent", "=0"),
    "line rate -1": (f"{_LINE_TAX}/cbc:Percent", f"{_CII_LINE_TAX}/ram:RateApplicablePercent", "=-1"),
    "no line rate": (f"{_LINE_TAX}/cbc:Percent", f"{_CII_LINE_TAX}/ram:RateApplicablePercent", "drop"),
    **{
        f"{kind} category {code}": (
            f"{_DOC_AC.format(flag)}/cbc:ID",
            f"{_CII_DOC_AC.format(flag)}/ram:CategoryCode",
            f"={code}",
        )
        for kind, flag in (("allowance", "false"), ("charge", "true"))
        for code in ("Z", "E", "AE", "K", "G", "O", "L", "M")
    },
    **{
        f"{kind} rate 0": (
            f"{_DOC_AC.format(flag)}/cbc:Percent",
            f"{_CII_DOC_AC.format(flag)}/ram:RateApplicablePercent",
            "=0",
        )
        for kind, flag in (("allowance", "false"), ("charge", "true"))
    },
    **{
        f"breakdown category {code}": (
            f"{_BREAKDOWN}/cbc:ID",
            f"{_CII_BREAKDOWN}/ram:CategoryCode",
            f"={code}",
        )
        for code in ("S", "E", "AE", "K", "G", "O", "L", "M")
    },
    "exemption reason added": (
        _BREAKDOWN,
        _CII_BREAKDOWN,
        "add:TaxExemptionReason|ExemptionReason=Fritaget",
    ),
    "no exemption reason": (
        f"{_BREAKDOWN}/cbc:TaxExemptionReason | {_BREAKDOWN}/cbc:TaxExemptionReasonCode",
        f"{_CII_BREAKDOWN}/ram:ExemptionReason | {_CII_BREAKDOWN}/ram:ExemptionReasonCode",
        "drop",
    ),
}
_LINE_AC = f"/*/{_LINE}/cac:AllowanceCharge[cbc:ChargeIndicator = '{{0}}']"
_CII_LINE_AC = f"//ram:SpecifiedLineTradeSettlement/{_CII_INDICATOR}"
_AC_PARTS = (
    ("amount", "cbc:Amount", "ram:ActualAmount"),
    (
        "reason",
        "*[self::cbc:AllowanceChargeReason or self::cbc:AllowanceChargeReasonCode]",
        "*[self::ram:Reason or self::ram:ReasonCode]",
    ),
    ("category", "cac:TaxCategory", "ram:CategoryTradeTax"),
)
#: the groups' mandatory content (BR-31..BR-49): one element of an allowance, a charge, a VAT
#: breakdown or a payment instruction taken away
_GROUP_MUTATIONS: dict[str, tuple[str, str, str]] = {
    **{
        f"{where}{kind} without {what}": (
            f"({ubl.format(flag)})[1]/{ubl_child}",
            f"({cii.format(flag)})[1]/{cii_child}",
            "drop",
        )
        for where, ubl, cii in (("", _AC, _CII_AC), ("line ", _LINE_AC, _CII_LINE_AC))
        for kind, flag in (("allowance", "false"), ("charge", "true"))
        for what, ubl_child, cii_child in _AC_PARTS
    },
    "breakdown without taxable amount": (
        f"{_SUBTOTAL}/cbc:TaxableAmount",
        f"{_CII_BREAKDOWN}/ram:BasisAmount",
        "drop",
    ),
    "breakdown without tax amount": (
        f"{_SUBTOTAL}/cbc:TaxAmount",
        f"{_CII_BREAKDOWN}/ram:CalculatedAmount",
        "drop",
    ),
    "breakdown without category": (
        f"{_SUBTOTAL}/cac:TaxCategory/cbc:ID",
        f"{_CII_BREAKDOWN}/ram:CategoryCode",
        "drop",
    ),
    "breakdown without rate": (
        f"{_SUBTOTAL}/cac:TaxCategory/cbc:Percent",
        f"{_CII_BREAKDOWN}/ram:RateApplicablePercent",
        "drop",
    ),
    "no seller tax ids": (
        "/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme",
        "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration",
        "drop",
    ),
    "no buyer tax ids": (
        "/*/cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme",
        "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration",
        "drop",
    ),
    "no buyer legal id": (
        "/*/cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        "//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID",
        "drop",
    ),
    "tax currency SEK": (  # (where there is none: the XSD allows one)
        "/*[not(cbc:TaxCurrencyCode)]",
        "//ram:ApplicableHeaderTradeSettlement[not(ram:TaxCurrencyCode)]",
        "add:TaxCurrencyCode|TaxCurrencyCode=SEK",
    ),
    "no profile id": ("/*/cbc:ProfileID", "//ram:BusinessProcessSpecifiedDocumentContextParameter", "drop"),
    "profile not peppol": (
        "/*/cbc:ProfileID",
        "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
        "=billing",
    ),
    "a second note": ("/*/cbc:Note[1]", "//rsm:ExchangedDocument/ram:IncludedNote[1]", "twice"),
    "no seller endpoint": (
        "/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
        "//ram:SellerTradeParty/ram:URIUniversalCommunication",
        "drop",
    ),
    "type code 326": ("/*/cbc:InvoiceTypeCode", "//rsm:ExchangedDocument/ram:TypeCode", "=326"),
    "type code 999": (
        "/*/cbc:InvoiceTypeCode | /*/cbc:CreditNoteTypeCode",
        "//rsm:ExchangedDocument/ram:TypeCode",
        "=999",
    ),
    "exemption code VATEX-EU-G": (
        _BREAKDOWN,
        _CII_BREAKDOWN,
        "add:TaxExemptionReasonCode|ExemptionReasonCode=VATEX-EU-G",
    ),
    "issue date with time zone": ("/*/cbc:IssueDate", "//rsm:ExchangedDocument/ram:IssueDateTime", "tz"),
    "allowance percent 10": (
        f"({_AC.format('false')})[1]",
        f"({_CII_AC.format('false')})[1]",
        "add:MultiplierFactorNumeric|CalculationPercent=10",
    ),
    "allowance base 1000": (
        f"({_AC.format('false')})[1]",
        f"({_CII_AC.format('false')})[1]",
        "add:BaseAmount|BasisAmount=1000",
    ),
    "charge indicator 1": (
        f"({_AC.format('true')})[1]/cbc:ChargeIndicator",
        f"({_CII_AC.format('true')})[1]/ram:ChargeIndicator/udt:Indicator",
        "=1",
    ),
    "payment means 59": (
        "(/*/cac:PaymentMeans)[1]/cbc:PaymentMeansCode",
        "(//ram:SpecifiedTradeSettlementPaymentMeans)[1]/ram:TypeCode",
        "=59",
    ),
    "base quantity unit XYZ": (
        f"(/*/{_LINE}/cac:Price/cbc:BaseQuantity)[1]",
        "(//ram:NetPriceProductTradePrice/ram:BasisQuantity)[1]",
        "unit:XYZ",
    ),
    "price discount +1": (
        f"(/*/{_LINE}/cac:Price/cac:AllowanceCharge/cbc:Amount)[1]",
        "(//ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ActualAmount)[1]",
        "+1",
    ),
    "payment means without code": (
        "(/*/cac:PaymentMeans)[1]/cbc:PaymentMeansCode",
        "(//ram:SpecifiedTradeSettlementPaymentMeans)[1]/ram:TypeCode",
        "drop",
    ),
}
_SELLER_ENDPOINT = "/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"
_CII_SELLER_ENDPOINT = "//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID"
#: the Peppol identifier checks (PEPPOL-COMMON-R041..R050): the seller's electronic address given a
#: scheme with a register check, and a valid or an invalid number of that register
_IDENTIFIER_MUTATIONS: dict[str, tuple[str, str, str]] = {
    f"seller endpoint {scheme} {value!r}": (
        _SELLER_ENDPOINT,
        _CII_SELLER_ENDPOINT,
        f"scheme:{scheme}={value}",
    )
    for scheme, values in (
        ("0184", ("12345674", "1234567", "DK1234567X", " 12345674")),
        ("0192", ("974760673", "974760674")),
        ("0208", ("0417497106", "0417497107")),
        ("0007", ("5560360793", "5560360794")),
        ("0151", ("51824753556", "51824753557")),
        ("0201", ("ABC123", "AB-12")),
        ("0210", ("RSSMRA85T10A562S", "RSSMRA85T10A56")),
        ("9907", ("12345678901", "1234567890")),
        ("0211", ("IT00743110157", "IT00743110158")),
    )
    for value in values
}
_NO_CII = "/rsm:CrossIndustryInvoice/rsm:NoSuchElement"  # (a UBL-only mutation)
_FIRST_PRICE_INDICATOR = f"(/*/{_LINE}/cac:Price/cac:AllowanceCharge/cbc:ChargeIndicator)[1]"
_NO_PERIOD = ("/*[not(.//cac:InvoicePeriod)]", "/*[not(.//ram:BillingSpecifiedPeriod)]")
#: aggregates written into a document that has no invoicing period, by the parts of ``write:SPEC``
#: (``;``-separated): ``D:start,end`` the document's period, ``L:start,end`` the first line's, ``DC:code``
#: the VAT point date code (UBL the document period's DescriptionCode, CII a breakdown's
#: DueDateTypeCode), ``TP:date`` the VAT point date, ``BR:number`` a preceding invoice reference,
#: ``PR:n`` project references, ``LO:codes`` the first line's document references, ``AT:mime`` an
#: attachment, ``PY:name`` a payee, ``TR:letters`` a tax representative (see the writers below)
_WRITTEN_MUTATIONS: dict[str, tuple[str, str, str]] = {
    name: (*_NO_PERIOD, f"write:{spec}")
    for name, spec in (
        ("period inverted", "D:2026-12-31,2026-12-01"),
        ("period ordered", "D:2026-12-01,2026-12-31"),
        ("period start only", "D:2026-12-01,"),
        ("empty period", "D:,"),
        ("period of a code only, 35", "DC:35"),
        ("period code 99", "D:2026-12-01,;DC:99"),
        ("period code 432", "D:,2026-12-31;DC:432"),
        ("line period inverted", "L:2026-12-31,2026-12-01"),
        ("empty line period", "L:,"),
        ("line period end only", "L:,2026-12-01"),
        ("line period before the invoice's", "D:2026-12-01,2026-12-31;L:2026-11-01,2026-12-15"),
        ("line period after the invoice's", "D:2026-12-01,2026-12-31;L:2026-12-02,2027-01-05"),
        ("line period within the invoice's", "D:2026-12-01,2026-12-31;L:2026-12-02,2026-12-30"),
        ("line period, invoice start only", "D:2026-12-10,;L:2026-12-01,2026-12-30"),
        ("line period, invoice end only", "D:,2026-12-10;L:2026-12-01,2026-12-30"),
        ("tax point date", "TP:2026-12-01"),
        ("tax point date and date code", "TP:2026-12-01;DC:35"),
        ("tax point date and date code 5", "TP:2026-12-01;DC:5"),
        ("preceding invoice INV-1", "BR:INV-1"),
        ("preceding invoice without number", "BR:-"),
        ("preceding invoice, number empty", "BR:"),
        ("two project references", "PR:2"),
        ("one project reference", "PR:1"),
        ("a line's invoiced object", "LO:130"),
        ("a line's two invoiced objects", "LO:130,130"),
        ("a line's document reference of type 50", "LO:50"),
        ("a line's document reference without type", "LO:-"),
        ("an attached PDF", "AT:application/pdf"),
        ("an attached Word file", "AT:application/msword"),
        ("an attached ' image/png'", "AT: image/png"),
        ("an attachment without reference", "AT:-"),
        ("a payee", "PY:Inkasso A/S"),
        ("a payee without name", "PY:"),
        ("the seller as payee", "PY:="),
        ("a tax representative", "TR:NAV"),
        ("a tax representative without name", "TR:AV"),
        ("a tax representative without address", "TR:NV"),
        ("a tax representative without country", "TR:NaV"),
        ("a tax representative without VAT id", "TR:NA"),
    )
}
_FIRST_LINE_AMOUNT = f"/*/{_LINE}[1]/cbc:LineExtensionAmount"
_TRANSFER_UBL = "normalize-space(cbc:PaymentMeansCode) = '30' or normalize-space(cbc:PaymentMeansCode) = '58'"
_TRANSFER_CII = "ram:TypeCode = '30' or ram:TypeCode = '58'"
_TRANSFER_ACCOUNT_ID = (
    f"(/*/cac:PaymentMeans[{_TRANSFER_UBL}]/cac:PayeeFinancialAccount/cbc:ID)[1]",
    f"(//ram:SpecifiedTradeSettlementPaymentMeans[{_TRANSFER_CII}]/ram:PayeePartyCreditorFinancialAccount"
    "/*[self::ram:IBANID or self::ram:ProprietaryID])[1]",
)
_SELLER_VAT = (
    "(/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']"
    "/cbc:CompanyID)[1]",
    "(//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VA'])[1]",
)
#: Peppol's own code lists and currencies (CL002, CL003, CL007, CL008, R044, R051)
_PEPPOL_VALUE_MUTATIONS: dict[str, tuple[str, str, str]] = {
    "line amount in EUR": (_FIRST_LINE_AMOUNT, _NO_CII, "attr:currencyID=EUR"),
    "line amount in XYZ": (_FIRST_LINE_AMOUNT, _NO_CII, "attr:currencyID=XYZ"),
    "line amount in ' DKK'": (_FIRST_LINE_AMOUNT, _NO_CII, "attr:currencyID= DKK"),
    "line amount without currency": (_FIRST_LINE_AMOUNT, _NO_CII, "attr:currencyID"),
    "VAT total in SEK": ("/*/cac:TaxTotal[cac:TaxSubtotal][1]/cbc:TaxAmount", _NO_CII, "attr:currencyID=SEK"),
    "seller endpoint scheme ' 0088'": (_SELLER_ENDPOINT, _NO_CII, "attr:schemeID= 0088"),
    "seller endpoint scheme 9999": (_SELLER_ENDPOINT, _CII_SELLER_ENDPOINT, "attr:schemeID=9999"),
    "seller endpoint scheme 0203": (_SELLER_ENDPOINT, _CII_SELLER_ENDPOINT, "attr:schemeID=0203"),
    "allowance reason code 999": (
        f"({_AC.format('false')})[1]/cbc:AllowanceChargeReasonCode",
        f"({_CII_AC.format('false')})[1]/ram:ReasonCode",
        "=999",
    ),
    "charge reason code XYZ": (
        f"({_AC.format('true')})[1]/cbc:AllowanceChargeReasonCode",
        f"({_CII_AC.format('true')})[1]/ram:ReasonCode",
        "=XYZ",
    ),
    "price charge": (_FIRST_PRICE_INDICATOR, _NO_CII, "=true"),
    "VAT total +0.001": (
        "/*/cac:TaxTotal[cac:TaxSubtotal][1]/cbc:TaxAmount",
        f"{_CII_SUM}/ram:TaxTotalAmount",
        "+0.001",
    ),
    "gross price -5": (
        f"(/*/{_LINE}/cac:Price/cac:AllowanceCharge/cbc:BaseAmount)[1]",
        "(//ram:GrossPriceProductTradePrice/ram:ChargeAmount)[1]",
        "=-5",
    ),
    "seller endpoint without scheme": (_SELLER_ENDPOINT, _CII_SELLER_ENDPOINT, "attr:schemeID"),
    "seller endpoint scheme empty": (_SELLER_ENDPOINT, _CII_SELLER_ENDPOINT, "attr:schemeID="),
    "buyer endpoint without scheme": (
        "/*/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
        "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID",
        "attr:schemeID",
    ),
    "standard item id without scheme": (
        "(//cac:StandardItemIdentification/cbc:ID)[1]",
        "(//ram:SpecifiedTradeProduct/ram:GlobalID)[1]",
        "attr:schemeID",
    ),
    "classification without list id": (
        "(//cbc:ItemClassificationCode)[1]",
        "(//ram:DesignatedProductClassification/ram:ClassCode)[1]",
        "attr:listID",
    ),
    "credit transfer without account id": (*_TRANSFER_ACCOUNT_ID, "drop"),
    "credit transfer account id empty": (*_TRANSFER_ACCOUNT_ID, "="),
    "credit transfer without account": (
        f"(/*/cac:PaymentMeans[{_TRANSFER_UBL}]/cac:PayeeFinancialAccount)[1]",
        f"(//ram:SpecifiedTradeSettlementPaymentMeans[{_TRANSFER_CII}]/ram:PayeePartyCreditorFinancialAccount)[1]",
        "drop",
    ),
    "payment means 30": (
        "(/*/cac:PaymentMeans)[1]/cbc:PaymentMeansCode",
        "(//ram:SpecifiedTradeSettlementPaymentMeans)[1]/ram:TypeCode",
        "=30",
    ),
    "seller VAT id without prefix": (*_SELLER_VAT, "=12345678"),
    "seller VAT id 'D 1234'": (*_SELLER_VAT, "=D 1234"),
    "seller VAT id EL123456789": (*_SELLER_VAT, "=EL123456789"),
    "a second VAT total with breakdown": ("/*/cac:TaxTotal[cac:TaxSubtotal][1]", _NO_CII, "twice"),
    "VAT total without breakdown": ("/*/cac:TaxTotal/cac:TaxSubtotal", _NO_CII, "drop"),
    "VAT total in SEK, 100": ("/*[not(cbc:TaxCurrencyCode)]", _NO_CII, "taxtotal:SEK=100"),
    "VAT total in SEK, -100": ("/*[not(cbc:TaxCurrencyCode)]", _NO_CII, "taxtotal:SEK=-100"),
    "VAT total in SEK, no code": ("/*[not(cbc:TaxCurrencyCode)]", _NO_CII, "taxtotal:=100"),
    "price allowance ' false '": (_FIRST_PRICE_INDICATOR, _NO_CII, "= false "),
    "price allowance without indicator": (_FIRST_PRICE_INDICATOR, _NO_CII, "drop"),
}
# name → (UBL XPath, CII XPath, action); actions: +N (add N), x2, drop, 3dec, =TEXT (set the text),
# add:UBLNAME|CIINAME=TEXT (a new child element before the last one, e.g. before cac:TaxScheme),
# attr:NAME=VALUE (set an attribute; attr:NAME takes it away), write:SPEC (see _WRITTEN_MUTATIONS)
MUTATIONS: dict[str, tuple[str, str, str]] = {
    "line amount +100": (f"/*/{_LINE}[1]/cbc:LineExtensionAmount", "//ram:LineTotalAmount", "+100"),
    "line price x2": (
        f"/*/{_LINE}[1]/cac:Price/cbc:PriceAmount",
        "//ram:NetPriceProductTradePrice/ram:ChargeAmount",
        "x2",
    ),
    "line total +1": (
        "/*/cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
        f"{_CII_SUM}/ram:LineTotalAmount",
        "+1",
    ),
    "tax exclusive +1": (
        "/*/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
        f"{_CII_SUM}/ram:TaxBasisTotalAmount",
        "+1",
    ),
    "tax inclusive +1": (
        "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
        f"{_CII_SUM}/ram:GrandTotalAmount",
        "+1",
    ),
    "payable +10": ("/*/cac:LegalMonetaryTotal/cbc:PayableAmount", f"{_CII_SUM}/ram:DuePayableAmount", "+10"),
    "vat total +5": (
        "/*/cac:TaxTotal[cac:TaxSubtotal][1]/cbc:TaxAmount",
        f"{_CII_SUM}/ram:TaxTotalAmount",
        "+5",
    ),
    "category tax +5": (
        "/*/cac:TaxTotal/cac:TaxSubtotal[1]/cbc:TaxAmount",
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax[1]/ram:CalculatedAmount",
        "+5",
    ),
    "category taxable +50": (
        "/*/cac:TaxTotal/cac:TaxSubtotal[1]/cbc:TaxableAmount",
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax[1]/ram:BasisAmount",
        "+50",
    ),
    "rounding 20": (
        "/*/cac:LegalMonetaryTotal/cbc:PayableRoundingAmount",
        f"{_CII_SUM}/ram:RoundingAmount",
        "+20",
    ),
    "3-decimal payable": (
        "/*/cac:LegalMonetaryTotal/cbc:PayableAmount",
        f"{_CII_SUM}/ram:DuePayableAmount",
        "3dec",
    ),
    "3-decimal line": (f"/*/{_LINE}[1]/cbc:LineExtensionAmount", "//ram:LineTotalAmount", "3dec"),
    "no invoice number": ("/*/cbc:ID", "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID", "drop"),
    "no issue date": (
        "/*/cbc:IssueDate",
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IssueDateTime",
        "drop",
    ),
    "no lines": (f"/*/{_LINE}", "//ram:IncludedSupplyChainTradeLineItem", "drop"),
    "no currency": ("/*/cbc:DocumentCurrencyCode", "//ram:InvoiceCurrencyCode", "drop"),
    "no line item name": (
        f"/*/{_LINE}[1]/cac:Item/cbc:Name",
        "(//ram:SpecifiedTradeProduct/ram:Name)[1]",
        "drop",
    ),
    **_VAT_CATEGORY_MUTATIONS,
    **_GROUP_MUTATIONS,
    **_IDENTIFIER_MUTATIONS,
    **_WRITTEN_MUTATIONS,
    **_PEPPOL_VALUE_MUTATIONS,
}


def example_files() -> list[Path]:
    """The clean official examples: Peppol BIS 3, EN 16931 UBL and CII, OIOUBL 2.1, OIOUBL 3."""
    globs = (
        "peppol-bis-invoice-3/rules/examples/*.xml",
        "en16931/ubl/examples/*.xml",
        "en16931/cii/examples/*.xml",
        "oioubl-2.1/Eksempelfiler/OIOUBL_Invoice*.xml",
        "oioubl-2.1/Eksempelfiler/OIOUBL_CreditNote*.xml",
        "oioubl-3/examples/invoice/*.xml",
        "oioubl-3/examples/creditnote/*.xml",
    )
    return [p for g in globs for p in sorted(CORPORA.glob(g))]


def mutate(xml: bytes, name: str) -> bytes | None:
    """The document with one mutation applied, or None when the target element is absent."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    ubl_path, cii_path, action = MUTATIONS[name]
    cii = root.tag.startswith(f"{{{NS['rsm']}}}")
    nodes = root.xpath(cii_path if cii else ubl_path, namespaces=NS)
    if not nodes:
        return None
    for node in nodes if action == "drop" else nodes[:1]:
        if action == "drop":
            node.getparent().remove(node)
        elif action.startswith("scheme:"):
            scheme, _, value = action[7:].partition("=")
            node.set("schemeID", scheme)
            node.text = value
        elif action.startswith("attr:"):
            attribute, has_value, value = action[5:].partition("=")
            if has_value:
                node.set(attribute, value)
            else:
                node.attrib.pop(attribute, None)
        elif action.startswith("taxtotal:"):
            _write_tax_total(node, *action[9:].split("="))
        elif action.startswith("write:"):
            _write(node, cii, action[6:])
        elif action == "tz":
            node.text = f"{(node.text or '').strip()}+01:00"
        elif action.startswith("unit:"):
            node.set("unitCode", action[5:])
        elif action == "twice":
            node.addnext(etree.fromstring(etree.tostring(node)))
        elif action.startswith("="):
            node.text = action[1:]
        elif action.startswith("add:"):
            names, _, text = action[4:].partition("=")
            ubl_name, _, cii_name = names.partition("|")
            child = etree.Element(f"{{{NS['ram']}}}{cii_name}" if cii else f"{{{NS['cbc']}}}{ubl_name}")
            child.text = text
            (node[-1].addprevious(child) if len(node) else node.append(child))
        elif action == "3dec":
            node.text = f"{Decimal(node.text.strip()).quantize(Decimal('0.001')):f}"
        elif action == "x2":
            node.text = f"{Decimal(node.text.strip()) * 2:f}"
        else:
            node.text = f"{Decimal(node.text.strip()) + Decimal(action[1:]):f}"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _sub(parent: etree._Element, prefix: str, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(prefix, name))
    child.text = text
    return child


def _period(parent: etree._Element, cii: bool, start: str, end: str, code: str | None) -> None:
    if cii:
        period = _sub(parent, "ram", "BillingSpecifiedPeriod")
        for name, value in (("StartDateTime", start), ("EndDateTime", end)):
            if value:
                _sub(_sub(period, "ram", name), "udt", "DateTimeString", value.replace("-", "")).set(
                    "format", "102"
                )
        return
    period = _sub(parent, "cac", "InvoicePeriod")
    for name, value in (("StartDate", start), ("EndDate", end), ("DescriptionCode", code)):
        if value:
            _sub(period, "cbc", name, value)


def _write_tax_total(root: etree._Element, currency: str, amount: str) -> None:
    """A VAT total in ``currency`` without a breakdown, and (a currency given) the VAT accounting
    currency code: BT-111 and BT-6 written into a UBL document."""
    if currency:
        code = _q("cbc", "TaxCurrencyCode")
        anchor = root.find(_q("cbc", "DocumentCurrencyCode"))
        element = etree.Element(code)
        element.text = currency
        (anchor.addnext(element) if anchor is not None else root.append(element))
    total = _sub(root, "cac", "TaxTotal")
    _sub(total, "cbc", "TaxAmount", amount).set("currencyID", currency or "SEK")


def _tax_point(root: etree._Element, settlement: etree._Element, cii: bool, day: str) -> None:
    """BT-7: UBL ``cbc:TaxPointDate``, CII the first breakdown's ``ram:TaxPointDate``."""
    if cii:
        taxes = settlement.xpath("ram:ApplicableTradeTax", namespaces=NS)
        if taxes:
            point = _sub(taxes[0], "ram", "TaxPointDate")
            _sub(point, "udt", "DateString", day.replace("-", "")).set("format", "102")
        return
    issued = root.find(_q("cbc", "IssueDate"))
    point = etree.Element(_q("cbc", "TaxPointDate"))
    point.text = day
    (issued.addnext(point) if issued is not None else root.append(point))


def _billing_reference(root: etree._Element, settlement: etree._Element, cii: bool, number: str) -> None:
    """BG-3 with ``number`` as BT-25 (``-``: without the element, empty: the element empty)."""
    if cii:
        reference = _sub(settlement, "ram", "InvoiceReferencedDocument")
        if number != "-":
            _sub(reference, "ram", "IssuerAssignedID", number or None)
        return
    reference = _sub(root, "cac", "BillingReference")
    document = _sub(reference, "cac", "InvoiceDocumentReference")
    if number != "-":
        _sub(document, "cbc", "ID", number or None)


def _attachment(root: etree._Element, cii: bool, mime: str) -> None:
    """BG-24 with an attached object of ``mime`` (``-``: a PDF, and no reference BT-122)."""
    unreferenced, mime = mime == "-", "application/pdf" if mime == "-" else mime
    if cii:
        agreement = root.xpath("//ram:ApplicableHeaderTradeAgreement", namespaces=NS)[0]
        document = _sub(agreement, "ram", "AdditionalReferencedDocument")
        if not unreferenced:
            _sub(document, "ram", "IssuerAssignedID", "BILAG-1")
        _sub(document, "ram", "TypeCode", "916")
        attached = _sub(document, "ram", "AttachmentBinaryObject", "QUJD")
    else:
        document = _sub(root, "cac", "AdditionalDocumentReference")
        if not unreferenced:
            _sub(document, "cbc", "ID", "BILAG-1")
        attached = _sub(_sub(document, "cac", "Attachment"), "cbc", "EmbeddedDocumentBinaryObject", "QUJD")
    attached.set("mimeCode", mime)
    attached.set("filename", "bilag")


def _payee(root: etree._Element, settlement: etree._Element, cii: bool, name: str) -> None:
    """BG-10 named ``name`` (empty: no name; ``=``: the seller's name)."""
    if name == "=":
        seller = root.xpath(
            "//ram:SellerTradeParty/ram:Name/text()"
            if cii
            else "//cac:AccountingSupplierParty//cac:PartyName/cbc:Name/text()",
            namespaces=NS,
        )
        name = str(seller[0]) if seller else "Seller"
    if cii:
        payee = _sub(settlement, "ram", "PayeeTradeParty")
        if name:
            _sub(payee, "ram", "Name", name)
        return
    payee = _sub(root, "cac", "PayeeParty")
    if name:
        _sub(_sub(payee, "cac", "PartyName"), "cbc", "Name", name)


def _tax_representative(root: etree._Element, cii: bool, spec: str) -> None:
    """BG-11 with, by the letters of ``spec``: N a name, A a postal address with its country code, a one
    without, V a VAT identifier."""
    if cii:
        agreement = root.xpath("//ram:ApplicableHeaderTradeAgreement", namespaces=NS)[0]
        party = _sub(agreement, "ram", "SellerTaxRepresentativeTradeParty")
        if "N" in spec:
            _sub(party, "ram", "Name", "Repræsentant")
        if "A" in spec or "a" in spec:
            address = _sub(party, "ram", "PostalTradeAddress")
            _sub(address, "ram", "CityName", "By")
            if "A" in spec:
                _sub(address, "ram", "CountryID", "DK")
        if "V" in spec:
            _sub(_sub(party, "ram", "SpecifiedTaxRegistration"), "ram", "ID", "DK12345678").set(
                "schemeID", "VA"
            )
        return
    party = _sub(root, "cac", "TaxRepresentativeParty")
    if "N" in spec:
        _sub(_sub(party, "cac", "PartyName"), "cbc", "Name", "Repræsentant")
    if "A" in spec or "a" in spec:
        address = _sub(party, "cac", "PostalAddress")
        _sub(address, "cbc", "CityName", "By")
        if "A" in spec:
            _sub(_sub(address, "cac", "Country"), "cbc", "IdentificationCode", "DK")
    if "V" in spec:
        scheme = _sub(party, "cac", "PartyTaxScheme")
        _sub(scheme, "cbc", "CompanyID", "DK12345678")
        _sub(_sub(scheme, "cac", "TaxScheme"), "cbc", "ID", "VAT")


def _write(root: etree._Element, cii: bool, spec: str) -> None:
    """The parts of ``spec`` (see :data:`_WRITTEN_MUTATIONS`) written into the document ``root``."""
    parts = dict(part.split(":", 1) for part in spec.split(";"))
    if cii:
        settlement = root.xpath("//ram:ApplicableHeaderTradeSettlement", namespaces=NS)[0]
        line = (root.xpath("(//ram:SpecifiedLineTradeSettlement)[1]", namespaces=NS) or [None])[0]
        if "DC" in parts:
            taxes = settlement.xpath("ram:ApplicableTradeTax", namespaces=NS)
            if taxes:
                _sub(taxes[0], "ram", "DueDateTypeCode", parts["DC"])
    else:
        settlement = root
        line = (root.xpath(f"/*/{_LINE}[1]", namespaces=NS) or [None])[0]
    if "TP" in parts:
        _tax_point(root, settlement, cii, parts["TP"])
    if "BR" in parts:
        _billing_reference(root, settlement, cii, parts["BR"])
    if "PR" in parts and not cii:
        for n in range(int(parts["PR"])):
            reference = _sub(root, "cac", "AdditionalDocumentReference")
            _sub(reference, "cbc", "ID", f"PROJ-{n}")
            _sub(reference, "cbc", "DocumentTypeCode", "50")
    if "LO" in parts and line is not None and not cii:
        for code in parts["LO"].split(","):
            reference = _sub(line, "cac", "DocumentReference")
            _sub(reference, "cbc", "ID", "OBJ-1")
            if code != "-":
                _sub(reference, "cbc", "DocumentTypeCode", code)
    if "AT" in parts:
        _attachment(root, cii, parts["AT"])
    if "PY" in parts:
        _payee(root, settlement, cii, parts["PY"])
    if "TR" in parts:
        _tax_representative(root, cii, parts["TR"])
    if "D" in parts or ("DC" in parts and not cii):
        start, _, end = parts.get("D", ",").partition(",")
        _period(settlement, cii, start, end, parts.get("DC"))
    if "L" in parts and line is not None:
        start, _, end = parts["L"].partition(",")
        _period(line, cii, start, end, None)


def comparable(official: str, rules: str) -> bool:
    """Whether the oracle's rule set for a document contains this official id at all."""
    if official.startswith("F-"):
        return rules.startswith("oioubl-")
    if official.startswith("PEPPOL-"):
        return rules in ("peppol", "oioubl3-invoice", "oioubl3-creditnote")
    return rules in ("peppol", "en16931-ubl", "en16931-cii")


@dataclass
class Agreement:
    """Confusion counts per official id: tp both fire, fn only the oracle, fp only ours."""

    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    disagreements: list[str] = field(default_factory=list)
    cases: int = 0
    held: list[str] = field(default_factory=list)  # unreadable for us where the official rules fail it too

    def add(self, case: str, official: str, ours: bool, theirs: bool) -> None:
        key = {(True, True): "tp", (False, False): "tn", (True, False): "fp", (False, True): "fn"}[
            (ours, theirs)
        ]
        self.counts[official][key] += 1
        if ours != theirs:
            self.disagreements.append(f"{case}: {official} ours={ours} official={theirs}")

    def rate(self, official: str) -> float:
        c = self.counts[official]
        decided = sum(c.values())
        return (c["tp"] + c["tn"]) / decided if decided else 1.0


def _our_ids(
    document: bytes,
    name: str,
    classifier: Classifier,
    force_format: str | None = None,
    warnings: bool = False,
) -> set[str]:
    """The official ids of our errors (and ``warnings``: of our warnings too) on a document."""
    invoice = read_document(document, name)
    if force_format:
        invoice.format = force_format
    result = classifier.classify(invoice, Context())
    return {oid for f in result.findings if warnings or f.severity == "error" for oid in f.official_ids}


def claimed_ids(classifier: Classifier) -> set[str]:
    return {oid for spec in classifier.rules for oid in spec.official_ids}


def measure_mutations(classifier: Classifier) -> Agreement:
    agreement = Agreement()
    claimed = claimed_ids(classifier)
    for path in example_files():
        clean = path.read_bytes()
        for name in MUTATIONS:
            mutant = mutate(clean, name)
            if mutant is None:
                continue
            case = f"{path.name} / {name}"
            try:
                theirs = oracle_fired(mutant, severity="error")
                rules = _rule_set(mutant)
                ours = _our_ids(mutant, path.name, classifier)
            except OracleUndecided:
                continue
            except ReadError as exc:
                agreement.disagreements.append(f"{case}: unreadable for us ({exc})")
                continue
            agreement.cases += 1
            for official in sorted(claimed):
                if comparable(official, rules):
                    agreement.add(case, official, official in ours, official in theirs)
    return agreement


def _rule_set(document: bytes) -> str:
    from tests.support.oracle import oracle_report

    return str(oracle_report(document)["rules"])


def measure_vefa(classifier: Classifier) -> Agreement:
    """VEFA unit tests: for each asserted id we claim, our rule fires iff the test says it must."""
    agreement = Agreement()
    # the code-list rules' VEFA verdicts are compared, with their reviewed allow-list (an empty
    # element the model reads as absent), by bench.agreement_all
    listed = {oid for spec in classifier.rules if spec.family == "en16931_codes" for oid in spec.official_ids}
    claimed = claimed_ids(classifier) - listed
    # Peppol's own document and identifier rules judge a Peppol UBL document only; a CII test
    # judged as Peppol here (for the line arithmetic, R120) is not theirs
    ubl_only = {
        oid
        for spec in classifier.rules
        if spec.family != "en16931_lines"
        for oid in spec.official_ids
        if oid.startswith("PEPPOL-")
    }
    for folder in ("unit-UBL-PEPPOL", "unit-CII-PEPPOL"):
        directory = CORPORA / "peppol-bis-invoice-3" / "rules" / folder
        for case in iter_vefa_cases(directory):
            asserted = (case.errors | case.successes) & (claimed - ubl_only if "CII" in folder else claimed)
            if not asserted:
                continue
            force = "peppol-bis3" if case.rules == "peppol" or "CII" in folder else None
            try:
                # a VEFA test's expectations name warnings as well as errors: so do ours here
                ours = _our_ids(case.document, case.name, classifier, force_format=force, warnings=True)
            except ReadError as exc:
                if case.errors & asserted:  # both refuse it: the robot holds what it cannot read
                    agreement.held.append(f"{case.name}: {exc}")
                else:
                    agreement.disagreements.append(f"{case.name}: unreadable for us ({exc})")
                continue
            agreement.cases += 1
            for official in sorted(asserted):
                agreement.add(f"{folder}/{case.name}", official, official in ours, official in case.errors)
    return agreement


def render(mutations: Agreement, vefa: Agreement) -> str:
    out = [
        "# Agreement of the EN 16931 and OIOUBL arithmetic rules with the official rules",
        "",
        "Generated by `bench/agreement.py` (do not edit by hand). Ours = the robot's rules",
        f"({', '.join(FAMILIES)}); official = the Schematron artefacts run by the oracle.",
        "tp: both fire, tn: neither, fp: only ours, fn: only the official rules.",
        "",
    ]
    for title, agreement, what in (
        ("Mutations of the official clean examples", mutations, "mutated documents"),
        ("Peppol VEFA unit test sets (unit-UBL-PEPPOL, unit-CII-PEPPOL)", vefa, "VEFA test cases"),
    ):
        out += [f"## {title}", "", f"{agreement.cases} {what}.", ""]
        out += ["| official id | tp | tn | fp | fn | agreement |", "|---|---:|---:|---:|---:|---:|"]
        for official in sorted(agreement.counts):
            c = agreement.counts[official]
            out.append(
                f"| {official} | {c['tp']} | {c['tn']} | {c['fp']} | {c['fn']} "
                f"| {agreement.rate(official):.1%} |"
            )
        out += ["", "Disagreements:", ""]
        out += [f"- {d}" for d in agreement.disagreements] or ["- none"]
        out.append("")
    return "\n".join(out)


def main(write: Callable[[str], object] | None = None) -> int:
    classifier = Classifier(only=FAMILIES)
    text = render(measure_mutations(classifier), measure_vefa(classifier))
    (write or (ROOT / "docs" / "agreement-en16931.md").write_text)(text)
    print(text)
    return 0


def iter_ids(agreement: Agreement) -> Iterator[tuple[str, Counter[str]]]:
    yield from sorted(agreement.counts.items())


if __name__ == "__main__":
    sys.exit(main())
