"""Input limits: a value the store's bounded columns cannot take, or a number in other than the
digits 0-9, is a ReadError when the document is read, on every reader family, so the invoice is
held as READ-ERROR with the specific reason on the first run, alike on SQLite and PostgreSQL.

The documents are generated here (the sample builder's Peppol BIS 3 and OIOUBL 2.1 invoices, a
small CII invoice, a printed PDF's template fields) and then given one bad value each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from connectors.testing.fakes import MemoryLedger, MemoryNotifier, MemorySource
from robot.demo.samplegen import oioubl, peppol
from robot.demo.samplegen.builder import Builder
from robot.errors import ReadError
from robot.model import Invoice
from robot.pdftext import TemplateSet
from robot.pdftext.mapping import to_invoice
from robot.pdftext.values import parse_amount, parse_date
from robot.processing.context import MasterData
from robot.readers import read_document
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import MONEY, FindingRow, InvoiceRow, InvoiceState
from tests.conftest import SAMPLES

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
SUPPLIER = "cac:AccountingSupplierParty/cac:Party"


# -- documents ---------------------------------------------------------------------------------------


def _ubl(fmt: str) -> bytes:
    builder = Builder(seed=99)
    doc = builder.doc(fmt, "SFE", "K10001")
    return peppol.render(doc) if fmt == "peppol" else oioubl.render(doc)


CII_DOC = """<rsm:CrossIndustryInvoice xmlns:rsm="{rsm}" xmlns:ram="{ram}"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocument><ram:ID>CII-1</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20260302</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
   <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="H87">2</ram:BilledQuantity>
   </ram:SpecifiedLineTradeDelivery>
   <ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation>
    <ram:LineTotalAmount>100.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
   </ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Leverandør ApS</ram:Name>
    <ram:SpecifiedLegalOrganization><ram:ID schemeID="0184">91200015</ram:ID></ram:SpecifiedLegalOrganization>
   </ram:SellerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:LineTotalAmount>100.00</ram:LineTotalAmount><ram:DuePayableAmount>125.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".format(**NS)

# where each syntax carries the fields the tests change
PATHS = {
    "ubl": {
        "number": "cbc:ID",
        "currency": "cbc:DocumentCurrencyCode",
        "name": f"{SUPPLIER}/cac:PartyLegalEntity/cbc:RegistrationName|{SUPPLIER}/cac:PartyName/cbc:Name",
        "payable": "cac:LegalMonetaryTotal/cbc:PayableAmount",
        "quantity": "cac:InvoiceLine/cbc:InvoicedQuantity",
        "line_id": "cac:InvoiceLine/cbc:ID",
    },
    "cii": {
        "number": "rsm:ExchangedDocument/ram:ID",
        "currency": "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
        "ram:InvoiceCurrencyCode",
        "name": "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/"
        "ram:SellerTradeParty/ram:Name",
        "payable": "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
        "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount",
        "quantity": "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/"
        "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",
        "line_id": "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/"
        "ram:AssociatedDocumentLineDocument/ram:LineID",
    },
}
FORMATS: dict[str, tuple[Callable[[], bytes], str]] = {
    "peppol": (lambda: _ubl("peppol"), "ubl"),
    "oioubl": (lambda: _ubl("oioubl"), "ubl"),
    "cii": (CII_DOC.encode, "cii"),
}


def _with(fmt: str, field: str, value: str, content: bytes | None = None) -> bytes:
    """The generated ``fmt`` document with every element at ``field``'s path set to ``value``."""
    make, family = FORMATS[fmt]
    root = etree.fromstring(content if content is not None else make())
    found = root.xpath(PATHS[family][field], namespaces=NS)
    assert found, f"{fmt} has no {field}"
    for el in found:
        el.text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _read(fmt: str, field: str, value: str) -> Invoice:
    return read_document(_with(fmt, field, value), f"{fmt}.xml")


def _refused(fmt: str, field: str, value: str) -> ReadError:
    with pytest.raises(ReadError) as info:
        _read(fmt, field, value)
    err = info.value
    assert err.file == f"{fmt}.xml" and err.field and err.expected
    return err


ALL = pytest.mark.parametrize("fmt", list(FORMATS))


# -- texts -------------------------------------------------------------------------------------------


@ALL
def test_invoice_number_over_128_characters_is_a_read_error(fmt: str) -> None:
    assert _read(fmt, "number", "N" * 128).number == "N" * 128
    err = _refused(fmt, "number", "N" * 129)
    assert "the invoice number (BT-1, " in err.reason and "is 129 characters long" in err.reason
    assert "at most 128 characters are allowed" in err.reason
    assert f"'{'N' * 40}…' (129 characters)" in err.reason  # shortened, not 129 characters of it
    assert err.field is not None and err.field.startswith("BT-1 ")


@ALL
def test_invoice_number_longer_than_128_in_upper_case_is_a_read_error(fmt: str) -> None:
    """``number_normalised`` (String(128)) holds the number upper-cased: 'ß' becomes 'SS'."""
    err = _refused(fmt, "number", "ß" * 100)
    assert "is 200 characters long in upper case" in err.reason and "at most 128" in err.reason


@ALL
def test_supplier_name_over_256_characters_is_a_read_error(fmt: str) -> None:
    assert _read(fmt, "name", "S" * 256).seller.name == "S" * 256
    err = _refused(fmt, "name", "S" * 257)
    assert "the supplier name (BT-27, " in err.reason and "is 257 characters long" in err.reason
    assert "at most 256 characters are allowed" in err.reason


def test_supplier_name_that_is_the_supplier_key_must_fit_its_column() -> None:
    """Without CVR or electronic address the folded name is ``supplier_key`` (String(128))."""
    content = CII_DOC.replace('<ram:SpecifiedLegalOrganization><ram:ID schemeID="0184">91200015</ram:ID>'
                              "</ram:SpecifiedLegalOrganization>", "").encode()  # fmt: skip
    assert read_document(_with("cii", "name", "S" * 128, content), "cii.xml").seller.name == "S" * 128
    with pytest.raises(ReadError, match=r"is 200 characters long as the supplier's key .* at most 128"):
        read_document(_with("cii", "name", "S" * 200, content), "cii.xml")
    assert _read("cii", "name", "S" * 200).seller.name == "S" * 200  # with a CVR the key is the CVR


@ALL
@pytest.mark.parametrize("code", ["DKKK", "DK", "dkk", "ABC", "１２３"])
def test_currency_must_be_an_iso_4217_code(fmt: str, code: str) -> None:
    err = _refused(fmt, "currency", code)
    assert "the invoice currency (BT-5, " in err.reason and "is not an ISO 4217 currency code" in err.reason
    assert err.field is not None and err.field.startswith("BT-5 ")


@ALL
def test_line_id_over_64_characters_is_a_read_error(fmt: str) -> None:
    assert _read(fmt, "line_id", "L" * 64).lines[0].id == "L" * 64
    err = _refused(fmt, "line_id", "L" * 65)
    assert "the line id (BT-126, " in err.reason and "of line 1 is 65 characters long" in err.reason


@pytest.mark.parametrize(
    ("path", "term"),
    [
        ("cbc:AccountingCost", "BT-19"),
        ("cac:InvoiceLine/cbc:AccountingCost", "BT-133"),
        (f"{SUPPLIER}/cbc:EndpointID", "BT-34"),
    ],
)
def test_posted_references_over_128_characters_are_read_errors(path: str, term: str) -> None:
    root = etree.fromstring(_ubl("peppol"))
    for el in root.xpath(path, namespaces=NS) or []:
        el.getparent().remove(el)
    *head, last = path.split("/")
    parent = root.xpath("/".join([".", *head]), namespaces=NS)[0]
    el = etree.SubElement(parent, f"{{{NS['cbc']}}}{last.split(':')[1]}")
    el.text = "R" * 129
    with pytest.raises(ReadError, match=rf"\({term}, .* is 129 characters long: .* at most 128"):
        read_document(etree.tostring(root), "refs.xml")
    el.text = "R" * 128
    read_document(etree.tostring(root), "refs.xml")


# -- numbers -----------------------------------------------------------------------------------------


@ALL
def test_payable_of_10_to_the_16_is_a_read_error(fmt: str) -> None:
    """MONEY is NUMERIC(20, 4): 16 digits before the point. PostgreSQL refused more every run."""
    assert _read(fmt, "payable", "9999999999999999.9999").totals.payable == Decimal("9999999999999999.9999")
    assert _read(fmt, "payable", "000000000000000000012.50").totals.payable == Decimal("12.50")
    err = _refused(fmt, "payable", "10000000000000000.00")
    assert "(BT-115) '10000000000000000.00' has 17 digits before the decimal point" in err.reason
    assert "at most 16 fit (amounts below 10^16)" in err.reason


@ALL
def test_more_than_12_decimals_is_a_read_error(fmt: str) -> None:
    assert _read(fmt, "quantity", "1.123456789012").lines[0].quantity == Decimal("1.123456789012")
    err = _refused(fmt, "quantity", "1.1234567890123")
    assert "(BT-129) '1.1234567890123' has 13 digits after the decimal point" in err.reason


@ALL
@pytest.mark.parametrize(
    ("field", "value", "digit"),
    [
        ("payable", "１２３.００", "U+FF11 FULLWIDTH DIGIT ONE"),
        ("payable", "١٢٣.٠٠", "U+0661 ARABIC-INDIC DIGIT ONE"),
        ("payable", "12३.00", "U+0969 DEVANAGARI DIGIT THREE"),
        ("quantity", "２", "U+FF12 FULLWIDTH DIGIT TWO"),
    ],
)
def test_non_ascii_digits_are_not_numbers(fmt: str, field: str, value: str, digit: str) -> None:
    err = _refused(fmt, field, value)
    assert "is not a decimal number: it has the non-ASCII digit" in err.reason and digit in err.reason
    assert "only the digits 0-9 are numbers" in err.reason


def test_non_ascii_digits_in_dates_are_not_dates() -> None:
    root = etree.fromstring(_ubl("peppol"))
    root.find("cbc:IssueDate", NS).text = "２０２６-０３-０２"
    with pytest.raises(ReadError, match=r"IssueDate '２０２６-０３-０２' is not a date"):
        read_document(etree.tostring(root), "date.xml")


def test_hostile_values_are_quoted_safely_and_shortened() -> None:
    value = "1\u202e0\n" + "9" * 500
    with pytest.raises(ReadError) as info:
        _read("peppol", "payable", value)
    reason = info.value.reason
    assert "\u202e" not in reason and "\n" not in reason and "\\u202e" in reason and "\\x0a" in reason
    assert "(504 characters)" in reason and len(reason) < 200


# -- printed PDFs (template fields) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sep", "match"),
    [
        (
            "１２３,００",
            ",",
            r"amount '１２３,００' is not a number: it has the non-ASCII digit '１' \(U\+FF11",
        ),
        ("DKK ١٬٢٣٤", ",", "non-ASCII digit '١'"),
        ("10.000.000.000.000.000,00", ",", "has 17 digits before the decimal point; at most 16 fit"),
        ("1,1234567890123", ",", "has 13 digits after the decimal point"),
    ],
)
def test_printed_amounts_in_other_digits_or_too_large_are_read_errors(
    text: str, sep: str, match: str
) -> None:
    with pytest.raises(ReadError, match=match) as info:
        parse_amount(text, sep, "amount")
    assert info.value.field == "amount" and info.value.expected
    assert parse_amount("9.999.999.999.999.999,99", ",", "amount") == Decimal("9999999999999999.99")


def test_printed_dates_in_other_digits_are_read_errors() -> None:
    assert parse_date("02.03.2026", ["%d.%m.%Y"], "date").isoformat() == "2026-03-02"
    with pytest.raises(ReadError, match="non-ASCII digit '０'"):
        parse_date("０２.０３.２０２６", ["%d.%m.%Y"], "date")


def _fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "issuer": "Leverandør ApS",
        "invoice_number": "F-1",
        "date": None,
        "currency": "DKK",
        "cvr": "91200015",
        "amount": Decimal("125.00"),
        "amount_untaxed": Decimal("100.00"),
        "amount_tax": Decimal("25.00"),
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"invoice_number": "N" * 129}, r"the invoice number \(BT-1, fields.invoice_number\) is 129"),
        ({"issuer": "S" * 257}, r"the supplier name \(BT-27, fields.partner_name \(or issuer\)\) is 257"),
        ({"currency": "DKKK"}, r"the invoice currency \(BT-5, .*\) 'DKKK' is not an ISO 4217"),
        ({"amount": Decimal("6E15") * 2}, r"amount '12000000000000000' has 17 digits before"),  # a group: sum
        ({"amount": float("inf")}, "amount 'inf' is not a finite number"),
        ({"lines": [{"pos": "P" * 65, "amount": Decimal(1)}]}, r"the line id \(BT-126, lines.pos"),
        ({"invoice_number": "F\x00-1"}, r"the invoice number \(BT-1, .*\) 'F\\x00-1' contains a NUL"),
    ],
)
def test_template_fields_over_the_limits_are_read_errors(changes: dict[str, Any], match: str) -> None:
    assert to_invoice(_fields(), "t").number == "F-1"
    with pytest.raises(ReadError, match=match):
        to_invoice(_fields(**changes), "t")


def test_full_width_digits_do_not_make_a_cvr_or_an_account() -> None:
    inv = to_invoice(_fields(cvr="１２３４５６７８", bank_reg="１２３４", bank_account="5678"), "t")
    assert inv.seller.legal_id is None and inv.seller.vat_id is None
    assert inv.payment_means[0].branch is None and inv.payment_means[0].account == "5678"


# -- the limits are the store's ---------------------------------------------------------------------------


def test_limits_are_the_store_columns() -> None:
    from robot.readers import fieldlimits as limits  # here, so the other tests run on code without it
    from robot.readers.currencies import ISO_4217

    assert (MONEY.precision, MONEY.scale) == (limits.MONEY_PRECISION, limits.MONEY_SCALE)
    columns = InvoiceRow.__table__.columns
    assert columns["invoice_number"].type.length == limits.MAX_INVOICE_NUMBER
    assert columns["number_normalised"].type.length == limits.MAX_INVOICE_NUMBER
    assert columns["supplier_name"].type.length == limits.MAX_SUPPLIER_NAME
    assert columns["supplier_key"].type.length == limits.MAX_SUPPLIER_KEY
    assert columns["currency"].type.length == 3 and all(len(c) == 3 and c.isupper() for c in ISO_4217)
    assert FindingRow.__table__.columns["line_id"].type.length == limits.MAX_LINE_ID
    assert {"DKK", "EUR", "SEK", "NOK", "USD", "GBP", "XCG", "STN"} <= ISO_4217 and "DKKK" not in ISO_4217


# -- end to end: held as READ-ERROR on the first run, alike on SQLite and PostgreSQL ------------------------

BASE = "0001-peppol-clean.xml"
CLEAN = ("0002-oioubl-clean.xml", "0003-peppol-clean-zero-rated.xml")
BAD: dict[str, tuple[str, str, str]] = {  # file: (field, value, what the held reason says)
    "bad-payable.xml": ("payable", "10000000000000000.00", "PayableAmount (BT-115) '10000000000000000.00' "
                        "has 17 digits before the decimal point; at most 16 fit"),
    "bad-number.xml": ("number", "N" * 129, "the invoice number (BT-1, cbc:ID) is 129 characters long"),
    "bad-name.xml": ("name", "S" * 257, "the supplier name (BT-27, "),
    "bad-currency.xml": ("currency", "DKKK", "the invoice currency (BT-5, cbc:DocumentCurrencyCode) 'DKKK' "
                         "is not an ISO 4217 currency code"),
    "bad-digits.xml": ("payable", "１２３.００", "PayableAmount (BT-115) '１２３.００' is not a decimal "
                       "number: it has the non-ASCII digit '１' (U+FF11 FULLWIDTH DIGIT ONE)"),
}  # fmt: skip


def _meta(file: str) -> dict[str, Any]:
    path = SAMPLES / "inbox" / (file + ".meta.json")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _first_run(store: Store) -> dict[str, tuple[str, int, str | None, list[str]]]:
    """One run over the bad documents and two clean ones: each file's state, attempts, reason, findings."""
    source = MemorySource()
    base = (SAMPLES / "inbox" / BASE).read_bytes()
    for i, (file, (field, value, _)) in enumerate(BAD.items()):
        numbered = _with("peppol", "number", f"LIMIT-{i}", base)  # no bad document duplicates another
        source.add(file, _with("peppol", field, value, numbered), _meta(BASE))
    for file in CLEAN:
        source.add(file, (SAMPLES / "inbox" / file).read_bytes(), _meta(file))
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    ledger = MemoryLedger()
    robot = Robot(
        store,
        master,
        source=source,
        ledger=ledger,
        notifier=MemoryNotifier(),
        pdf_templates=TemplateSet.load([SAMPLES / "pdf-templates"]),
    )
    summary = robot.run(RunOptions(max_attempts=5))
    assert summary.status == "ok"
    assert len(ledger.posted) == len(CLEAN)
    outcome = {}
    for file in [*BAD, *CLEAN]:
        [row] = store.find_invoices(file)
        codes = [f.code for f in store.findings_of(row.id)]
        outcome[file] = (row.state, row.attempts, row.read_error, codes if file in BAD else [])
    return outcome


def test_over_limit_documents_are_held_as_read_errors_on_the_first_run(store: Store) -> None:
    outcome = _first_run(store)
    for file, (_, _, reason) in BAD.items():
        state, attempts, read_error, codes = outcome[file]
        assert (state, attempts, codes) == (InvoiceState.HELD, 0, ["READ-ERROR"]), (file, outcome[file])
        assert read_error is not None and read_error.startswith(f"{file}: ") and reason in read_error
    for file in CLEAN:
        assert outcome[file][0] == InvoiceState.POSTED, (file, outcome[file])


def test_sqlite_and_postgresql_give_the_same_verdicts_and_reasons(tmp_path: Path, pg_fresh_url: str) -> None:
    verdicts = []
    for url in (f"sqlite:///{tmp_path}/store.db", pg_fresh_url):
        store = Store.open(url)
        try:
            verdicts.append(_first_run(store))
        finally:
            store.close()
    sqlite, postgresql = verdicts
    assert sqlite == postgresql
    assert {file for file, (state, *_) in sqlite.items() if state == InvoiceState.HELD} == set(BAD)
