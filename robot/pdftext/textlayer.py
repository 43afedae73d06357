"""The text layer of a printed PDF, laid out like poppler's ``pdftotext -layout``.

invoice2data templates, and ours, are written against ``pdftotext -layout``: words whole, columns
apart by two spaces or more. So :func:`pdf_text` runs poppler's ``pdftotext -layout`` when it is
installed (Debian ``poppler-utils``; ``.ci/run`` installs it) and falls back to pdfplumber, set up
to come close to it (see ``docs/pdf-text-layer.md``).

``pdftotext`` gets the PDF on stdin, reads at most :data:`MAX_PAGES` pages (``-f``/``-l``), runs
without a shell, with an environment holding no secrets, under a timeout, a CPU and memory limit
(``prlimit``, when installed) and an output cap; inside the reader sandbox it also inherits the
sandbox's limits.

A PDF without a text layer (a scan), or whose text cannot be read (fonts without a Unicode map give
``(cid:0)(cid:1)…``; mostly control, private-use or replacement characters), raises
:class:`NoTextLayer`: such a PDF needs OCR, not a template.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from typing import Literal

from robot.errors import ReadError

__all__ = ["MAX_PAGES", "NoTextLayer", "pdf_text", "pdfplumber_text", "pdftotext_text"]

MAX_PAGES = 50
PDFTOTEXT_TIMEOUT_SECONDS = 20
PDFTOTEXT_CPU_SECONDS = 20
PDFTOTEXT_MEMORY_BYTES = 512 * 1024 * 1024
MAX_TEXT_BYTES = 8 * 1024 * 1024
UNREADABLE_SHARE = 0.3
"""Above this share of unreadable glyphs the text is taken as unreadable (needs OCR)."""

Engine = Literal["auto", "pdftotext", "pdfplumber"]

_CID = re.compile(r"\(cid:\d+\)")
_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")


class NoTextLayer(ReadError):
    """The PDF has no text layer, or its text cannot be read: it needs OCR."""

    def with_file(self, file: str) -> NoTextLayer:
        return NoTextLayer(self.reason, file=file, field=self.field, expected=self.expected)


def pdftotext_path() -> str | None:
    """poppler's ``pdftotext``, when it is installed."""
    return shutil.which("pdftotext")


def pdf_text(content: bytes, filename: str = "<bytes>", *, engine: Engine = "auto") -> str:
    """The PDF's text layer (``pdftotext -layout`` when installed, else pdfplumber).

    Raises :class:`NoTextLayer` when there is no readable text, a :class:`ReadError` when the PDF
    cannot be read at all.
    """
    if engine == "pdftotext" or (engine == "auto" and pdftotext_path() is not None):
        text = pdftotext_text(content, filename)
    else:
        text = pdfplumber_text(content, filename)
    text = "\n".join(line.rstrip() for line in text.replace("\f", "\n").splitlines())
    _check_readable(text, filename)
    return text


def _unreadable_share(text: str) -> tuple[float, int]:
    """The share of glyphs that are not readable text, and how many ``(cid:…)`` there are."""
    cids = len(_CID.findall(text))
    rest = _CID.sub("", text)
    bad = total = 0
    for char in rest:
        if char.isspace():
            continue
        total += 1
        if char == "\ufffd" or unicodedata.category(char) in ("Cc", "Co", "Cn", "Cs", "Cf"):
            bad += 1
    glyphs = total + cids
    return ((bad + cids) / glyphs if glyphs else 1.0), cids


def _check_readable(text: str, filename: str) -> None:
    if not text.strip():
        raise NoTextLayer(
            "the PDF has no text layer (a scanned image?); it needs OCR",
            file=filename,
            expected="a PDF with text, or an e-invoice (OIOUBL, Peppol BIS 3)",
        )
    share, cids = _unreadable_share(text)
    if share > UNREADABLE_SHARE:
        if cids:
            reason = "the PDF's text cannot be read: its fonts carry no Unicode map (cid:…); it needs OCR"
        else:
            reason = (
                f"the PDF's text cannot be read: {share:.0%} of its characters are not text "
                "(control, private-use or replacement characters); it needs OCR"
            )
        raise NoTextLayer(reason, file=filename, expected="a PDF whose fonts map to Unicode")


def _pdftotext_command(exe: str, source: str) -> list[str]:
    command = [exe, "-layout", "-enc", "UTF-8", "-f", "1", "-l", str(MAX_PAGES), "-q", source, "-"]
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return command
    limits = [f"--as={PDFTOTEXT_MEMORY_BYTES}", f"--cpu={PDFTOTEXT_CPU_SECONDS}", "--core=0"]
    return [prlimit, *limits, "--", *command]


def pdftotext_text(content: bytes, filename: str = "<bytes>") -> str:
    """``pdftotext -layout`` of the first :data:`MAX_PAGES` pages (poppler, run bounded)."""
    exe = pdftotext_path()
    if exe is None:
        raise ReadError("pdftotext (poppler-utils) is not installed", file=filename)
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEYS}
    with tempfile.TemporaryDirectory(prefix="fakturarobot-pdf-") as tmp:
        # a private temporary file (poppler seeks in its input), removed with the folder
        source = os.path.join(tmp, "in.pdf")
        with open(source, "wb") as handle:
            handle.write(content)
        try:
            proc = subprocess.Popen(
                _pdftotext_command(exe, source),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd=tmp,
                close_fds=True,
            )
        except OSError as exc:
            raise ReadError(f"pdftotext cannot be started ({exc})", file=filename) from None
        with proc:
            try:
                out, too_long = _read_capped(proc, filename)
            finally:
                if proc.poll() is None:
                    proc.kill()
    if too_long:
        raise ReadError(
            f"the PDF's text is longer than {MAX_TEXT_BYTES // (1024 * 1024)} MiB",
            file=filename,
            expected="an invoice of reasonable size",
        )
    if proc.returncode != 0 and not out.strip():
        raise ReadError(
            f"the PDF's text cannot be extracted (pdftotext exit {proc.returncode})",
            file=filename,
            expected="a readable PDF",
        )
    return out.decode("utf-8", errors="replace")


def _read_capped(proc: subprocess.Popen[bytes], filename: str) -> tuple[bytes, bool]:
    """stdout up to the cap, within the timeout (then the process is killed)."""
    import selectors
    import time

    assert proc.stdout is not None
    deadline = time.monotonic() + PDFTOTEXT_TIMEOUT_SECONDS
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                raise ReadError(f"pdftotext took longer than {PDFTOTEXT_TIMEOUT_SECONDS} s", file=filename)
            if not selector.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                return b"".join(chunks), False
            size += len(chunk)
            if size > MAX_TEXT_BYTES:
                proc.kill()
                return b"", True
            chunks.append(chunk)


def pdfplumber_text(content: bytes, filename: str = "<bytes>") -> str:
    """The text by pdfplumber, made close to ``pdftotext -layout``."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            pages = pdf.pages[:MAX_PAGES]
            return "\n".join(page.extract_text(layout=True) or "" for page in pages)
    except Exception as exc:
        raise ReadError(
            f"the PDF's text cannot be extracted ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable PDF",
        ) from None
