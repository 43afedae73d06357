"""invoice2data's ``lines`` parser and ``tables`` plugin, on the text as strings (typed later).

``lines``: every block between ``start`` and ``end`` (searched again after each block), split by
``line_separator``; ``first_line`` opens a row, ``line`` adds to it (a group seen again is joined
with a newline), ``last_line`` adds and closes it, ``skip_line`` is passed over. Without
``first_line`` and ``last_line`` every ``line`` match is a row. A group such as ``line_note`` is
kept like any other; the mapping makes it the line's note.

``tables``: the text between the first ``start`` and the first ``end`` match (each searched in the
whole text, as invoice2data does), each line searched with ``body``; a named group's first value
wins.
"""

from __future__ import annotations

import re

from robot.pdftext.template_file import BlockSettings, TableSettings

RawRow = dict[str, str]


def block_rows(block: BlockSettings, text: str) -> list[RawRow]:
    rows: list[RawRow] = []
    while (start := re.search(block.start, text)) is not None:
        text = text[start.end() :]
        end = re.search(block.end, text)
        if end is None:
            break
        rows += _block(block, text[: end.start()])
        text = text[end.end() :]
    return rows


def _block(block: BlockSettings, body: str) -> list[RawRow]:
    first = block.first_line if block.first_line is not None or block.last_line is not None else block.line
    rows: list[RawRow] = []
    current: RawRow = {}
    inside = False
    for line in re.split(block.line_separator, body):
        if not line.strip("").strip("\n").strip("\r"):  # invoice2data skips only empty lines
            continue
        if first is not None and (match := _search(first, line)) is not None:
            if current:
                rows.append(current)
            current = {k: (v or "").strip() for k, v in match.groupdict().items()}
            inside = True
            continue
        if not inside:
            continue
        if block.last_line is not None and (match := _search(block.last_line, line)) is not None:
            _append(current, match)
            if current:
                rows.append(current)
            current, inside = {}, False
            continue
        if block.skip_line is not None and _search(block.skip_line, line) is not None:
            continue
        if (match := _search(block.line, line)) is not None:
            _append(current, match)
    if current:
        rows.append(current)
    return rows


def table_values(table: TableSettings, text: str) -> RawRow:
    start = re.search(table.start, text)
    end = re.search(table.end, text)
    if start is None or end is None:
        return {}
    out: RawRow = {}
    for line in re.split(table.line_separator, text[start.end() : end.start()]):
        if not line:
            continue
        match = re.search(table.body, line)
        if match is None:
            continue
        for key, value in match.groupdict().items():
            if key not in out and value is not None:
                out[key] = value
    return out


def as_list(patterns: str | list[str] | None) -> list[str]:
    return [patterns] if isinstance(patterns, str) else patterns or []


def _search(patterns: str | list[str], line: str) -> re.Match[str] | None:
    for pattern in as_list(patterns):
        if (match := re.search(pattern, line)) is not None:
            return match
    return None


def _append(row: RawRow, match: re.Match[str]) -> None:
    for key, value in match.groupdict().items():
        before = row.get(key, "")
        row[key] = f"{before}{chr(10) if before else ''}{(value or '').strip()}"
