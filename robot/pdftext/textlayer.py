"""The text layer of a printed PDF, laid out like poppler's ``pdftotext -layout``.

invoice2data templates, and ours, are written against ``pdftotext -layout``: words whole, columns
apart by two spaces or more. So :func:`pdf_text` runs poppler's ``pdftotext -layout`` when it is
installed (Debian ``poppler-utils``; ``.ci/run`` installs it) and falls back to pdfplumber, set up
to come close to it (see ``docs/pdf-text-layer.md``).

``pdftotext`` gets the PDF as a private temporary file, reads at most :data:`MAX_PAGES` pages
(``-f``/``-l``) and runs as every tool does (:func:`robot.pdftext.tools.run_tool`): without a shell,
with an environment holding no secrets, under a timeout, a CPU and memory limit (``prlimit``, when
installed, never above the limits the reader sandbox already set) and an output cap.

A PDF without a text layer (a scan), or whose text cannot be read (fonts without a Unicode map give
``(cid:0)(cid:1)…``; mostly control, private-use or replacement characters), raises
:class:`NoTextLayer`: such a PDF needs OCR, not a template.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import tempfile
import unicodedata
from typing import Any, Literal

from robot.errors import ReadError
from robot.pdftext import tools

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
                "the PDF's text cannot be read: its fonts carry no Unicode map "
                f"({share:.0%} of its characters are control, private-use or replacement "
                "characters); it needs OCR"
            )
        raise NoTextLayer(reason, file=filename, expected="a PDF whose fonts map to Unicode")


def _pdftotext_command(exe: str, source: str) -> list[str]:
    command = [exe, "-layout", "-enc", "UTF-8", "-f", "1", "-l", str(MAX_PAGES), "-q", source, "-"]
    return [*tools.prlimit_prefix(PDFTOTEXT_MEMORY_BYTES, PDFTOTEXT_CPU_SECONDS), *command]


def pdftotext_text(content: bytes, filename: str = "<bytes>") -> str:
    """``pdftotext -layout`` of the first :data:`MAX_PAGES` pages (poppler, run bounded)."""
    exe = pdftotext_path()
    if exe is None:
        raise ReadError("pdftotext (poppler-utils) is not installed", file=filename)
    with tempfile.TemporaryDirectory(prefix="fakturarobot-pdf-") as tmp:
        # a private temporary file (poppler seeks in its input), removed with the folder
        source = os.path.join(tmp, "in.pdf")
        with open(source, "wb") as handle:
            handle.write(content)
        try:
            done = tools.run_tool(
                _pdftotext_command(exe, source),
                env=tools.clean_env(_ENV_KEYS),
                cwd=tmp,
                timeout=PDFTOTEXT_TIMEOUT_SECONDS,
                max_output=MAX_TEXT_BYTES,
            )
        except OSError as exc:
            raise ReadError(f"pdftotext cannot be started ({exc})", file=filename) from None
        except tools.ToolTimedOut:
            raise ReadError(
                f"pdftotext took longer than {PDFTOTEXT_TIMEOUT_SECONDS} s", file=filename
            ) from None
    if done.overflowed:
        raise ReadError(
            f"the PDF's text is longer than {MAX_TEXT_BYTES // (1024 * 1024)} MiB",
            file=filename,
            expected="an invoice of reasonable size",
        )
    if done.returncode != 0 and not done.output.strip():
        raise ReadError(
            f"the PDF's text cannot be extracted (pdftotext exit {done.returncode})",
            file=filename,
            expected="a readable PDF",
        )
    return done.output.decode("utf-8", errors="replace")


def pdfplumber_text(content: bytes, filename: str = "<bytes>") -> str:
    """The text by pdfplumber, laid out like ``pdftotext -layout`` (see :func:`layout_chars`)."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            pages: list[str] = []
            for page in pdf.pages[:MAX_PAGES]:
                pages.append(layout_chars(dedupe(page.chars)))
                page.close()
            return "\f".join(pages)
    except Exception as exc:
        raise ReadError(
            f"the PDF's text cannot be extracted ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable PDF",
        ) from None


def dedupe(chars: list[Char], tolerance: float = 1.0) -> list[Char]:
    """The characters without those drawn twice: the same text in the same font and size within
    ``tolerance`` points of one already kept (fake bold, shadows). Like pdfplumber's
    ``dedupe_chars(tolerance=1)``, in linear time (a grid of ``tolerance``-sized cells)."""
    seen: dict[tuple[str, str, float, int, int], list[tuple[float, float]]] = {}
    kept: list[Char] = []
    for char in chars:
        x0, top = float(char["x0"]), float(char["top"])
        x, y = round(x0 / tolerance), round(top / tolerance)
        text, font, size = str(char["text"]), str(char.get("fontname")), round(_size(char), 1)
        near = (
            abs(x0 - kx) <= tolerance and abs(top - ky) <= tolerance
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for kx, ky in seen.get((text, font, size, x + dx, y + dy), ())
        )
        if any(near):
            continue
        seen.setdefault((text, font, size, x, y), []).append((x0, top))
        kept.append(char)
    return kept


# Layout of pdfplumber's characters, in units of the character's font size (em).
WORD_GAP_EM = 0.12
"""A gap wider than this between two glyphs is a word break (poppler uses about 0.1 em)."""
COLUMN_GAP_EM = 1.0
"""A gap wider than this is a column gap: two spaces at least, placed on the page's grid (1.0 agrees
best with pdftotext on the corpus PDFs: 97.9 % of its column cells come out the same)."""
OVERLAP_SHARE = 0.5
"""A glyph drawn over more than this share of its neighbour's width is not a glyph of the text."""
LETTER_SPACING_EM = 0.03
"""Three gaps or more in a row equal within this are letter-spacing (``T c``), not word breaks."""
LINE_TOLERANCE_EM = 0.5
MAX_COLUMNS = 400
"""Text placed further right than this many grid columns is set after two spaces (a word 10^8 points
away must not cost 10^8 spaces)."""
"""Glyphs whose baselines differ by less than this are on one line."""

Char = dict[str, Any]


def _baseline(char: Char) -> float:
    """The glyph's baseline, top-down (pdfminer's text matrix; its bottom edge when absent)."""
    matrix = char.get("matrix")
    if isinstance(matrix, tuple) and len(matrix) == 6:
        return -float(matrix[5])
    return float(char["bottom"])


def _size(char: Char) -> float:
    size = float(char.get("size") or 0)
    return size if size > 0 else max(float(char["bottom"]) - float(char["top"]), 1.0)


def _lines(chars: list[Char]) -> list[list[Char]]:
    """Glyphs grouped by baseline, top to bottom, each line left to right."""
    lines: list[list[Char]] = []
    anchor = 0.0
    for char in sorted(chars, key=_baseline):
        base = _baseline(char)
        if lines and base - anchor <= LINE_TOLERANCE_EM * _size(char):
            lines[-1].append(char)
        else:
            lines.append([char])
            anchor = base
    return [sorted(line, key=lambda c: (float(c["x0"]), float(c["x1"]))) for line in lines]


def _visible(line: list[Char]) -> list[Char]:
    """The line without blank glyphs (word breaks come from gaps, so a stray blank glyph drawn
    inside a word does not split it) and without glyphs drawn over another one (a duplicate, or a
    decorative dash over a number: the letter or digit is kept)."""
    kept: list[Char] = []
    for char in line:
        text = str(char["text"])
        if not text.strip():
            continue
        if kept:
            prev = kept[-1]
            overlap = min(float(prev["x1"]), float(char["x1"])) - float(char["x0"])
            narrower = min(float(prev["width"]), float(char["width"])) or 1.0
            if overlap > OVERLAP_SHARE * narrower:
                if _is_text(text) and not _is_text(str(prev["text"])):
                    kept[-1] = char  # a decorative glyph under a letter: the letter counts
                elif _is_text(text) and text != prev["text"]:
                    kept.append(char)  # letters set tightly (negative kerning) stay
                continue
        kept.append(char)
    return kept


def _is_text(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def layout_chars(chars: list[Char]) -> str:
    """Characters as text laid out like ``pdftotext -layout``: words whole, one space between the
    words of a phrase, two or more (on a grid of the page's median glyph width) between columns,
    a blank line for a wide vertical gap; text that is not upright follows the page's lines."""
    upright = [c for c in chars if c.get("upright", True)]
    rotated = [c for c in chars if not c.get("upright", True)]
    widths = sorted(float(c["width"]) for c in upright if str(c["text"]).strip())
    grid = max(widths[len(widths) // 2], 1.0) if widths else 5.0
    margin = min((float(c["x0"]) for c in upright if str(c["text"]).strip()), default=0.0)
    out: list[str] = []
    previous: float | None = None
    for line in _lines(upright):
        glyphs = _visible(line)
        if not glyphs:
            continue
        size = max(_size(c) for c in glyphs)
        base = _baseline(glyphs[0])
        if previous is not None and base - previous > 1.8 * size:
            out.append("")
        previous = base
        out.append(_layout_line(glyphs, grid, margin))
    if rotated:
        out.append("")
        out.extend(_rotated_text(column) for column in _rotated_lines(rotated))
    return "\n".join(out)


def _layout_line(glyphs: list[Char], grid: float, margin: float) -> str:
    gaps = [float(b["x0"]) - float(a["x1"]) for a, b in itertools.pairwise(glyphs)]
    sizes = [max(_size(a), _size(b)) for a, b in itertools.pairwise(glyphs)]
    spaced = _letter_spaced(gaps, sizes)

    def column(char: Char) -> int:
        return min(round((float(char["x0"]) - margin) / grid), MAX_COLUMNS)

    text = " " * column(glyphs[0]) + str(glyphs[0]["text"])
    for i, char in enumerate(glyphs[1:]):
        gap, size = gaps[i], sizes[i]
        if gap > COLUMN_GAP_EM * size:
            text += " " * max(2, column(char) - len(text))
        elif gap > WORD_GAP_EM * size and not spaced[i]:
            text += " "
        text += str(char["text"])
    return text


def _letter_spaced(gaps: list[float], sizes: list[float]) -> list[bool]:
    """Which gaps are letter-spacing: a run of three or more equal gaps wider than a word gap, not
    next to a tight gap (``Page 1 / 1`` is words; ``Ö k o - K o n t r`` alone on its line is one)."""
    spaced = [False] * len(gaps)

    def wide(i: int) -> bool:
        return gaps[i] > WORD_GAP_EM * sizes[i]

    i = 0
    while i < len(gaps):
        if not wide(i):
            i += 1
            continue
        end = i + 1
        while end < len(gaps) and wide(end) and abs(gaps[end] - gaps[i]) <= LETTER_SPACING_EM * sizes[i]:
            end += 1
        tight_before = i > 0 and not wide(i - 1)
        tight_after = end < len(gaps) and not wide(end)
        if end - i >= 3 and not tight_before and not tight_after:
            spaced[i:end] = [True] * (end - i)
        i = end
    return spaced


def _rotated_lines(chars: list[Char]) -> list[list[Char]]:
    """Text set vertically, one run of glyphs per column in reading order (down, or up when the
    text is turned counter-clockwise)."""
    columns: dict[tuple[int, bool], list[Char]] = {}
    for char in chars:
        matrix = char.get("matrix")
        upward = isinstance(matrix, tuple) and len(matrix) == 6 and float(matrix[1]) > 0
        columns.setdefault((round(float(char["x0"])), upward), []).append(char)
    return [
        sorted(column, key=lambda c: -float(c["top"]) if upward else float(c["top"]))
        for (_, upward), column in sorted(columns.items())
    ]


def _rotated_text(column: list[Char]) -> str:
    text = ""
    prev: Char | None = None
    for char in column:
        if not str(char["text"]).strip():
            continue
        if prev is not None:
            gap = max(float(char["top"]) - float(prev["bottom"]), float(prev["top"]) - float(char["bottom"]))
            if gap > WORD_GAP_EM * max(_size(prev), _size(char)):
                text += " "
        text += str(char["text"])
        prev = char
    return text
