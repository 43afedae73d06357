"""OCR for scanned PDFs and PDFs whose text cannot be read: poppler renders, Tesseract reads.

:func:`ocr_text` is called when :func:`robot.pdftext.textlayer.pdf_text` raised
:class:`~robot.pdftext.textlayer.NoTextLayer`. Page by page, poppler's ``pdftoppm`` renders one
grayscale image (at most :attr:`OcrLimits.dpi`, fewer dots for a page so large that it would
pass :attr:`OcrLimits.max_page_pixels`) into a private temporary folder, and ``tesseract -l
dan+deu+eng --psm 4 -c preserve_interword_spaces=1`` reads it; the pages' text joined by form
feeds is the document's text, laid out much like ``pdftotext -layout`` (columns kept apart by
runs of spaces), so the template-free reader and the templates can read it. The page image is
deleted before the next page is rendered: memory holds one page, whatever the document's length.

Both tools are Debian packages (``poppler-utils``; ``tesseract-ocr`` with
``tesseract-ocr-dan``, ``-deu``, ``-eng``) run as plain subprocesses: no shell, an environment
with ``PATH`` and ``TESSDATA_PREFIX`` only (``OMP_THREAD_LIMIT=1``: Tesseract's OpenMP threads
make one page twice as slow on a busy machine, and each would reserve memory), by
:func:`robot.pdftext.tools.run_tool` under ``prlimit`` (address space
:attr:`OcrLimits.memory_bytes`, never above the limit the process already has, e.g. the reader
sandbox's; CPU :attr:`OcrLimits.page_seconds`; no core files), a timeout, and output read up to
:attr:`OcrLimits.max_page_chars`. Why no binding (pytesseract, tesserocr) nor ocrmypdf:
``docs/ocr.md``.

Bounded: at most :attr:`OcrLimits.max_pages` pages (a longer scan is refused before any page is
read), :attr:`OcrLimits.page_seconds` per page and :attr:`OcrLimits.total_seconds` for the
document; the defaults keep a normal 1-3 page scan (about 2 s of CPU a page, 3-7 s of wall clock
on this machine, quiet to busy) well inside the reader sandbox's 90 s wall clock. A document over
a limit is a :class:`~robot.errors.ReadError` saying it is too long (pages read, the budget), so
the invoice is held with that finding; it never hangs. Text recognised from images can be wrong:
an invoice read by OCR is always held for a person's check (the ``PDF-OCR`` rule).

The text read is kept in the robot's cache (:class:`~robot.pdftext.text_cache.TextCache`) under
its SHA-256, the tools' versions, the languages' trained data and every :class:`OcrLimits` value:
the same bytes are not read again (the web console shows an invoice from its stored bytes).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import tempfile
import time
from dataclasses import asdict, dataclass

from robot.errors import ReadError
from robot.pdftext import tools
from robot.pdftext.text_cache import TextCache

__all__ = ["DEFAULT_OCR_LIMITS", "OcrLimits", "OcrTooLong", "ocr_text", "ocr_tools_problem"]

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class OcrLimits:
    """What reading one scanned document by OCR may cost."""

    max_pages: int = 10
    """Pages at most; a longer scan is refused unread (an invoice is rarely over a few pages)."""
    page_seconds: float = 20.0
    """Wall-clock time for one page (rendering and recognition), and each tool's CPU limit."""
    total_seconds: float = 60.0
    """Wall-clock time for the whole document: two thirds of the reader sandbox's 90 s, the rest
    is for the PDF's other reading (structure, text layer, the reader after OCR)."""
    dpi: int = 300
    """Rendering resolution: what Tesseract reads best for 8-12 pt print."""
    max_page_pixels: int = 10_000_000
    """One page image at most (A4 at 300 dpi is 8.7 million); a larger page is rendered coarser."""
    memory_bytes: int = 384 * MiB
    """Address space for ``pdftoppm`` and ``tesseract`` each (Tesseract with three languages
    needs under 200 MiB for an A4 page), and never more than the caller's own limit."""
    max_page_chars: int = 200_000
    """Text read back from one page at most (a dense A4 page is under 10,000 characters)."""
    languages: str = "dan+deu+eng"
    psm: int = 4
    """Tesseract's page segmentation: 4 is one column of text of varying sizes, which keeps an
    invoice's label-value rows on one line."""


DEFAULT_OCR_LIMITS = OcrLimits()


CacheChoice = TextCache | bool
"""The cache a reading uses: the robot's (True, :meth:`TextCache.configured`), this one, or none."""


class OcrTooLong(ReadError):
    """The scan has more pages than OCR reads, or reading it took longer than its budget."""


_PAGE = re.compile(rb"^Page\s+(\d+)\s+MediaBox:\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", re.M)
_PAGES = re.compile(rb"^Pages:\s+(\d+)", re.M)
_TOOLS = ("pdfinfo", "pdftoppm", "tesseract")
_CPU_SIGNALS = (-signal.SIGXCPU, -signal.SIGKILL)
_EXPECTED = "a scanned invoice of at most {pages} pages that OCR reads within {seconds:g} s"


def ocr_tools_problem() -> str | None:
    """Why OCR cannot run here (a tool missing), or None."""
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if not missing:
        return None
    return (
        f"OCR is not installed here ({', '.join(missing)} not found; Debian packages poppler-utils, "
        "tesseract-ocr, tesseract-ocr-dan, tesseract-ocr-deu, tesseract-ocr-eng)"
    )


def ocr_text(
    content: bytes, filename: str = "<bytes>", *, limits: OcrLimits | None = None, cache: CacheChoice = True
) -> str:
    """The text of a scanned PDF, recognised page by page (pages separated by form feeds).

    Raises :class:`OcrTooLong` when the scan has too many pages or its budget ran out, and a
    :class:`~robot.errors.ReadError` when OCR is not installed, a tool fails, or no text was found.
    """
    lim = limits or DEFAULT_OCR_LIMITS
    problem = ocr_tools_problem()
    if problem is not None:
        raise ReadError(f"{problem}; the scanned PDF cannot be read", file=filename, expected="OCR installed")
    store = TextCache.configured() if cache is True else cache or None
    if store is None:
        return _recognise(content, filename, lim)
    return store.read_through(content, _reading(lim), lambda: _recognise(content, filename, lim))


def _recognise(content: bytes, filename: str, lim: OcrLimits) -> str:
    """OCR of every page, within ``lim`` (see :func:`ocr_text`)."""
    started = time.monotonic()
    deadline = started + lim.total_seconds
    with tempfile.TemporaryDirectory(prefix="fakturarobot-ocr-") as tmp:
        source = os.path.join(tmp, "in.pdf")
        with open(source, "wb") as handle:
            handle.write(content)
        run = _Runner(tmp, lim, filename)
        try:
            sizes = run.page_sizes(source, min(deadline, started + lim.page_seconds))
        except _OutOfTime:
            raise _too_long(
                f"its pages could not even be counted within {min(lim.page_seconds, lim.total_seconds):g} s; "
                "it was stopped and is held unread",
                filename,
                lim,
            ) from None
        if len(sizes) > lim.max_pages:
            raise _too_long(
                f"{len(sizes)} pages, more than the {lim.max_pages} OCR reads; it is held unread",
                filename,
                lim,
            )
        pages: list[str] = []
        for number, (width_pt, height_pt) in enumerate(sizes, start=1):
            page_deadline = min(deadline, time.monotonic() + lim.page_seconds)
            try:
                pages.append(run.page(source, number, _dpi(width_pt, height_pt, lim), page_deadline))
            except _OutOfTime:
                spent = time.monotonic() - started
                over_total = page_deadline >= deadline
                budget = (
                    f"the budget of {lim.total_seconds:g} s for the document"
                    if over_total
                    else f"the budget of {lim.page_seconds:g} s for one page"
                )
                raise _too_long(
                    f"{number - 1} of {len(sizes)} pages read in {spent:.1f} s when page {number} ran "
                    f"past {budget}; it was stopped and is held unread",
                    filename,
                    lim,
                ) from None
    text = "\f".join(pages)
    if not any(char.isalnum() for char in text):
        raise ReadError(
            f"OCR found no text on the scanned PDF's {len(sizes)} page(s)",
            file=filename,
            expected="a scanned invoice with legible print",
        )
    return text


def _too_long(why: str, filename: str, lim: OcrLimits) -> OcrTooLong:
    return OcrTooLong(
        f"the scanned PDF is too long for OCR: {why}",
        file=filename,
        expected=_EXPECTED.format(pages=lim.max_pages, seconds=lim.total_seconds),
    )


def _reading(lim: OcrLimits) -> dict[str, object] | None:
    """What the text depends on besides the bytes: the tools' versions, the languages' trained
    data, the limits; None when a version cannot be told (then nothing is cached)."""
    env = _tool_env()
    versions = tools.tool_versions((("pdfinfo", "-v"), ("pdftoppm", "-v"), ("tesseract", "--version")), env)
    trained = tools.tesseract_data(lim.languages, env)
    if versions is None or trained is None:
        return None
    return {"reading": "ocr", "tools": versions, "tessdata": trained, "limits": asdict(lim)}


def _tool_env() -> dict[str, str]:
    """The tools' whole environment: a path, the trained data's folder, one OpenMP thread."""
    path = os.environ.get("PATH", os.defpath)
    return tools.clean_env(("TESSDATA_PREFIX",), PATH=path, OMP_THREAD_LIMIT="1")


def _dpi(width_pt: float, height_pt: float, lim: OcrLimits) -> int:
    """The resolution to render a page at: ``lim.dpi``, less when the image would be too large."""
    area = max(width_pt, 1.0) * max(height_pt, 1.0) / (72 * 72)  # square inches
    return max(1, min(lim.dpi, math.floor(math.sqrt(lim.max_page_pixels / area))))


class _OutOfTime(Exception):
    """A tool ran past its deadline (and was killed)."""


class _Runner:
    """Runs poppler and Tesseract for one document in its temporary folder."""

    def __init__(self, folder: str, lim: OcrLimits, filename: str) -> None:
        self.folder = folder
        self.lim = lim
        self.filename = filename
        self.env = _tool_env()
        self.prefix = tools.prlimit_prefix(lim.memory_bytes, max(1, math.ceil(lim.page_seconds)))

    def page_sizes(self, source: str, deadline: float) -> list[tuple[float, float]]:
        """Each page's MediaBox width and height in points (``pdfinfo -box``), in page order."""
        head = self._run(["pdfinfo", "-f", "1", "-l", "1", source], "pdfinfo", deadline)
        found = _PAGES.search(head)
        if found is None:
            raise ReadError("the PDF's pages cannot be counted for OCR", file=self.filename)
        count = int(found.group(1))
        if count > self.lim.max_pages:
            return [(0.0, 0.0)] * count  # refused by the caller; the sizes are not needed
        last = str(max(count, 1))
        info = self._run(["pdfinfo", "-box", "-f", "1", "-l", last, source], "pdfinfo", deadline)
        sizes: dict[int, tuple[float, float]] = {}
        for m in _PAGE.finditer(info):
            x0, y0, x1, y1 = (float(v) for v in m.group(2, 3, 4, 5))
            sizes[int(m.group(1))] = (abs(x1 - x0), abs(y1 - y0))
        return [sizes.get(n, (612.0, 792.0)) for n in range(1, count + 1)]

    def page(self, source: str, number: int, dpi: int, deadline: float) -> str:
        """One page rendered at ``dpi`` and recognised; its image is deleted afterwards."""
        image = os.path.join(self.folder, "page")
        side = str(math.isqrt(self.lim.max_page_pixels * 4))  # a hard cap whatever pdfinfo said
        page = str(number)
        try:
            self._run(
                ["pdftoppm", "-r", str(dpi), "-gray", "-f", page, "-l", page, "-singlefile",
                 "-x", "0", "-y", "0", "-W", side, "-H", side, source, image],
                "pdftoppm",
                deadline,
            )  # fmt: skip
            if not os.path.exists(image + ".pgm"):
                raise ReadError(f"page {number} of the PDF cannot be rendered for OCR", file=self.filename)
            self._run(
                ["tesseract", image + ".pgm", image, "-l", self.lim.languages, "--psm", str(self.lim.psm),
                 "--dpi", str(dpi), "-c", "preserve_interword_spaces=1", "txt"],
                "tesseract",
                deadline,
            )  # fmt: skip
            return self._read_text(image + ".txt")
        finally:
            for leftover in (image + ".pgm", image + ".txt"):
                if os.path.exists(leftover):
                    os.unlink(leftover)

    def _read_text(self, path: str) -> str:
        with open(path, "rb") as handle:
            data = handle.read(self.lim.max_page_chars * 4 + 1)
        text = data.decode("utf-8", errors="replace")[: self.lim.max_page_chars]
        return "\n".join(line.rstrip() for line in text.replace("\f", "\n").strip("\n").splitlines())

    def _run(self, command: list[str], tool: str, deadline: float) -> bytes:
        """Run one tool until ``deadline``: its stdout (capped), or a ReadError with its last words."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise _OutOfTime
        errors = os.path.join(self.folder, "stderr")
        try:
            with open(errors, "wb") as err:
                done = tools.run_tool(
                    [*self.prefix, *command],
                    env=self.env,
                    cwd=self.folder,
                    timeout=left,
                    max_output=MiB,
                    stderr=err,
                )
        except tools.ToolTimedOut:
            raise _OutOfTime from None
        except OSError as exc:
            raise ReadError(f"{tool} cannot be started for OCR ({exc})", file=self.filename) from None
        if done.returncode != 0 and not done.overflowed:  # over the cap: killed, its first MiB kept
            if time.monotonic() >= deadline or done.returncode in _CPU_SIGNALS:  # at its CPU limit
                raise _OutOfTime
            if done.returncode < 0:
                how = (
                    f"was stopped by {signal.Signals(-done.returncode).name} "
                    f"(out of its {self.lim.memory_bytes // MiB} MiB of memory?)"
                )
            else:
                how = f"ended with exit status {done.returncode}"
            raise ReadError(
                f"OCR failed: {tool} {how} ({tools.last_words(errors)})",
                file=self.filename,
                expected="a readable scanned PDF",
            )
        return done.output
