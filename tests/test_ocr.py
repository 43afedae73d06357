"""OCR of scanned PDFs (robot.pdftext.ocr): what it recovers, and that it is bounded.

The scans are made here: a Danish invoice drawn with Pillow (robot.demo.samplegen.scanned, the
sample set's scanned invoice) inside a PDF that is one image per page, no text layer. Tesseract
and poppler are required in CI and skipped elsewhere when missing (tests/support/pdftools.py).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from functools import cache

import pytest

from robot.demo.samplegen import scanned
from robot.demo.samplegen.builder import Builder
from robot.demo.samplegen.documents import DocSpec
from robot.errors import ReadError
from robot.pdftext import ocr
from robot.pdftext.ocr import DEFAULT_OCR_LIMITS, OcrLimits, OcrTooLong, ocr_text
from tests.support.pdftools import require_pdftotext, require_tesseract

pytest.importorskip("PIL", reason="Pillow draws the scanned test invoices")


@pytest.fixture(autouse=True)
def _ocr_tools() -> None:
    require_pdftotext()  # poppler-utils: pdftotext, pdfinfo and pdftoppm come together
    require_tesseract(("dan", "deu", "eng"))


@cache
def _invoice() -> tuple[DocSpec, bytes]:
    doc = Builder(2026).doc("pdf", "SFE", "K10008")  # Laboratorieudstyr Danmark A/S, IBAN payment
    return doc, scanned.render(doc)


@cache
def _page() -> tuple[int, int, bytes]:
    image = scanned.draw_page(scanned.invoice_lines(_invoice()[0]))
    return image.width, image.height, image.tobytes()


@cache
def _long_scan() -> bytes:
    """50 pages of the invoice at 100 dpi (small, so building it takes well under a second)."""
    image = scanned.draw_page(scanned.invoice_lines(_invoice()[0]), dpi=100)
    return scanned.image_pdf([(image.width, image.height, image.tobytes())] * 50, dpi=100)


def _digits(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_sample_scan_is_the_same_bytes_every_time() -> None:
    import doctest

    doc, pdf = _invoice()
    assert scanned.render(doc) == pdf
    assert pdf.startswith(b"%PDF-1.4") and b"/Font" not in pdf and b"CreationDate" not in pdf
    result = doctest.testmod(scanned)
    assert result.attempted > 0 and result.failed == 0


def test_the_scan_has_no_text_layer() -> None:
    from robot.pdftext.textlayer import NoTextLayer, pdf_text

    with pytest.raises(NoTextLayer):
        pdf_text(_invoice()[1], "scan.pdf")


def test_ocr_recovers_number_total_and_cvr_of_a_danish_scan() -> None:
    doc, pdf = _invoice()
    started = time.monotonic()
    text = ocr_text(pdf, "scan.pdf")
    took = time.monotonic() - started
    flat = _digits(text)
    assert doc.number in flat  # LD2026…
    assert f"CVR-nr.: {doc.seller.cvr}" in flat
    assert re.search(r"Fakturanr\.:\s+" + re.escape(doc.number), text)
    total = f"{doc.totals().payable:,.2f}".replace(",", "#").replace(".", ",").replace("#", ".")
    assert re.search(r"DKK\s+" + re.escape(total), text), text
    assert "Beløb" in text and "København" in text  # Danish letters read (dan traineddata)
    assert re.search(r"Moms 25 %\s{2,}", text), "columns stay apart (preserve_interword_spaces)"
    assert took < DEFAULT_OCR_LIMITS.total_seconds


def test_a_pdf_with_fonts_is_read_from_its_rendered_pages_too() -> None:
    """A PDF whose text cannot be read ((cid:…) fonts) takes the same path: its pages rendered."""
    pytest.importorskip("fpdf", reason="fpdf2 prints the sample PDFs")
    from robot.demo.samplegen import pdfprint

    doc = _invoice()[0]
    text = ocr_text(pdfprint.render(doc), "printed.pdf")
    assert re.search(r"Fakturanr\.:\s+" + re.escape(doc.number), text)
    assert f"CVR-nr.: {doc.seller.cvr}" in text


def test_pages_are_joined_by_form_feeds() -> None:
    width, height, pixels = _page()
    pdf = scanned.image_pdf([(width, height, pixels)] * 2, dpi=scanned.DPI)
    text = ocr_text(pdf, "two.pdf", limits=OcrLimits(dpi=150))
    assert text.count("\f") == 1
    first, second = text.split("\f")
    assert "Fakturanr" in first and "Fakturanr" in second


def test_a_50_page_scan_is_refused_as_too_long_before_any_page_is_read() -> None:
    pdf = _long_scan()
    started = time.monotonic()
    with pytest.raises(OcrTooLong) as caught:
        ocr_text(pdf, "long.pdf")
    assert time.monotonic() - started < 5
    assert "too long" in caught.value.reason
    assert f"50 pages, more than the {DEFAULT_OCR_LIMITS.max_pages} OCR reads" in caught.value.reason
    assert caught.value.file == "long.pdf"


def test_a_50_page_scan_stops_at_its_time_budget_with_the_pages_done() -> None:
    pdf = _long_scan()
    budget = OcrLimits(max_pages=50, total_seconds=4.0, page_seconds=10.0, dpi=100)
    started = time.monotonic()
    with pytest.raises(OcrTooLong) as caught:
        ocr_text(pdf, "long.pdf", limits=budget)
    took = time.monotonic() - started
    assert took < budget.total_seconds + 2  # the running tool is killed at the deadline
    reason = caught.value.reason
    assert "too long" in reason and "of 50 pages read" in reason, reason
    assert "budget of 4 s for the document" in reason, reason
    assert isinstance(caught.value, ReadError)  # held with this finding like any unreadable one


def test_a_page_over_its_own_budget_is_too_long() -> None:
    width, height, pixels = _page()
    pdf = scanned.image_pdf([(width, height, pixels)], dpi=scanned.DPI)
    with pytest.raises(OcrTooLong, match=re.escape("budget of 0.3 s for one page")):
        ocr_text(pdf, "slow.pdf", limits=OcrLimits(page_seconds=0.3))


@pytest.mark.parametrize("kind", ["noise", "white"])
def test_garbage_images_give_no_text_cleanly(kind: str) -> None:
    width, height = 400, 560  # a small page: noise makes Tesseract slow
    if kind == "noise":
        pixels = random.Random(15).randbytes(width * height)
    else:
        pixels = bytes([255]) * (width * height)
    pdf = scanned.image_pdf([(width, height, pixels)], dpi=72)
    try:
        text = ocr_text(pdf, f"{kind}.pdf", limits=OcrLimits(dpi=72))
    except OcrTooLong:
        raise
    except ReadError as err:
        assert "OCR found no text" in err.reason
    else:
        assert not re.search(r"\d{4}", text), text  # at most some stray letters, nothing invoice-like


def test_a_broken_pdf_is_a_read_error() -> None:
    with pytest.raises(ReadError, match="OCR failed: pdfinfo ended with exit status") as caught:
        ocr_text(b"%PDF-1.4\nnot really a pdf\n", "broken.pdf")
    assert not isinstance(caught.value, OcrTooLong)


def test_too_little_memory_is_a_read_error_not_a_crash() -> None:
    if shutil.which("prlimit") is None:
        pytest.skip("prlimit (util-linux) is not installed: the tools run without their own memory limit")
    with pytest.raises(ReadError, match="OCR failed"):
        ocr_text(_invoice()[1], "scan.pdf", limits=OcrLimits(memory_bytes=64 * 1024 * 1024))


def test_missing_tools_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "tesseract" else real(name))
    with pytest.raises(ReadError, match="OCR is not installed here \\(tesseract not found"):
        ocr_text(_invoice()[1], "scan.pdf")


def test_a_huge_page_is_rendered_coarser_not_larger() -> None:
    limits = OcrLimits()
    dpi = ocr._dpi(14_400.0, 14_400.0, limits)  # 200 x 200 inches, the largest page the PDF check lets in
    assert dpi < 20
    assert (200 * dpi) ** 2 <= limits.max_page_pixels
    assert ocr._dpi(595.0, 842.0, limits) == 300  # A4 at the full resolution


def test_the_tools_get_no_secrets_and_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKTURAROBOT_DATABASE_URL", "postgresql://user:secret@db/x")
    runner = ocr._Runner("/tmp", DEFAULT_OCR_LIMITS, "x.pdf")
    assert set(runner.env) <= {"PATH", "OMP_THREAD_LIMIT", "TESSDATA_PREFIX"}
    assert runner.env["OMP_THREAD_LIMIT"] == "1"


_UNDER_SANDBOX_LIMITS = """
import json, resource, sys
import robot.pdftext, robot.readers.pdf, robot.pdftext.ocr  # loaded before the limits, as the child does
from robot.readers.limits import READ_CPU_SECONDS, READ_MEMORY_BYTES
from robot.readers.sandbox.child import _vm_bytes
ceiling = _vm_bytes("VmSize") + READ_MEMORY_BYTES
resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
used = resource.getrusage(resource.RUSAGE_SELF)
cpu = int(used.ru_utime + used.ru_stime) + 1 + READ_CPU_SECONDS
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
from robot.pdftext.ocr import ocr_text
text = ocr_text(sys.stdin.buffer.read(), "scan.pdf")
child = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"text": text, "tools_peak_rss": child.ru_maxrss * 1024, "ceiling": ceiling}))
"""


def test_ocr_works_under_the_reader_sandboxs_limits() -> None:
    """The sandbox child's RLIMIT_AS and RLIMIT_CPU are inherited by the OCR tools: they fit."""
    from robot.readers.sandbox.supervisor import _CHILD_ENV

    doc, pdf = _invoice()
    env = {k: v for k, v in os.environ.items() if k in _CHILD_ENV or k.startswith("LC_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    done = subprocess.run(
        [sys.executable, "-c", _UNDER_SANDBOX_LIMITS],
        input=pdf,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    answer = json.loads(done.stdout)
    assert doc.number in answer["text"]
    assert answer["tools_peak_rss"] < 300 * 1024 * 1024


def test_a_scan_is_read_by_ocr_inside_the_reader_sandbox() -> None:
    """read_bounded → the sandbox child → no text layer → OCR → the template-free reader."""
    from robot.readers.sandbox import read_bounded

    doc, pdf = _invoice()
    invoice = read_bounded(pdf, "scan.pdf")
    assert invoice.ocr is True
    assert invoice.number == doc.number
    assert invoice.totals.payable == doc.totals().payable
    assert invoice.seller.vat_id == f"DK{doc.seller.cvr}"


def test_a_50_page_scan_in_the_sandbox_is_a_too_long_read_error() -> None:
    from robot.readers.sandbox import read_bounded

    started = time.monotonic()
    with pytest.raises(ReadError, match="too long for OCR: 50 pages") as caught:
        read_bounded(_long_scan(), "long.pdf")
    assert time.monotonic() - started < 15  # the child's start and the PDF checks, no OCR
    assert caught.value.file == "long.pdf"


def test_a_garbage_scan_in_the_sandbox_is_a_read_error() -> None:
    from robot.readers.sandbox import read_bounded

    pdf = scanned.image_pdf([(400, 560, random.Random(7).randbytes(400 * 560))], dpi=300)  # 1.3 x 1.9 in
    with pytest.raises(ReadError, match=r"OCR found no text|too little of an invoice"):
        read_bounded(pdf, "noise.pdf")
