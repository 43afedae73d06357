"""Agreement of the EN 16931 code-list rules (BR-CL-*, ``EN-CODE-LIST``) with the official rules.

Each mutation puts a value outside (or, for the ``tn`` ones, inside) a code list into the clean
official examples (Peppol BIS 3, EN 16931 UBL and CII); the oracle says which BR-CL ids fire, and
for every id the rule mirrors our verdict is compared with it, on each mutant and on each clean
original. Prints the per-id counts::

    .venv/bin/python -m bench.agreement_codes
    .venv/bin/python -m pytest tests/test_en16931_codes.py   # the same pass, asserted

Needs ../shared/corpora and saxonche (the oracle); the test skips cleanly without them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from bench.agreement import CORPORA, NS, Agreement
from classifiers.api import Context
from classifiers.builtin.en16931_codes import MIRRORED
from classifiers.engine import Classifier
from robot.errors import ReadError
from robot.readers import read_document
from tests.support.oracle import OracleUndecided, oracle_fired

_CBC = f"{{{NS['cbc']}}}"
_RAM = f"{{{NS['ram']}}}"


@dataclass(frozen=True)
class Mutation:
    """Set ``value`` on the first element ``ubl``/``cii`` selects: its text, or attribute ``attr``;
    with ``insert``, add a new element of that name (with ``value`` as text) after it instead."""

    ubl: str | None
    cii: str | None
    value: str
    attr: str | None = None
    insert: str | None = None


_LINE = "*[self::cac:InvoiceLine or self::cac:CreditNoteLine]"
_SELLER, _BUYER = "/*/cac:AccountingSupplierParty/cac:Party", "/*/cac:AccountingCustomerParty/cac:Party"
_SUBTOTAL = "(/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"
_HEADER_TAX = "(//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
_CII_AC = "(//ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator = '{}']/ram:ReasonCode)[1]"
_NO_TAX_CURRENCY = (
    "/*/cbc:DocumentCurrencyCode[not(../cbc:TaxCurrencyCode)]",
    "//ram:InvoiceCurrencyCode[not(../ram:TaxCurrencyCode)]",
)
_NO_EXEMPTION_CODE = (
    f"{_SUBTOTAL}[not(cbc:TaxExemptionReasonCode)]/cbc:ID)[1]",
    f"{_HEADER_TAX}[not(ram:ExemptionReasonCode)]/ram:CategoryCode)[1]",
)
_UBL_AC = "(//cac:AllowanceCharge[cbc:ChargeIndicator = '{}']/cbc:AllowanceChargeReasonCode)[1]"

#: name → mutation. The name says which id it is for; ``ok`` ones must not fire it.
MUTATIONS: dict[str, Mutation] = {
    "BR-CL-01 type code 999": Mutation(
        "/*/cbc:InvoiceTypeCode | /*/cbc:CreditNoteTypeCode", "/*/rsm:ExchangedDocument/ram:TypeCode", "999"
    ),
    "BR-CL-01 invoice typed 381": Mutation("/*/cbc:InvoiceTypeCode", None, "381"),
    "BR-CL-01 ok type code 389": Mutation(
        "/*/cbc:InvoiceTypeCode", "/*/rsm:ExchangedDocument/ram:TypeCode[. = '380']", "389"
    ),
    "BR-CL-03 VAT amount currency ZZZ": Mutation(
        f"{_SUBTOTAL}/../cbc:TaxAmount)[1]", None, "ZZZ", "currencyID"
    ),
    "BR-CL-04 currency BGN": Mutation("/*/cbc:DocumentCurrencyCode", "//ram:InvoiceCurrencyCode", "BGN"),
    "BR-CL-04 currency XCG": Mutation("/*/cbc:DocumentCurrencyCode", "//ram:InvoiceCurrencyCode", "XCG"),
    "BR-CL-05 tax currency ZZZ added": Mutation(
        _NO_TAX_CURRENCY[0], _NO_TAX_CURRENCY[1], "ZZZ", insert="TaxCurrencyCode"
    ),
    "BR-CL-05 ok tax currency SEK added": Mutation(
        _NO_TAX_CURRENCY[0], _NO_TAX_CURRENCY[1], "SEK", insert="TaxCurrencyCode"
    ),
    "BR-CL-05 tax currency set to ZZZ": Mutation("/*/cbc:TaxCurrencyCode", "//ram:TaxCurrencyCode", "ZZZ"),
    "BR-CL-10 seller id scheme 9999": Mutation(
        f"({_SELLER}/cac:PartyIdentification/cbc:ID)[1]", None, "9999", "schemeID"
    ),
    "BR-CL-10 buyer id scheme SEPA": Mutation(
        f"({_BUYER}/cac:PartyIdentification/cbc:ID)[1]", None, "SEPA", "schemeID"
    ),
    "BR-CL-10 ok seller id scheme SEPA": Mutation(
        f"({_SELLER}/cac:PartyIdentification/cbc:ID)[1]", None, "SEPA", "schemeID"
    ),
    "BR-CL-11 seller legal id scheme 9999": Mutation(
        f"{_SELLER}/cac:PartyLegalEntity/cbc:CompanyID",
        "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID",
        "9999",
        "schemeID",
    ),
    "BR-CL-13 classification list ZZ": Mutation(
        "(//cac:CommodityClassification/cbc:ItemClassificationCode)[1]",
        "(//ram:DesignatedProductClassification/ram:ClassCode)[1]",
        "ZZ9",
        "listID",
    ),
    "BR-CL-14 buyer country XX": Mutation(
        f"{_BUYER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID",
        "XX",
    ),
    "BR-CL-14 seller country dk": Mutation(
        f"{_SELLER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "//ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID",
        "dk",
    ),
    "BR-CL-16 payment means 999": Mutation(
        "(/*/cac:PaymentMeans/cbc:PaymentMeansCode)[1]",
        "(//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode)[1]",
        "999",
    ),
    "BR-CL-17 breakdown category Q": Mutation(f"{_SUBTOTAL}/cbc:ID)[1]", None, "Q"),
    "BR-CL-17 allowance category Q": Mutation(
        "(/*/cac:AllowanceCharge/cac:TaxCategory/cbc:ID)[1]",
        "(//ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax/ram:CategoryCode)[1]",
        "Q",
    ),
    "BR-CL-18 line category Q": Mutation(
        f"(/*/{_LINE}/cac:Item/cac:ClassifiedTaxCategory/cbc:ID)[1]",
        "(//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode)[1]",
        "Q",
    ),
    "BR-CL-18 breakdown category Q (CII)": Mutation(None, f"{_HEADER_TAX}/ram:CategoryCode)[1]", "Q"),
    "BR-CL-19 allowance reason 999": Mutation(_UBL_AC.format("false"), _CII_AC.format("false"), "999"),
    "BR-CL-20 charge reason ZZZZ": Mutation(_UBL_AC.format("true"), _CII_AC.format("true"), "ZZZZ"),
    "BR-CL-21 standard id scheme 9999": Mutation(
        "(//cac:StandardItemIdentification/cbc:ID)[1]",
        "(//ram:SpecifiedTradeProduct/ram:GlobalID)[1]",
        "9999",
        "schemeID",
    ),
    "BR-CL-22 exemption code VATEX-EU-999": Mutation(
        f"{_SUBTOTAL}/cbc:ID)[1]",
        f"{_HEADER_TAX}/ram:CategoryCode)[1]",
        "VATEX-EU-999",
        insert="ExemptionCode",
    ),
    "BR-CL-22 ok exemption code vatex-eu-ae": Mutation(
        f"{_SUBTOTAL}/cbc:ID)[1]",
        f"{_HEADER_TAX}/ram:CategoryCode)[1]",
        "vatex-eu-ae",
        insert="ExemptionCode",
    ),
    "BR-CL-23 unit QQQ9": Mutation(
        f"(/*/{_LINE}/cbc:InvoicedQuantity | /*/{_LINE}/cbc:CreditedQuantity)[1]",
        "(//ram:BilledQuantity)[1]",
        "QQQ9",
        "unitCode",
    ),
    "BR-CL-23 unit empty": Mutation(
        f"(/*/{_LINE}/cbc:InvoicedQuantity | /*/{_LINE}/cbc:CreditedQuantity)[1]",
        "(//ram:BilledQuantity)[1]",
        "",
        "unitCode",
    ),
    "BR-CL-23 base quantity unit QQQ9": Mutation(
        "(//cac:Price/cbc:BaseQuantity)[1]",
        "(//ram:NetPriceProductTradePrice/ram:BasisQuantity)[1]",
        "QQQ9",
        "unitCode",
    ),
    "BR-CL-25 seller endpoint scheme 9999": Mutation(
        f"{_SELLER}/cbc:EndpointID",
        "//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID",
        "9999",
        "schemeID",
    ),
    "BR-CL-24 attachment of type application/msword": Mutation(
        "(//cbc:EmbeddedDocumentBinaryObject)[1]",
        "(//ram:AttachmentBinaryObject)[1]",
        "application/msword",
        "mimeCode",
    ),
    "BR-CL-24 ok attachment of type text/csv": Mutation(
        "(//cbc:EmbeddedDocumentBinaryObject)[1]", "(//ram:AttachmentBinaryObject)[1]", "text/csv", "mimeCode"
    ),
    "BR-CL-06 VAT point date code 99": Mutation(
        "(/*/cac:InvoicePeriod/*)[1]", f"{_HEADER_TAX}/ram:CategoryCode)[1]", "99", insert="DateCode"
    ),
    "BR-CL-06 ok VAT point date code 35": Mutation(
        "(/*/cac:InvoicePeriod/*)[1]", None, "35", insert="DateCode"
    ),
    "BR-CL-03 payable in XYZ": Mutation(
        "/*/cac:LegalMonetaryTotal/cbc:PayableAmount", None, "XYZ", "currencyID"
    ),
    "BR-CL-03 ok payable in ' DKK'": Mutation(
        "/*/cac:LegalMonetaryTotal/cbc:PayableAmount", None, " DKK", "currencyID"
    ),
}

_EMPTY = "[not(normalize-space())]"

#: The disagreements with the official rules on the Peppol VEFA unit tests that the model cannot
#: remove, in the form of ``bench.agreement_all.Allowance`` (ids, only-official=False, document
#: condition, reason); ``bench/agreement_all.py`` adds them to its allow-list.
VEFA_ALLOWANCES: tuple[tuple[tuple[str, ...], bool, str, str], ...] = (
    (
        ("BR-CL-05", "BR-CL-16", "BR-CL-25", "PEPPOL-EN16931-CL008"),
        False,
        f"//cbc:TaxCurrencyCode{_EMPTY} | //ram:TaxCurrencyCode{_EMPTY}"
        f" | //cac:PaymentMeans/cbc:PaymentMeansCode{_EMPTY}"
        f" | //ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode{_EMPTY}"
        f" | //cbc:EndpointID[@schemeID]{_EMPTY}"
        f" | //ram:URIUniversalCommunication/ram:URIID[@schemeID]{_EMPTY}",
        "a coded element, or an electronic address with a scheme, present but empty: the official assert "
        "checks the empty value, the reader reads an empty element or identifier as absent.",
    ),
    (
        ("BR-CL-25", "PEPPOL-EN16931-CL008"),
        False,
        "//cbc:EndpointID[@schemeID][not(ancestor::cac:AccountingSupplierParty"
        " or ancestor::cac:AccountingCustomerParty or ancestor::cac:PayeeParty)]",
        "an electronic address outside the seller, buyer and payee parties (e.g. a misnamed party "
        "element): the model keeps only those parties' addresses.",
    ),
    (
        ("BR-CL-10",),
        False,
        "//ram:GlobalID[@schemeID]"
        "[not(ancestor::ram:SpecifiedTradeProduct) and not(ancestor::ram:ShipToTradeParty)]",
        "CII: the model keeps a party's ram:ID and ram:GlobalID alike as its identifiers (BT-29/BT-46), "
        "so it cannot tell a GlobalID (BR-CL-10) from an ID (BR-CL-11); neither is claimed for them.",
    ),
    (
        ("BR-CL-03",),
        False,
        "//ram:TaxTotalAmount[@currencyID]",
        "CII: the model does not keep the currencyID of the VAT total; BR-CL-03 is mirrored for UBL only "
        "(every amount's currencyID as written).",
    ),
)

#: what an inserted element is called, in UBL and in CII
_INSERTED = {
    "TaxCurrencyCode": (f"{_CBC}TaxCurrencyCode", f"{_RAM}TaxCurrencyCode"),
    "ExemptionCode": (f"{_CBC}TaxExemptionReasonCode", f"{_RAM}ExemptionReasonCode"),
    "DateCode": (f"{_CBC}DescriptionCode", f"{_RAM}DueDateTypeCode"),
}


def mutate(xml: bytes, mutation: Mutation) -> bytes | None:
    """The document with the mutation applied, or None when it has nothing to mutate."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    cii = root.tag.startswith(f"{{{NS['rsm']}}}")
    path = mutation.cii if cii else mutation.ubl
    nodes = [] if path is None else root.xpath(path, namespaces={**NS, "udt": _UDT})
    if not nodes:
        return None
    node = nodes[0]
    if mutation.insert:
        added = etree.Element(_INSERTED[mutation.insert][cii])
        added.text = mutation.value
        node.addnext(added)
    elif mutation.attr:
        node.set(mutation.attr, mutation.value)
    else:
        node.text = mutation.value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"


def example_files() -> list[Path]:
    """The clean official examples the EN 16931 code lists judge: Peppol BIS 3, EN 16931 UBL and CII."""
    globs = (
        "peppol-bis-invoice-3/rules/examples/*.xml",
        "en16931/ubl/examples/*.xml",
        "en16931/cii/examples/*.xml",
    )
    return [p for g in globs for p in sorted(CORPORA.glob(g))]


def our_ids(document: bytes, name: str, classifier: Classifier) -> set[str]:
    invoice = read_document(document, name)
    return {oid for f in classifier.classify(invoice, Context()).findings for oid in f.official_ids}


def _theirs(document: bytes) -> set[str] | None:
    """The ids the oracle fires, or None when it gives no verdict."""
    try:
        return oracle_fired(document)
    except OracleUndecided:
        return None


def _ours(document: bytes, name: str, classifier: Classifier) -> set[str] | str:
    """The ids our findings carry, or why the document could not be read."""
    try:
        return our_ids(document, name, classifier)
    except ReadError as exc:
        return f"unreadable for us ({exc})"


def measure() -> Agreement:
    """Every mutation of every example, and every clean example, compared per mirrored id."""
    classifier = Classifier(only=["EN-CODE-LIST"])
    agreement = Agreement()
    for path in example_files():
        clean = path.read_bytes()
        documents = [(f"{path.name} / clean", clean)]
        documents += [(f"{path.name} / {n}", m) for n, mu in MUTATIONS.items() if (m := mutate(clean, mu))]
        for case, document in documents:
            theirs, ours = _theirs(document), _ours(document, path.name, classifier)
            if theirs is None:
                continue  # the official artefact crashed: no verdict
            if isinstance(ours, str):
                agreement.disagreements.append(f"{case}: {ours}")
                continue
            agreement.cases += 1
            for official in MIRRORED:
                agreement.add(case, official, official in ours, official in theirs)
    return agreement


def main() -> int:
    result = measure()
    print(f"{result.cases} documents (clean examples and their mutations)")
    print("| official id | tp | tn | fp | fn | agreement |")
    print("|---|---:|---:|---:|---:|---:|")
    for official in MIRRORED:
        c = result.counts[official]
        print(f"| {official} | {c['tp']} | {c['tn']} | {c['fp']} | {c['fn']} | {result.rate(official):.1%} |")
    for line in result.disagreements:
        print(f"- {line}")
    return 1 if result.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
