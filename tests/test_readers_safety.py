"""Hostile and broken input: always a ReadError with file, field and expected, never another exception."""

from __future__ import annotations

import os
import pickle
import random
import re
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from robot.errors import ReadError
from robot.pdftext import TemplateSet
from robot.readers import detect_format, read_document, sandbox
from robot.readers.limits import MAX_DOCUMENT_BYTES, MiB
from robot.readers.pdf import check_pdf, embedded_xml
from robot.readers.sandbox import SandboxLimits, read_bounded
from robot.readers.sandbox.protocol import load_answer
from robot.readers.xmlsafe import parse_xml
from tests.support.handpdf import page_pdf, pdf
from tests.support.pdftools import require_pdftotext
from tests.test_hostile_sweep import deflate_bomb, embedded_files_pdf, far_text_pdf, huge_page_pdf

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


# -- PDFs built to blow a reader up, refused before pdfminer expands them ------------------------


def _name_tree_loop_pdf() -> bytes:
    """An EmbeddedFiles name tree whose node lists itself as its kid 50 times (50^16 walks unchecked)."""
    kids = b" ".join([b"4 0 R"] * 50)
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Kids [" + kids + b"] >>",
        ]
    )


PDF_BOMBS: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "flate-bomb": (
        lambda: page_pdf(deflate_bomb(40), attrs=b"/Filter /FlateDecode"),
        "Filter",
        "decompresses to more than 32 MiB",
    ),
    "huge-mediabox": (huge_page_pdf, "MediaBox", "page 1 is 1,000,000 × 1,000,000 points"),
    "huge-cropbox": (
        lambda: page_pdf(b"", mediabox=b"[0 0 595 842] /CropBox [0 0 595 99999999]"),
        "CropBox",
        "larger than the limit of 14,400 points a side",
    ),
    "inherited-mediabox": (
        lambda: pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 20000 842] >>",
                b"<< /Type /Page /Parent 2 0 R >>",
            ]
        ),
        "MediaBox",
        "page 1 is 20,000 × 842 points (MediaBox)",
    ),
    "embedded-flood": (lambda: embedded_files_pdf(21, 10), "EmbeddedFiles", "embeds more than 20 files"),
    "embedded-large": (
        lambda: embedded_files_pdf(4, 20 * MiB),
        "Filter",
        "decompress to more than 64 MiB together",
    ),
}


@pytest.mark.parametrize("name", sorted(PDF_BOMBS))
def test_pdf_bombs_are_refused_cheaply(name: str) -> None:
    build, field, message = PDF_BOMBS[name]
    content = build()
    started = time.process_time()
    with pytest.raises(ReadError, match=re.escape(message)) as info:
        read_document(content, f"{name}.pdf")
    assert time.process_time() - started < 5
    assert (info.value.file, info.value.field) == (f"{name}.pdf", field)
    assert info.value.expected


@pytest.mark.timeout(20)
def test_a_name_tree_that_loops_is_walked_once() -> None:
    assert embedded_xml(_name_tree_loop_pdf(), "loop.pdf") is None


def test_only_the_chosen_attachment_is_decompressed() -> None:
    content = embedded_files_pdf(3, 1000, name="f%d.xml")
    found = embedded_xml(content, "three.pdf")
    assert found == (b"\0" * 1000, "f0.xml")


def test_a_pdf_at_the_limits_is_still_read() -> None:
    inv_pdf = page_pdf(b"BT /F1 12 Tf 72 720 Td (Faktura) Tj ET", mediabox=b"[0 0 14400 14400]")
    check_pdf(inv_pdf, "a0.pdf")
    check_pdf(embedded_files_pdf(20, 1 * MiB), "twenty.pdf")
    check_pdf(page_pdf(zlib.compress(b" " * (30 * MiB)), attrs=b"/Filter /FlateDecode"), "30mib.pdf")


# -- the sandbox: read_bounded ------------------------------------------------------------------

SAMPLES_INBOX = Path(__file__).resolve().parent.parent / "samples" / "inbox"


@pytest.fixture(scope="module")
def templates() -> TemplateSet:
    return TemplateSet.load([SAMPLES_INBOX.parent / "pdf-templates"])


def _big_clean_xml() -> bytes:
    """A clean sample with a 1.5 MB note: over the in-process size, so it is read in the child."""
    content = (SAMPLES_INBOX / "0001-peppol-clean.xml").read_bytes()
    note = f"<cbc:Note xmlns:cbc='{CBC}'>{'x' * (1536 * 1024)}</cbc:Note>".encode()
    at = content.index(b"<cbc:DueDate")
    return content[:at] + note + content[at:]


@pytest.mark.parametrize(
    "name", ["0001-peppol-clean.xml", "0057-pdf-printed-posted.pdf", "0056-pdf-printed-held.pdf", "big.xml"]
)
def test_read_bounded_reads_like_read_document(name: str, templates: TemplateSet) -> None:
    content = _big_clean_xml() if name == "big.xml" else (SAMPLES_INBOX / name).read_bytes()
    assert read_bounded(content, name, templates) == read_document(content, name, templates)


def _too_little_pdf() -> bytes:
    """A printed PDF that shows too little of an invoice to be read without a template."""
    return page_pdf(b"BT /F1 12 Tf 72 720 Td (Tak for handlen!) Tj ET")


def test_read_errors_from_the_child_keep_field_and_expected(templates: TemplateSet) -> None:
    content = _too_little_pdf()
    with pytest.raises(ReadError) as bounded:
        read_bounded(content, "n.pdf", templates)
    with pytest.raises(ReadError) as direct:
        read_document(content, "n.pdf", templates)
    assert (bounded.value.reason, bounded.value.file, bounded.value.field, bounded.value.expected) == (
        direct.value.reason,
        direct.value.file,
        direct.value.field,
        direct.value.expected,
    )
    with pytest.raises(ReadError, match="no PDF template configured; read without a template"):
        read_bounded(content, "n.pdf", None)  # templates changed: sent again


def _many_glyphs_pdf() -> bytes:
    """1,500,000 one-letter text runs on a page: pdfplumber keeps an object per glyph (GBs)."""
    return page_pdf(b"BT /F1 1 Tf " + b"(a) Tj " * 1_500_000 + b"ET")


@pytest.fixture
def without_poppler(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A reader child on a machine without poppler: the text layer is pdfplumber's, in the child.

    With poppler installed the text is made by ``pdftotext`` in a process of its own, under its
    own limits (robot.pdftext.textlayer); these tests show that the sandbox bounds what the child
    itself does with a hostile PDF.
    """
    sandbox.shutdown()
    monkeypatch.setenv("PATH", str(tmp_path))  # no pdftotext, no prlimit
    yield
    sandbox.shutdown()


@pytest.mark.usefixtures("without_poppler")
def test_memory_limit_stops_the_reader_and_the_next_document_is_read(templates: TemplateSet) -> None:
    limits = SandboxLimits(memory_bytes=256 * MiB)
    with pytest.raises(ReadError) as info:
        read_bounded(_many_glyphs_pdf(), "far.pdf", templates, limits=limits)
    assert str(info.value) == (
        "far.pdf: reading the PDF needed more than 256 MiB of memory (the limit for one document); "
        "it was stopped and the document is held unread"
    )
    clean = (SAMPLES_INBOX / "0057-pdf-printed-posted.pdf").read_bytes()
    assert read_bounded(clean, "c.pdf", templates, limits=limits).number == "KC-2026-0397"


def test_with_poppler_a_far_flung_page_costs_the_reader_nothing(templates: TemplateSet) -> None:
    require_pdftotext()
    sandbox.shutdown()  # a child started with this test's PATH
    with pytest.raises(ReadError, match="shows too little of an invoice") as info:
        read_bounded(far_text_pdf(), "far.pdf", templates, limits=SandboxLimits(memory_bytes=256 * MiB))
    assert "Faktura" in info.value.reason  # pdftotext laid it out in a process of its own


def test_memory_limit_for_xml(templates: TemplateSet) -> None:
    wide = f'<Invoice xmlns="{UBL}">'.encode() + b"<a/>" * (8 * MiB // 4) + b"</Invoice>"
    with pytest.raises(ReadError, match=r"reading the XML document needed more than 128 MiB of memory"):
        read_bounded(wide, "wide.xml", templates, limits=SandboxLimits(memory_bytes=128 * MiB))


def _slow_pdf() -> bytes:
    """100,000 one-letter text runs: a few seconds of pdfminer CPU time, little memory."""
    return page_pdf(b"BT /F1 1 Tf " + b"(a) Tj " * 100_000 + b"ET")


@pytest.mark.usefixtures("without_poppler")
def test_cpu_limit(templates: TemplateSet) -> None:
    with pytest.raises(ReadError, match=r"slow.pdf: reading the PDF needed more than 1 s of CPU time"):
        read_bounded(_slow_pdf(), "slow.pdf", templates, limits=SandboxLimits(cpu_seconds=1))


@pytest.mark.usefixtures("without_poppler")
def test_wall_clock_limit(templates: TemplateSet) -> None:
    with pytest.raises(ReadError, match=r"slow.pdf: reading the PDF took longer than 0.5 s"):
        read_bounded(_slow_pdf(), "slow.pdf", templates, limits=SandboxLimits(wall_seconds=0.5))


def test_oversize_is_refused_without_reading() -> None:
    with pytest.raises(ReadError, match=r"more than the limit of 52,428,800 bytes") as info:
        read_bounded(b"%PDF-1.7\n" + b"0" * MAX_DOCUMENT_BYTES, "big.pdf")
    assert info.value.expected == "at most 52,428,800 bytes"


def test_the_answer_may_only_hold_the_invoice_model() -> None:
    evil = pickle.dumps(("ok", os.system, False))
    with pytest.raises(ReadError, match=r"posix.system is not allowed"):
        load_answer(evil, "evil.pdf")


def test_shutdown_stops_the_child(templates: TemplateSet) -> None:
    read_bounded((SAMPLES_INBOX / "0057-pdf-printed-posted.pdf").read_bytes(), "c.pdf", templates)
    child = sandbox._pool._child
    assert child is not None and child.alive
    sandbox.shutdown()
    assert sandbox._pool._child is None and child.proc.returncode == 0
