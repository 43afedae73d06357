"""The printed text as lines of segments (runs of text separated by a column gap), and candidates.

``pdftotext -layout`` keeps the page's columns as runs of two or more spaces; a *segment* is one
such run of text with the column it starts at, so a label and its value, or the left and the right
column of a page, can be told apart.

    >>> line = lines_of("Fakturanr.:   1042      Side 1")[0]
    >>> [(s.col, s.text) for s in line.segments]
    [(0, 'Fakturanr.:'), (14, '1042'), (24, 'Side 1')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_LINES = 2000  # a longer text is read from its first lines only (an invoice is a few pages)
MAX_LINE = 400  # characters of a line looked at
MAX_SEGMENTS = 16  # column segments of a line looked at (an invoice's widest table has fewer)
_GAP = re.compile(r"\S(?:.*?\S)?(?=\s{2,}|\s*$)")
_FORM_FEED = "\f"


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text on one line, starting at column ``col``."""

    col: int
    text: str

    @property
    def end(self) -> int:
        return self.col + len(self.text)


@dataclass(frozen=True, slots=True)
class TextLine:
    """One printed line: its number (from 0), its page (from 1), its text and its segments."""

    no: int
    page: int
    text: str
    segments: tuple[Segment, ...]

    def segment_at(self, col: int, width: int = 1) -> Segment | None:
        """The segment overlapping columns ``col`` .. ``col + width``."""
        for seg in self.segments:
            if seg.col < col + max(width, 1) and col < seg.end:
                return seg
        return None


@dataclass(frozen=True, slots=True)
class Candidate(Generic[T]):
    """A value found for one field, the printed line it came from and how sure the finding is."""

    value: T
    line: TextLine
    confidence: float

    @property
    def text(self) -> str:
        return " ".join(self.line.text.split())


def lines_of(text: str) -> list[TextLine]:
    """The text's lines (at most :data:`MAX_LINES`), with their pages and segments."""
    out: list[TextLine] = []
    page = 1
    for no, raw in enumerate(text.splitlines()[:MAX_LINES]):
        page += raw.count(_FORM_FEED)
        line = raw.replace(_FORM_FEED, "").replace("\t", "    ")[:MAX_LINE].rstrip()
        found = _GAP.finditer(line)
        segments = tuple(
            Segment(m.start(), m.group(0)) for _, m in zip(range(MAX_SEGMENTS), found, strict=False)
        )
        out.append(TextLine(no, page, line, segments))
    return out


def below(lines: list[TextLine], line: TextLine, seg: Segment, *, reach: int = 2) -> Segment | None:
    """The first segment under ``seg`` (overlapping its columns) within ``reach`` non-empty lines."""
    seen = 0
    for nxt in lines[line.no + 1 :]:
        if not nxt.segments:
            continue
        seen += 1
        found = nxt.segment_at(seg.col, len(seg.text))
        if found is not None:
            return found
        if seen >= reach:
            break
    return None


def distinct(cands: list[Candidate[T]]) -> list[T]:
    """The different values among candidates, in order of first appearance."""
    values: list[T] = []
    for c in cands:
        if c.value not in values:
            values.append(c.value)
    return values
