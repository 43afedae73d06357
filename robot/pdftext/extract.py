"""Apply one template to a PDF's text: prepare the text, match the keywords, extract the fields.

The semantics are invoice2data's (so its templates behave the same), with two differences that
matter for money: numbers are :class:`~decimal.Decimal` parsed strictly (see ``values``), and a
field whose regular expressions find several different values without a ``group`` is an error
naming the values, never a silent pick.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from robot.errors import ReadError
from robot.pdftext.template_file import (
    BlockSettings,
    FieldSettings,
    TableSettings,
    TemplateFile,
    ValueType,
    load_template_file,
)
from robot.pdftext.values import parse_amount, parse_date

Value = str | Decimal | date | int
Row = dict[str, Value]
DEFAULT_REQUIRED = ("date", "amount", "invoice_number", "issuer")


@dataclass(frozen=True, slots=True)
class Template:
    """One loaded template, named after its file."""

    name: str
    path: Path
    spec: TemplateFile

    @classmethod
    def load(cls, path: Path) -> Template:
        return cls(path.stem, path, load_template_file(path))

    @property
    def issuer(self) -> str:
        return self.spec.issuer or self.spec.keywords[0]

    def prepare(self, text: str) -> str:
        """The text with the template's options applied (whitespace, accents, case, replacements)."""
        opts = self.spec.options
        if opts.remove_whitespace:
            text = re.sub(" +", "", text)
        if opts.remove_accents:
            text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        if opts.lowercase:
            text = text.lower()
        for old, new in opts.replace:
            text = re.sub(old, new, text)
        return text

    def matches(self, prepared: str) -> bool:
        """Every keyword found and no exclude keyword."""
        return all(re.search(k, prepared) for k in self.spec.keywords) and not any(
            re.search(k, prepared) for k in self.spec.exclude_keywords
        )

    def extract(self, prepared: str) -> dict[str, Any]:
        """The fields found in the prepared text; a ReadError names a missing required field."""
        out: dict[str, Any] = {"issuer": self.issuer, "currency": self.spec.options.currency}
        for name, spec in self.spec.fields.items():
            if isinstance(spec, FieldSettings):
                key, value = self._field(name, spec, prepared)
                if value is not None:
                    out[key] = value
        for name, blocks in self.spec.line_blocks().items():
            rows = [row for block in blocks for row in self._rows(name, block, prepared)]
            if rows:
                out[name] = rows
        for table in self.spec.table_list():
            out.update(self._table(table, prepared))
        required = self.spec.required_fields or DEFAULT_REQUIRED
        missing = [f for f in required if f not in out]
        if missing:
            raise ReadError(
                f"template '{self.name}' matched but found no {', '.join(missing)} in the PDF text",
                field=missing[0],
                expected=f"the regular expression of fields.{missing[0]} in {self.path.name} to match",
            )
        return out

    # -- fields -------------------------------------------------------------------------------

    def _field(self, name: str, spec: FieldSettings, text: str) -> tuple[str, Any]:
        if spec.parser == "static":
            key = name.removeprefix("static_")
            value = spec.value
            return key, self._coerce(value, spec.type, key) if isinstance(value, str) and spec.type else value
        key, kind, group = name, spec.type, spec.group
        if spec.legacy:
            if name.startswith("sum_amount"):
                key, kind, group = name[4:], "float", "sum"
            else:
                kind = _implied_type(name)
        found: list[str] = []
        for pattern in _as_list(spec.regex):
            for match in re.findall(pattern, text):
                if isinstance(match, tuple):
                    raise ReadError(
                        f"fields.{name} in template '{self.name}' has several capturing groups",
                        field=name,
                        expected="one capturing group, or (?:...) for the others",
                    )
                found.append(match)
        values = [self._coerce(v, kind, key) for v in found]
        return key, self._group(values, group, name)

    def _group(self, values: list[Any], group: str | None, name: str) -> Any:
        if group is not None:
            values = [v for v in values if v not in (None, "")]
            if not values:
                return None
            if group == "sum":
                return sum(values)
            if group in ("min", "max"):
                return min(values) if group == "min" else max(values)
            if group == "join":
                return " ".join(str(v) for v in values)
            return values[0] if group == "first" else values[-1]
        distinct = list(dict.fromkeys(values))
        if len(distinct) > 1:
            shown = ", ".join(f"'{v}'" for v in distinct[:5])
            raise ReadError(
                f"fields.{name} in template '{self.name}' found {len(distinct)} different values: {shown}",
                field=name,
                expected="one value (make the regex more specific, or set group: first, last or sum)",
            )
        return distinct[0] if distinct else None

    def _coerce(self, value: str, kind: ValueType | None, field: str) -> Value:
        if kind is None:
            return value.strip()
        if kind == "date":
            return parse_date(value, self.spec.options.date_formats, field)
        if not value.strip():
            return Decimal(0) if kind == "float" else 0
        number = parse_amount(value, self.spec.options.decimal_separator, field)
        return int(number) if kind == "int" else number

    # -- lines and tables -----------------------------------------------------------------------

    def _rows(self, name: str, block: BlockSettings, text: str) -> list[Row]:
        rows: list[Row] = []
        while (start := re.search(block.start, text)) is not None:
            text = text[start.end() :]
            end = re.search(block.end, text)
            if end is None:
                break
            rows += self._block(block, text[: end.start()])
            text = text[end.end() :]
        for row in rows:
            for key, kind in block.types.items():
                if isinstance(row.get(key), str):
                    row[key] = self._coerce(str(row[key]), kind, f"{name}.{key}")
        return rows

    def _block(self, block: BlockSettings, body: str) -> list[Row]:
        """invoice2data's line grammar: first_line opens a row, line adds, last_line closes."""
        first = (
            block.first_line if block.first_line is not None or block.last_line is not None else block.line
        )
        rows: list[Row] = []
        current: Row = {}
        inside = False
        for line in re.split(block.line_separator, body):
            if not line.strip():
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

    def _table(self, table: TableSettings, text: str) -> dict[str, Value]:
        start = re.search(table.start, text)
        end = re.search(table.end, text[start.end() :]) if start else None
        if start is None or end is None:
            return {}
        body = text[start.end() : start.end() + end.start()]
        match = re.search(table.body, body)
        if match is None:
            return {}
        out: dict[str, Value] = {}
        for key, value in match.groupdict().items():
            if value is None:
                continue
            out[key] = self._coerce(value, table.types.get(key) or _implied_type(key), key)
        return out


def _implied_type(name: str) -> ValueType | None:
    """invoice2data's naming convention: ``date*`` and ``*date`` are dates, ``amount*`` numbers."""
    if name.startswith("date") or name.endswith("date"):
        return "date"
    return "float" if name.startswith("amount") else None


def _as_list(patterns: str | list[str] | None) -> list[str]:
    return [patterns] if isinstance(patterns, str) else patterns or []


def _search(patterns: str | list[str], line: str) -> re.Match[str] | None:
    for pattern in _as_list(patterns):
        if (match := re.search(pattern, line)) is not None:
            return match
    return None


def _append(row: Row, match: re.Match[str]) -> None:
    for key, value in match.groupdict().items():
        before = str(row.get(key, ""))
        row[key] = f"{before}{chr(10) if before else ''}{(value or '').strip()}"
