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

The classes are plain frozen dataclasses: what a loaded template is, pickled to the reader child
and read back from the template cache without pydantic. Their annotations also say how a file is
validated, for pydantic in :mod:`robot.pdftext.template_read`, which alone imports it (the
annotations are text until then). They forbid unknown keys so that the loader
(:mod:`robot.pdftext.loading`) can name each one; it ignores them with a warning, as invoice2data
ignores them. What makes a template unusable (no keywords, a regular expression that does not
compile, a group or type invoice2data does not know) refuses that template alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

if TYPE_CHECKING:  # the annotations' validation terms, resolved by robot.pdftext.template_schema
    from pydantic import BeforeValidator, Discriminator, Field, Tag


ValueType = Literal["int", "float", "date", "datetime"]
Group = Literal["sum", "min", "max", "first", "last", "join"]
Patterns = str | list[str]
#: every class refuses keys it does not know (read by pydantic)
_STRICT: dict[str, Any] = {"extra": "forbid"}


def listed_value(value: object) -> object:
    """invoice2data wraps a single value where it expects a list."""
    return [] if value is None else value if isinstance(value, list) else [value]


@dataclass(frozen=True, slots=True)
class Area:
    """invoice2data's ``area``: poppler's ``pdftotext -f -l -r -x -y -W -H`` crop.

    Pages ``f`` to ``l`` (1-based); the box ``x``, ``y`` (top left), ``W`` wide and ``H`` high, in
    pixels at ``r`` dots per inch (72 = PDF points).
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    x: Annotated[float, Field(ge=0)]
    y: Annotated[float, Field(ge=0)]
    W: Annotated[float, Field(gt=0)]
    H: Annotated[float, Field(gt=0)]
    f: Annotated[int, Field(ge=1)] = 1
    l: Annotated[int, Field(ge=1)] = 1  # noqa: E741 - invoice2data's key
    r: Annotated[float, Field(gt=0)] = 72.0


@dataclass(frozen=True, slots=True)
class BlockSettings:
    """One block of the ``lines`` parser: rows between ``start`` and ``end``.

    ``first_line`` starts a row, ``line`` adds to it, ``last_line`` ends it, ``skip_line`` is
    ignored; each may be one regular expression or a list. Named groups become the row's keys.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    start: str
    end: str
    line: Patterns
    first_line: Patterns | None = None
    last_line: Patterns | None = None
    skip_line: Patterns | None = None
    types: dict[str, ValueType] = field(default_factory=dict)
    line_separator: str = r"\n"


@dataclass(frozen=True, slots=True)
class LinesSettings:
    """The ``lines`` parser: one block, or several ``rules`` whose rows are concatenated."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    parser: Literal["lines"] | None = None
    rules: list[BlockSettings] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    line: Patterns | None = None
    first_line: Patterns | None = None
    last_line: Patterns | None = None
    skip_line: Patterns | None = None
    types: dict[str, ValueType] = field(default_factory=dict)
    line_separator: str = r"\n"
    area: Area | None = None

    def blocks(self) -> list[BlockSettings]:
        if self.rules:
            return self.rules
        if self.start is None or self.end is None or self.line is None:
            return []
        return [
            BlockSettings(
                self.start,
                self.end,
                self.line,
                self.first_line,
                self.last_line,
                self.skip_line,
                dict(self.types),
                self.line_separator,
            )
        ]


@dataclass(frozen=True, slots=True)
class FieldSettings:
    """One field: ``parser: regex`` (``regex``, ``type``, ``group``) or ``parser: static`` (``value``).

    The short forms are normalised to this: ``name: REGEX`` or a list of them is a regex field
    (``legacy``: its type follows from the name, ``date*``/``*date`` a date, ``amount*`` a number),
    and ``static_name: VALUE`` a static one. ``area`` searches only that part of the page.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    parser: Literal["regex", "static"]
    regex: Patterns | None = None
    value: Any = None
    type: ValueType | None = None
    group: Group | None = None
    area: Area | None = None
    legacy: bool = False


@dataclass(frozen=True, slots=True)
class TableSettings:
    """The ``tables`` plugin: each line between ``start`` and ``end`` searched with ``body``."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    start: str
    end: str
    body: str
    types: dict[str, ValueType] = field(default_factory=dict)
    line_separator: str = r"\n"
    field_separator: str | None = None  # invoice2data's default option; unused there too


def truth(value: object) -> object:
    """invoice2data tests these with ``if``: ``None`` is off, ``[True]`` on, ``[]`` off."""
    if value is None or isinstance(value, list | dict):
        return bool(value)
    return value


def one_replace(value: object) -> object:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return [value]  # invoice2data wraps a single [old, new] pair
    return listed_value(value)


@dataclass(frozen=True, slots=True)
class Options:
    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    remove_whitespace: Annotated[bool, BeforeValidator(truth)] = False
    remove_accents: Annotated[bool, BeforeValidator(truth)] = False
    lowercase: Annotated[bool, BeforeValidator(truth)] = False
    currency: str | None = "EUR"  # null as in invoice2data: no currency read
    date_formats: Annotated[list[str], BeforeValidator(listed_value)] = field(default_factory=list)
    languages: Annotated[list[str], BeforeValidator(listed_value)] = field(default_factory=list)
    decimal_separator: Literal[".", ","] = "."
    replace: Annotated[list[tuple[str, str]], BeforeValidator(one_replace)] = field(default_factory=list)
    locale: str | None = None  # accepted for compatibility (number and date parsing use the above)


def _normalise_field(name: str, value: object) -> object:
    if name.startswith("static_") and not isinstance(value, dict):
        return {"parser": "static", "value": value}
    if isinstance(value, str | list):
        return {"parser": "regex", "regex": value, "legacy": True}
    return value


def field_kind(value: object) -> str:
    parser = value.get("parser") if isinstance(value, dict) else getattr(value, "parser", None)
    return "lines" if parser == "lines" else "field"


def short_forms(value: object) -> object:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value
    fields = {str(k): _normalise_field(str(k), v) for k, v in value.items()}
    return {k: v for k, v in fields.items() if v != {"parser": "static", "value": None}}


def no_options(value: object) -> object:
    return {} if value is None else value


@dataclass(frozen=True, slots=True)
class TemplateFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    keywords: Annotated[list[str], BeforeValidator(listed_value), Field(min_length=1)]
    issuer: str | None = None
    exclude_keywords: Annotated[list[str], BeforeValidator(listed_value)] = field(default_factory=list)
    fields: Annotated[
        dict[
            str,
            Annotated[
                Annotated[FieldSettings, Tag("field")] | Annotated[LinesSettings, Tag("lines")],
                Discriminator(field_kind),
            ],
        ],
        BeforeValidator(short_forms),
    ] = field(default_factory=dict)
    options: Annotated[Options, BeforeValidator(no_options)] = field(default_factory=Options)
    lines: LinesSettings | list[BlockSettings] | None = None
    tables: list[TableSettings] | TableSettings | None = None
    required_fields: list[str] | None = None
    priority: int = 5
    input_module: Any = None  # invoice2data's text reader; the robot reads the text layer itself
    template_name: Any = None  # set by invoice2data's loader; the robot names a template by its file

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
