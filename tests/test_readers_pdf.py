"""Factur-X / ZUGFeRD PDFs: the embedded XML reads like its published CII twin.

The twins in XML-Rechnung/CII are later revisions of the same invoices (dates, notes and profile
differ), so the comparison covers number, currency, document type, totals, seller and lines.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from robot.errors import ReadError
from robot.readers import detect_format, read_document
from robot.readers.pdf import check_pdf, embedded_xml
from robot.readers.sandbox import read_bounded
from robot.serialize import invoice_to_json
from tests.conftest import CORPORA, corpora_path
from tests.support.handpdf import page_pdf

XR = "zugferd-corpus/XML-Rechnung"


def _pairs() -> list[object]:
    folder = CORPORA / XR / "FX"
    if not folder.exists():
        return [pytest.param(None, id="corpora-absent")]
    return [
        pytest.param(pdf, id=pdf.name)
        for pdf in sorted(folder.glob("*.pdf"))
        if (CORPORA / XR / "CII" / f"{pdf.stem}.cii.xml").exists()
    ]


@pytest.mark.parametrize("pdf", _pairs())
def test_pdf_reads_like_its_cii_twin(pdf: Path | None) -> None:
    corpora_path(XR)
    assert pdf is not None
    twin = CORPORA / XR / "CII" / f"{pdf.stem}.cii.xml"
    from_pdf = invoice_to_json(read_document(pdf.read_bytes(), pdf.name))
    from_xml = invoice_to_json(read_document(twin.read_bytes(), twin.name))
    assert from_pdf["notes"][-1].startswith("read from the XML embedded in the PDF")
    for key in ("invoice_number", "currency", "document_type", "totals"):
        assert from_pdf[key] == from_xml[key], key
    assert from_pdf["seller"]["name"] == from_xml["seller"]["name"]
    assert [ln["net_amount"] for ln in from_pdf["lines"]] == [ln["net_amount"] for ln in from_xml["lines"]]
    assert from_pdf["format"] == "cii"
    assert from_pdf["totals"]["payable"] is not None
    assert detect_format(pdf.read_bytes()) == "pdf"


def test_pdf_without_xml_is_read_without_a_template() -> None:
    folder = corpora_path("zugferd-corpus", "unstructured")
    pdf = next(p for p in sorted(folder.glob("*.pdf")) if b"EmbeddedFile" not in p.read_bytes())
    inv = read_document(pdf.read_bytes(), pdf.name)
    assert inv.format == "pdf-layout" and inv.template is None
    assert (inv.number, inv.totals.payable) == ("R0005532486", Decimal("104.00"))
    assert inv.evidence and all(e.text for e in inv.evidence)


def test_pdf_showing_too_little_is_a_clear_read_error() -> None:
    content = page_pdf(b"BT /F1 12 Tf 72 720 Td (Tak for handlen!) Tj ET")
    with pytest.raises(
        ReadError, match="read without a template, the PDF shows too little of an invoice"
    ) as info:
        read_document(content, "tak.pdf")
    assert info.value.file == "tak.pdf"


def test_embedded_xml_name() -> None:
    pdf = corpora_path(XR, "FX", "EN16931_Einfach.pdf")
    found = embedded_xml(pdf.read_bytes(), pdf.name)
    assert found is not None
    xml, name = found
    assert name == "factur-x.xml"
    assert b"<rsm:CrossIndustryInvoice" in xml


def test_no_published_pdf_is_refused_by_the_structural_checks() -> None:
    """The checks against giant pages, bombs and floods pass every PDF of the corpora, and are cheap."""
    pdfs = sorted(corpora_path().rglob("*.pdf"))
    assert len(pdfs) > 50
    started = time.perf_counter()
    for path in pdfs:
        try:
            check_pdf(path.read_bytes(), path.name)
        except ReadError as err:
            assert "cannot be opened" in err.reason, f"{path}: {err}"  # a broken test file, not a limit
    assert (time.perf_counter() - started) / len(pdfs) < 0.25


def test_pdfs_read_the_same_in_the_sandbox() -> None:
    folder = corpora_path(XR, "FX")
    for pdf in sorted(folder.glob("*.pdf"))[:8]:
        content = pdf.read_bytes()
        assert read_bounded(content, pdf.name) == read_document(content, pdf.name), pdf.name
