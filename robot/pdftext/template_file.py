"""The template file format: invoice2data's templates (YAML or JSON), validated with file:line.

A template names an issuer, the ``keywords`` that must all occur in a PDF's text for it to apply,
and the ``fields`` to extract. The format is invoice2data's, so its public templates load
unchanged; see ``docs/pdf-templates.md`` for the fields the robot maps onto the invoice model::

    issuer: Kontorland A/S
    keywords: ["Kontorland A/S", "CVR-nr.: 12345674"]
    fields:
      invoice_number: Fakturanr\\.:\\s+(\\S+)
      date: Fakturadato:\\s+(\\d{2}-\\d{2}-\\d{4})
      amount: I alt DKK\\s+([\\d.]+,\\d{2})
    options: {currency: DKK, decimal_separator: ",", date_formats: ["%d-%m-%Y"]}

The models forbid unknown keys so that the loader (:mod:`robot.pdftext.loading`) can name each
one; it ignores them with a warning, as invoice2data ignores them. What makes a template unusable
(no keywords, a regular expression that does not compile, a group or type invoice2data does not
know) refuses that template alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, field_validator

if TYPE_CHECKING:
    from robot.configuration.yamlconf import Loc

ValueType = Literal["int", "float", "date", "datetime"]
Group = Literal["sum", "min", "max", "first", "last", "join"]
Patterns = str | list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _listed_value(value: object) -> object:
    """invoice2data wraps a single value where it expects a list."""
    return [] if value is None else value if isinstance(value, list) else [value]


#: A list of texts where invoice2data also takes a single value or null.
Listed = Annotated[list[str], BeforeValidator(_listed_value)]


class Area(_Strict):
    """invoice2data's ``area``: poppler's ``pdftotext -f -l -r -x -y -W -H`` crop.

    Pages ``f`` to ``l`` (1-based); the box ``x``, ``y`` (top left), ``W`` wide and ``H`` high, in
    pixels at ``r`` dots per inch (72 = PDF points).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    f: int = Field(default=1, ge=1)
    l: int = Field(default=1, ge=1)  # noqa: E741 - invoice2data's key
    r: float = Field(default=72, gt=0)
    x: float = Field(ge=0)
    y: float = Field(ge=0)
    W: float = Field(gt=0)
    H: float = Field(gt=0)


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
    area: Area | None = None

    def blocks(self) -> list[BlockSettings]:
        if self.rules:
            return self.rules
        if self.start is None or self.end is None or self.line is None:
            return []
        fields = self.model_dump(exclude={"parser", "rules", "area"})
        return [BlockSettings.model_validate(fields)]


class FieldSettings(_Strict):
    """One field: ``parser: regex`` (``regex``, ``type``, ``group``) or ``parser: static`` (``value``).

    The short forms are normalised to this: ``name: REGEX`` or a list of them is a regex field
    (``legacy``: its type follows from the name, ``date*``/``*date`` a date, ``amount*`` a number),
    and ``static_name: VALUE`` a static one. ``area`` searches only that part of the page.
    """

    parser: Literal["regex", "static"]
    regex: Patterns | None = None
    value: Any = None
    type: ValueType | None = None
    group: Group | None = None
    area: Area | None = None
    legacy: bool = False


class TableSettings(_Strict):
    """The ``tables`` plugin: each line between ``start`` and ``end`` searched with ``body``."""

    start: str
    end: str
    body: str
    types: dict[str, ValueType] = Field(default_factory=dict)
    line_separator: str = r"\n"
    field_separator: str | None = None  # invoice2data's default option; unused there too


class Options(_Strict):
    remove_whitespace: bool = False
    remove_accents: bool = False
    lowercase: bool = False
    currency: str | None = "EUR"  # null as in invoice2data: no currency read
    date_formats: Listed = Field(default_factory=list)
    languages: Listed = Field(default_factory=list)
    decimal_separator: Literal[".", ","] = "."
    replace: list[tuple[str, str]] = Field(default_factory=list)
    locale: str | None = None  # accepted for compatibility (number and date parsing use the above)

    @field_validator("remove_whitespace", "remove_accents", "lowercase", mode="before")
    @classmethod
    def _truth(cls, value: object) -> object:
        """invoice2data tests these with ``if``: ``None`` is off, ``[True]`` on, ``[]`` off."""
        if value is None or isinstance(value, list | dict):
            return bool(value)
        return value

    @field_validator("replace", mode="before")
    @classmethod
    def _one_replace(cls, value: object) -> object:
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            return [value]  # invoice2data wraps a single [old, new] pair
        return _listed_value(value)


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
    keywords: Listed = Field(min_length=1)
    exclude_keywords: Listed = Field(default_factory=list)
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    options: Options = Field(default_factory=Options)
    lines: LinesSettings | list[BlockSettings] | None = None
    tables: list[TableSettings] | TableSettings | None = None
    required_fields: list[str] | None = None
    priority: int = 5
    input_module: Any = None  # invoice2data's text reader; the robot reads the text layer itself
    template_name: Any = None  # set by invoice2data's loader; the robot names a template by its file

    @field_validator("fields", mode="before")
    @classmethod
    def _short_forms(cls, value: object) -> object:
        if value is None:
            return {}
        if not isinstance(value, dict):
            return value
        fields = {str(k): _normalise_field(str(k), v) for k, v in value.items()}
        return {k: v for k, v in fields.items() if v != {"parser": "static", "value": None}}

    @field_validator("options", mode="before")
    @classmethod
    def _no_options(cls, value: object) -> object:
        return {} if value is None else value

    def line_blocks(self) -> dict[str, tuple[list[BlockSettings], Area | None]]:
        """Every ``lines``-parser field (the top-level plugin is ``lines``): its blocks and area."""
        found = {n: (s.blocks(), s.area) for n, s in self.fields.items() if isinstance(s, LinesSettings)}
        if isinstance(self.lines, LinesSettings):
            found["lines"] = (self.lines.blocks(), None)  # the plugin reads the whole text
        elif isinstance(self.lines, list):
            found["lines"] = (list(self.lines), None)
        return found

    def table_list(self) -> list[TableSettings]:
        if self.tables is None:
            return []
        return self.tables if isinstance(self.tables, list) else [self.tables]


KNOWN_PARSERS = ("regex", "static", "lines")
KNOWN_GROUPS = ("sum", "min", "max", "first", "last", "join")


def lenient(data: dict[str, Any]) -> Iterator[tuple[Loc, str]]:
    """Drop from ``data`` what invoice2data skips at extraction time, saying what and where.

    A field mapping without a ``parser``, or with one invoice2data does not know, is logged and
    skipped by invoice2data; here it is removed with a warning instead of refusing the template.
    """
    fields = data.get("fields")
    if not isinstance(fields, dict):
        return
    for name in list(fields):
        spec = fields[name]
        if not isinstance(spec, dict) or str(name).startswith("static_"):
            continue
        parser = spec.get("parser")
        if parser is None:
            del fields[name]
            yield ("fields", name), f"field '{name}' has no 'parser' and is ignored (as invoice2data does)"
        elif parser not in KNOWN_PARSERS:
            del fields[name]
            yield (
                ("fields", name, "parser"),
                f"field '{name}' has the unknown parser {parser!r} and is ignored "
                f"(as invoice2data does); parsers: {', '.join(KNOWN_PARSERS)}",
            )
        elif parser == "regex" and "group" in spec and spec["group"] not in KNOWN_GROUPS:
            del fields[name]
            yield (
                ("fields", name, "group"),
                f"field '{name}' has the unknown group {spec['group']!r} and is ignored "
                f"(invoice2data finds no value for it); groups: {', '.join(KNOWN_GROUPS)}",
            )


def patterns(tpl: TemplateFile) -> Iterator[tuple[Loc, str]]:
    """Every regular expression in the template, with where it sits (keywords are plain text)."""
    for i, (old, _new) in enumerate(tpl.options.replace):
        yield ("options", "replace", i), old
    for name, spec in tpl.fields.items():
        if isinstance(spec, FieldSettings):
            yield from _listed(("fields", name, "regex"), spec.regex)
    for name, (blocks, _area) in tpl.line_blocks().items():
        base: Loc = ("fields", name) if name in tpl.fields else ("lines",)
        for block in blocks:
            for key in ("start", "end", "line", "first_line", "last_line", "skip_line", "line_separator"):
                yield from _listed((*base, key), getattr(block, key))
    for i, table in enumerate(tpl.table_list()):
        for key in ("start", "end", "body", "line_separator"):
            yield ("tables", i, key) if isinstance(tpl.tables, list) else ("tables", key), getattr(table, key)


def _listed(loc: Loc, value: str | list[str] | None) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, list):
        for i, rx in enumerate(value):
            yield (*loc, i), rx


def regexes_compile(tpl: TemplateFile) -> Iterator[tuple[Loc, str]]:
    for loc, pattern in patterns(tpl):
        try:
            re.compile(pattern)
        except re.error as exc:
            where = ".".join(str(p) for p in loc)
            yield loc, f"{where} is not a valid regular expression: {exc}"


def fields_usable(tpl: TemplateFile) -> Iterator[tuple[Loc, str]]:
    for name, spec in tpl.fields.items():
        if isinstance(spec, FieldSettings) and spec.parser == "regex" and spec.regex is None:
            yield ("fields", name), f"field '{name}': the regex parser needs a 'regex'"
        elif isinstance(spec, LinesSettings) and not spec.blocks():
            yield (
                ("fields", name),
                f"field '{name}': the lines parser needs 'start', 'end' and 'line' (or 'rules')",
            )
