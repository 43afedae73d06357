"""Hostile and broken input: always a ReadError with file, field and expected, never another exception."""

from __future__ import annotations

import random

import pytest

from robot.errors import ReadError
from robot.readers import detect_format, read_document
from robot.readers.xmlsafe import parse_xml

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + f'<cbc:ID xmlns:cbc="{CBC}">&lol9;</cbc:ID>'.encode()
    + b"]><Invoice xmlns='"
    + UBL.encode()
    + b"'>&lol9;</Invoice>"
)
HOSTILE = {
    "billion-laughs": BILLION_LAUGHS,
    "xxe-file": (
        f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Invoice xmlns="{UBL}" xmlns:cbc="{CBC}">'
        "<cbc:ID>&xxe;</cbc:ID></Invoice>"
    ).encode(),
    "xxe-network": (
        f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]><Invoice xmlns="{UBL}">&xxe;</Invoice>'
    ).encode(),
    "external-dtd": f'<!DOCTYPE Invoice SYSTEM "file:///etc/passwd"><Invoice xmlns="{UBL}"/>'.encode(),
    "parameter-entity": (
        f'<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><Invoice xmlns="{UBL}"/>'
    ).encode(),
    "utf16-entity": (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "x">]>'
        f'<Invoice xmlns="{UBL}">&e;</Invoice>'
    ).encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_doctype_is_refused(name: str) -> None:
    with pytest.raises(ReadError) as info:
        read_document(HOSTILE[name], f"{name}.xml")
    err = info.value
    assert err.field == "DOCTYPE"
    assert err.file == f"{name}.xml"
    assert "refused for safety" in str(err)
    assert "root:" not in str(err)  # no /etc/passwd content leaked into the message


def test_bare_doctype_is_tolerated() -> None:
    inv = read_document(f'<!DOCTYPE Invoice><Invoice xmlns="{UBL}"/>'.encode())
    assert inv.format == "en16931-ubl"


def test_size_limit() -> None:
    big = f'<Invoice xmlns="{UBL}"><x>'.encode() + b"a" * 2000 + b"</x></Invoice>"
    with pytest.raises(ReadError, match="more than the limit") as info:
        parse_xml(big, "big.xml", max_bytes=1000)
    assert info.value.expected == "at most 1,000 bytes"


def test_default_size_limit_is_20_mb() -> None:
    huge = b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>"
    with pytest.raises(ReadError, match="more than the limit"):
        read_document(huge, "huge.xml")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n  ", "empty"),
        (b"\x00\x01\x02\xff", "not well-formed"),
        (b"not xml at all", "not well-formed"),
        (f'<Invoice xmlns="{UBL}"><cbc:ID xmlns:cbc="{CBC}">1'.encode(), "not well-formed"),
        (b"<Invoice><unclosed></Invoice>", "not well-formed"),
        (b"<Invoice/>", "root element Invoice, no namespace"),
        (b"<html><body>hi</body></html>", "a html"),
        (
            b"<rsm:CrossIndustryDocument xmlns:rsm='urn:ferd:CrossIndustryDocument:invoice:1p0'/>",
            "ZUGFeRD 1.0",
        ),
        (b"<testSet xmlns='http://difi.no/xsd/vefa/validator/1.0'/>", "a testSet"),
        (b"%PDF-1.4\n%garbage", "PDF cannot be opened"),
    ],
)
def test_junk_gives_read_error(content: bytes, reason: str) -> None:
    with pytest.raises(ReadError, match=reason.replace("(", r"\(")) as info:
        read_document(content, "junk.bin")
    assert info.value.file == "junk.bin"
    assert info.value.expected


def test_random_bytes_and_truncations_never_escape() -> None:
    rng = random.Random(20250101)
    valid = (
        f'<Invoice xmlns="{UBL}" xmlns:cbc="{CBC}" xmlns:cac="{CAC}"><cbc:ID>1</cbc:ID>'
        "<cbc:IssueDate>2024-01-02</cbc:IssueDate><cac:LegalMonetaryTotal>"
        '<cbc:PayableAmount currencyID="DKK">10.00</cbc:PayableAmount></cac:LegalMonetaryTotal></Invoice>'
    ).encode()
    samples = [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))) for _ in range(200)]
    samples += [valid[:cut] for cut in range(0, len(valid), 7)]
    read = 0
    for sample in samples:
        try:
            read_document(sample, "fuzz.xml")
            read += 1
        except ReadError as err:
            assert err.file == "fuzz.xml"
    assert read == 0  # no random prefix or noise is a whole invoice


@pytest.mark.parametrize(
    ("element", "value", "message"),
    [
        (
            "cac:LegalMonetaryTotal/cbc:PayableAmount",
            "1.234,50",
            "PayableAmount '1.234,50' is not a decimal number",
        ),
        ("cac:LegalMonetaryTotal/cbc:PayableAmount", "NaN", "PayableAmount 'NaN' is not a decimal number"),
        ("cac:LegalMonetaryTotal/cbc:PayableAmount", "1e3", "PayableAmount '1e3' is not a decimal number"),
        ("cbc:IssueDate", "31-12-2024", "IssueDate '31-12-2024' is not a date (YYYY-MM-DD)"),
        ("cbc:IssueDate", "2024-02-30", "IssueDate '2024-02-30' is not a date (YYYY-MM-DD)"),
        ("cac:InvoiceLine/cbc:InvoicedQuantity", "two", "InvoicedQuantity 'two' is not a decimal number"),
    ],
)
def test_unusable_values_name_the_field(element: str, value: str, message: str) -> None:
    opening = "".join(f"<{step}>" for step in element.split("/"))
    closing = "".join(f"</{step}>" for step in reversed(element.split("/")))
    doc = f'<Invoice xmlns="{UBL}" xmlns:cbc="{CBC}" xmlns:cac="{CAC}">{opening}{value}{closing}</Invoice>'
    with pytest.raises(ReadError) as info:
        read_document(doc.encode(), "bad.xml")
    err = info.value
    assert str(err) == f"bad.xml: {message}"
    assert err.field == element.rsplit(":", 1)[1]
    assert err.expected


def test_cii_bad_date() -> None:
    doc = (
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"'
        b' xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"'
        b' xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"><rsm:ExchangedDocument>'
        b'<ram:IssueDateTime><udt:DateTimeString format="102">2024-12-31</udt:DateTimeString>'
        b"</ram:IssueDateTime>"
        b"</rsm:ExchangedDocument></rsm:CrossIndustryInvoice>"
    )
    with pytest.raises(ReadError, match=r"IssueDateTime '2024-12-31' is not a date \(YYYYMMDD\)"):
        read_document(doc, "cii.xml")


def test_missing_elements_are_not_errors() -> None:
    inv = read_document(f'<CreditNote xmlns="{UBL.replace("Invoice-2", "CreditNote-2")}"/>'.encode())
    assert inv.is_credit_note
    assert inv.number is None and inv.lines == [] and inv.totals.payable is None
    assert inv.seller.name is None and inv.payee is None


def test_sbdh_envelope_is_unwrapped() -> None:
    doc = (
        '<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">'
        "<StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion></StandardBusinessDocumentHeader>"
        f'<Invoice xmlns="{UBL}" xmlns:cbc="{CBC}"><cbc:ID>SB-1</cbc:ID></Invoice></StandardBusinessDocument>'
    )
    assert read_document(doc.encode()).number == "SB-1"


def test_detect_format() -> None:
    assert detect_format(b"%PDF-1.7 ...") == "pdf"
    assert detect_format(f'<Invoice xmlns="{UBL}"/>'.encode()) == "en16931-ubl"
    with pytest.raises(ReadError, match="not a supported invoice"):
        detect_format(b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", "o.xml")
