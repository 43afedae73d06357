"""Apply one template to a PDF's text: prepare the text, match the keywords, extract the fields.

The semantics are invoice2data's (so its templates behave the same), with differences that matter
for money: numbers are :class:`~decimal.Decimal` parsed strictly (see ``values``), a field the
invoice is built from whose regular expressions find several different values without a
``group`` is an error naming the values, never a silent pick, and an optional field whose date
cannot be read is left out with a note (``DROPPED``) instead of failing the document.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from robot.errors import ConfigError, ReadError
from robot.pdftext.area import AreaText
from robot.pdftext.dates import parse_date
from robot.pdftext.lines import RawRow, as_list, block_rows, table_values
from robot.pdftext.mapping import LINE_NUMBER_KEYS, NUMBER_KEYS, READ_KEYS
from robot.pdftext.template_file import Area, FieldSettings, TemplateFile, ValueType
from robot.pdftext.values import parse_amount

log = logging.getLogger(__name__)

Value = str | Decimal | date | int
Row = dict[str, Value]
DEFAULT_REQUIRED = ("date", "amount", "invoice_number", "issuer")
DROPPED = "_dropped"
"""Key of the extracted fields holding ``(field, text, why)`` for each optional value left out."""
_COMBINING = re.compile("[\u0300-\u0362]")


@dataclass(frozen=True, slots=True)
class Template:
    """One loaded template, named after its file; ``warnings`` are the keys it ignores."""

    name: str
    path: Path
    spec: TemplateFile
    warnings: tuple[ConfigError, ...] = ()

    @classmethod
    def load(cls, path: Path) -> Template:
        """The template in ``path``; a ConfigError (file:line) when it cannot be used."""
        from robot.pdftext.loading import load_template

        return load_template(path)

    @property
    def issuer(self) -> str:
        return self.spec.issuer or self.spec.keywords[0]

    def prepare(self, text: str) -> str:
        """The text with the template's options applied (whitespace, accents, case, replacements)."""
        opts = self.spec.options
        if opts.remove_whitespace:
            text = re.sub(" +", "", text)
        if opts.remove_accents:  # invoice2data: decompose, drop the combining marks (ø, æ stay)
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        if opts.lowercase:
            text = text.lower()
        for old, new in opts.replace:
            text = re.sub(old, new, text)
        return text

    def matches(self, prepared: str, raw: str | None = None) -> bool:
        """Every keyword found and no exclude keyword.

        As invoice2data does, a keyword is plain text looked for in the raw text (before the
        options, so ``remove_whitespace`` does not stop a keyword with a space from matching).
        Templates written for invoice2data before 0.4.5, the robot's own among them, wrote
        keywords as regular expressions (``(?i)Praxis``, ``CVR-nr\\.:\\s*91206676``) searched in
        the prepared text; a keyword not found as text is also tried that way.
        """
        texts = (prepared,) if raw is None else (raw, prepared)
        return all(_found(k, texts) for k in self.spec.keywords) and not any(
            _found(k, texts) for k in self.spec.exclude_keywords
        )

    def extract(self, prepared: str, area_text: AreaText | None = None) -> dict[str, Any]:
        """The fields found in the prepared text; a ReadError names a missing required field.

        ``area_text`` gives the text of a page area (:mod:`robot.pdftext.area`); without it a
        field with an ``area`` is searched in the whole text, as invoice2data does with a text
        reader that cannot crop, with a warning in the log. Optional values left out (a date
        that cannot be read) are listed under ``DROPPED``.
        """
        return _Extraction(self, prepared, area_text).run()


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _found(keyword: str, texts: tuple[str, ...]) -> bool:
    if keyword in texts[0]:
        return True
    pattern = _compiled(keyword)
    return pattern is not None and any(pattern.search(t) for t in texts)


class _Extraction:
    def __init__(self, template: Template, prepared: str, area_text: AreaText | None) -> None:
        self.t = template
        self.opts = template.spec.options
        self.prepared = prepared
        self.area_text = area_text
        self.required = set(template.spec.required_fields or DEFAULT_REQUIRED)
        self.dropped: list[tuple[str, str, str]] = []

    def run(self) -> dict[str, Any]:
        spec = self.t.spec
        out: dict[str, Any] = {"issuer": self.t.issuer, "currency": self.opts.currency}
        for name, field in spec.fields.items():
            if isinstance(field, FieldSettings):
                key, value = self._field(name, field)
                if value is not None and value != "" and value != []:
                    out[key] = value
        for name, (blocks, area) in spec.line_blocks().items():
            text = self._text(area, f"fields.{name}")
            rows = [self._row(name, block.types, raw) for block in blocks for raw in block_rows(block, text)]
            if rows:
                out[name] = rows
        for table in spec.table_list():
            for key, raw in table_values(table, self.prepared).items():
                if key not in out:
                    value = self._typed(raw, table.types.get(key) or _implied_type(key), key)
                    if value is not None:
                        out[key] = value
        missing = [f for f in (spec.required_fields or DEFAULT_REQUIRED) if f not in out]
        if missing:
            raise ReadError(
                f"template '{self.t.name}' matched but found no {', '.join(missing)} in the PDF text",
                field=missing[0],
                expected=f"the regular expression of fields.{missing[0]} in {self.t.path.name} to match",
            )
        if self.dropped:
            out[DROPPED] = list(self.dropped)
        return out

    def _text(self, area: Area | None, where: str) -> str:
        if area is None:
            return self.prepared
        if self.area_text is None:
            log.warning("%s: %s has an area but no PDF page was given: the whole text is searched",
                        self.t.path, where)  # fmt: skip
            return self.prepared
        return self.area_text(area)

    # -- fields -------------------------------------------------------------------------------

    def _field(self, name: str, spec: FieldSettings) -> tuple[str, Any]:
        if spec.parser == "static":
            key, value = name.removeprefix("static_"), spec.value
            if isinstance(value, str) and spec.type:
                return key, self._typed(value, spec.type, key)
            return key, value
        key, kind, group = name, spec.type, spec.group
        if spec.legacy:
            if name.startswith("sum_amount") and isinstance(spec.regex, list):
                key, kind, group = name[4:], "float", "sum"
            else:
                kind = _implied_type(name)
        if kind is None and key in NUMBER_KEYS:
            kind = "float"  # untyped money the invoice is built from: read with the separator
        text = self._text(spec.area, f"fields.{name}")
        found: list[str] = []
        for pattern in as_list(spec.regex):
            for match in re.findall(pattern, text):
                if isinstance(match, tuple):
                    raise ReadError(
                        f"fields.{name} in template '{self.t.name}' has several capturing groups",
                        field=name,
                        expected="one capturing group, or (?:...) for the others",
                    )
                found.append(match)
        values = [v for v in (self._typed(v, kind, key) for v in found) if v is not None]
        return key, self._group(values, group, name, key)

    def _group(self, values: list[Any], group: str | None, name: str, key: str) -> Any:
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
        if len(distinct) > 1 and key not in READ_KEYS:
            return distinct  # as invoice2data: a list, for a field the invoice is not built from
        if len(distinct) > 1:
            shown = ", ".join(f"'{v}'" for v in distinct[:5])
            raise ReadError(
                f"fields.{name} in template '{self.t.name}' found {len(distinct)} different values: {shown}",
                field=name,
                expected="one value (make the regex more specific, or set group: first, last or sum)",
            )
        return distinct[0] if distinct else None

    def _typed(self, value: str, kind: ValueType | None, field: str) -> Value | None:
        """The value as its type; None for an optional date that cannot be read (noted)."""
        if kind is None:
            return value.strip()
        if kind in ("date", "datetime"):
            try:
                return parse_date(value, self.opts.date_formats, field, self.opts.languages)
            except ReadError as exc:
                if field in self.required:
                    raise
                self.dropped.append((field, value.strip(), exc.reason))
                log.warning("%s: optional %s left out: %s", self.t.path.name, field, exc.reason)
                return None
        if not value.strip():
            return Decimal(0) if kind == "float" else 0
        number = parse_amount(value, self.opts.decimal_separator, field)
        return int(number) if kind == "int" else number

    def _row(self, name: str, types: dict[str, ValueType], raw: RawRow) -> Row:
        row: Row = {}
        for key, value in raw.items():
            kind = types.get(key)
            if kind is None and key in LINE_NUMBER_KEYS and value.strip():
                kind = "float"  # untyped: read with the template's decimal separator
            typed = self._typed(value, kind, f"{name}.{key}")
            if typed is not None:
                row[key] = typed
        return row


def _implied_type(name: str) -> ValueType | None:
    """invoice2data's naming convention: ``date*`` and ``*date`` are dates, ``amount*`` numbers."""
    if name.startswith("date") or name.endswith("date"):
        return "date"
    return "float" if name.startswith("amount") else None
