"""The template file format: invoice2data's YAML templates, validated with file:line errors.

A template names an issuer, the ``keywords`` (regular expressions) that must all occur in a PDF's
text for it to apply, and the ``fields`` to extract. The format is invoice2data's, so its public
templates load unchanged; see ``docs/pdf-templates.md`` for the fields the robot maps onto the
invoice model. Unknown keys, bad regular expressions and unknown parsers, types or groups are
:class:`~robot.errors.ConfigError` naming the file and the line::

    issuer: Kontorland A/S
    keywords: ["Kontorland A/S", "CVR-nr\\\\.:? 12345674"]
    fields:
      invoice_number: Fakturanr\\.:\\s+(\\S+)
      date: Fakturadato:\\s+(\\d{2}-\\d{2}-\\d{4})
      amount: I alt DKK\\s+([\\d.]+,\\d{2})
    options: {currency: DKK, decimal_separator: ",", date_formats: ["%d-%m-%Y"]}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from robot.configuration.yamlconf import Loc, load_yaml_model

ValueType = Literal["int", "float", "date"]
Group = Literal["sum", "min", "max", "first", "last", "join"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Patterns = str | list[str]


class BlockSettings(_Strict):
    """One block of the ``lines`` parser: rows between ``start`` and ``end``.

    ``first_line`` starts a row, ``line`` adds to it, ``last_line`` ends it, ``skip_line`` is
    ignored; each may be one regular expression or a list. Named groups become the row's keys.
    """

    start: str
    end: str
    line: Patterns
    first_line: Patterns | None = None
    last_line: Patterns | None = None
    skip_line: Patterns | None = None
    types: dict[str, ValueType] = Field(default_factory=dict)
    line_separator: str = r"\n"


class LinesSettings(_Strict):
    """The ``lines`` parser: one block, or several ``rules`` whose rows are concatenated."""

    parser: Literal["lines"] | None = None
    rules: list[BlockSettings] = Field(default_factory=list)
    start: str | None = None
    end: str | None = None
    line: Patterns | None = None
    first_line: Patterns | None = None
    last_line: Patterns | None = None
    skip_line: Patterns | None = None
    types: dict[str, ValueType] = Field(default_factory=dict)
    line_separator: str = r"\n"

    def blocks(self) -> list[BlockSettings]:
        if self.rules:
            return self.rules
        if self.start is None or self.end is None or self.line is None:
            return []
        fields = self.model_dump(exclude={"parser", "rules"})
        return [BlockSettings.model_validate(fields)]


class FieldSettings(_Strict):
    """One field: ``parser: regex`` (``regex``, ``type``, ``group``) or ``parser: static`` (``value``).

    The short forms are normalised to this: ``name: REGEX`` or a list of them is a regex field
    (``legacy``: its type follows from the name, ``date*``/``*date`` a date, ``amount*`` a number),
    and ``static_name: VALUE`` a static one.
    """

    parser: Literal["regex", "static"]
    regex: Patterns | None = None
    value: str | int | float | date | None = None
    type: ValueType | None = None
    group: Group | None = None
    area: dict[str, Any] | None = None  # pdftotext page areas: not supported, the whole text is searched
    legacy: bool = False


class TableSettings(_Strict):
    """The ``tables`` plugin: one ``body`` regex with named groups, searched between start and end."""

    start: str
    end: str
    body: str
    types: dict[str, ValueType] = Field(default_factory=dict)


class Options(_Strict):
    remove_whitespace: bool = False
    remove_accents: bool = False
    lowercase: bool = False
    currency: str = "EUR"
    date_formats: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    decimal_separator: Literal[".", ","] = "."
    replace: list[tuple[str, str]] = Field(default_factory=list)
    locale: str | None = None  # accepted for compatibility (number and date parsing use the above)

    @field_validator("remove_whitespace", "remove_accents", "lowercase", mode="before")
    @classmethod
    def _none_is_false(cls, value: object) -> object:
        return False if value is None else value


def _normalise_field(name: str, value: object) -> object:
    if name.startswith("static_") and not isinstance(value, dict):
        return {"parser": "static", "value": value}
    if isinstance(value, str | list):
        return {"parser": "regex", "regex": value, "legacy": True}
    return value


def _field_kind(value: object) -> str:
    parser = value.get("parser") if isinstance(value, dict) else getattr(value, "parser", None)
    return "lines" if parser == "lines" else "field"


FieldSpec = Annotated[
    Annotated[FieldSettings, Tag("field")] | Annotated[LinesSettings, Tag("lines")],
    Discriminator(_field_kind),
]


class TemplateFile(_Strict):
    issuer: str | None = None
    keywords: list[str] = Field(min_length=1)
    exclude_keywords: list[str] = Field(default_factory=list)
    fields: dict[str, FieldSpec]
    options: Options = Field(default_factory=Options)
    lines: LinesSettings | list[BlockSettings] | None = None
    tables: list[TableSettings] | TableSettings | None = None
    required_fields: list[str] | None = None
    priority: int = 5
    input_module: str | None = None  # the robot always reads the text layer with pdfplumber
    country_code: str | None = None

    @field_validator("fields", mode="before")
    @classmethod
    def _short_forms(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        fields = {str(k): _normalise_field(str(k), v) for k, v in value.items()}
        return {k: v for k, v in fields.items() if v != {"parser": "static", "value": None}}

    @field_validator("options", mode="before")
    @classmethod
    def _no_options(cls, value: object) -> object:
        return {} if value is None else value

    def line_blocks(self) -> dict[str, list[BlockSettings]]:
        """Every ``lines``-parser field (the top-level plugin is ``lines``) with its blocks."""
        found = {n: s.blocks() for n, s in self.fields.items() if isinstance(s, LinesSettings)}
        if isinstance(self.lines, LinesSettings):
            found["lines"] = self.lines.blocks()
        elif isinstance(self.lines, list):
            found["lines"] = list(self.lines)
        return found

    def table_list(self) -> list[TableSettings]:
        if self.tables is None:
            return []
        return self.tables if isinstance(self.tables, list) else [self.tables]


def load_template_file(path: Path) -> TemplateFile:
    """Read and validate one template file (ConfigError with file:line on any problem)."""
    return load_yaml_model(path, TemplateFile, checks=(_regexes_compile, _fields_usable))


def _patterns(tpl: TemplateFile) -> Iterator[tuple[Loc, str]]:
    """Every regular expression in the template, with where it sits."""
    for key in ("keywords", "exclude_keywords"):
        for i, kw in enumerate(getattr(tpl, key)):
            yield (key, i), kw
    for i, (old, _new) in enumerate(tpl.options.replace):
        yield ("options", "replace", i), old
    for name, spec in tpl.fields.items():
        if isinstance(spec, FieldSettings):
            yield from _listed(("fields", name, "regex"), spec.regex)
    for name, blocks in tpl.line_blocks().items():
        base: Loc = ("fields", name) if name in tpl.fields else ("lines",)
        for block in blocks:
            for key in ("start", "end", "line", "first_line", "last_line", "skip_line"):
                yield from _listed((*base, key), getattr(block, key))
    for i, table in enumerate(tpl.table_list()):
        for key in ("start", "end", "body"):
            yield ("tables", i, key) if isinstance(tpl.tables, list) else ("tables", key), getattr(table, key)


def _listed(loc: Loc, value: str | list[str] | None) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, list):
        for i, rx in enumerate(value):
            yield (*loc, i), rx


def _regexes_compile(tpl: TemplateFile) -> Iterator[tuple[Loc, str]]:
    for loc, pattern in _patterns(tpl):
        try:
            re.compile(pattern)
        except re.error as exc:
            where = ".".join(str(p) for p in loc)
            yield loc, f"{where} is not a valid regular expression: {exc}"


def _fields_usable(tpl: TemplateFile) -> Iterator[tuple[Loc, str]]:
    for name, spec in tpl.fields.items():
        if isinstance(spec, FieldSettings) and spec.parser == "regex" and spec.regex is None:
            yield ("fields", name), f"field '{name}': the regex parser needs a 'regex'"
        elif isinstance(spec, LinesSettings) and not spec.blocks():
            yield (
                ("fields", name),
                f"field '{name}': the lines parser needs 'start', 'end' and 'line' (or 'rules')",
            )
