"""One template file read: its YAML or JSON parsed, its content validated, each problem with file:line.

Validation is pydantic over the dataclasses of :mod:`robot.pdftext.template_file`, whose
annotations name the terms given to it here. Only a template read from its file needs this, YAML
and pydantic: one read back from the template cache (:mod:`robot.pdftext.template_cache`), or
pickled to the reader child, is the dataclasses alone. An unknown key is pydantic's
``unexpected_keyword_argument`` for a dataclass: it is dropped with a warning and the content
validated again, at most ``_MAX_PASSES`` times.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BeforeValidator, Discriminator, Field, Tag, TypeAdapter, ValidationError

from robot.configuration.yamlconf import Loc, _config_error, compose_yaml, line_of, read_config_text
from robot.errors import ConfigError, ConfigErrors
from robot.pdftext.extract import Template
from robot.pdftext.template_cache import Loaded
from robot.pdftext.template_file import FieldSettings, LinesSettings, TemplateFile

MAX_TEMPLATE_BYTES = 1024 * 1024
_MAX_PASSES = 25
#: the annotations' terms, given to pydantic when it reads them (they are text in the module)
_TERMS = {"BeforeValidator": BeforeValidator, "Discriminator": Discriminator, "Field": Field, "Tag": Tag}
_ADAPTER: TypeAdapter[TemplateFile] = TypeAdapter(TemplateFile)
_ADAPTER.rebuild(_types_namespace=_TERMS)


def read_template(path: Path, size: int) -> Loaded:
    """The template in ``path`` (``size`` bytes), or the problems that refuse it (file:line)."""
    file = str(path)
    try:
        if size > MAX_TEMPLATE_BYTES:
            raise ConfigError(f"a template of more than {MAX_TEMPLATE_BYTES} bytes", file=file)
        node, data = _parse(path, file)
        if not isinstance(data, dict):
            raise ConfigError("a template is a mapping (issuer, keywords, fields, ...)", file=file, line=1)
        warnings = [_at(node, loc, msg, file, key=len(loc) == 2) for loc, msg in lenient(data)]
        spec = _validated(node, data, file, warnings)
    except ConfigErrors as exc:
        return None, tuple(exc.errors)
    except ConfigError as exc:
        return None, (exc,)
    return Template(path.stem, path, spec, tuple(sorted(warnings, key=lambda w: w.line or 0))), ()


def _parse(path: Path, file: str) -> tuple[yaml.Node | None, Any]:
    text = read_config_text(path, file)
    if path.suffix != ".json":
        node, data = compose_yaml(text, file, fast=True)
        if node is None:
            raise ConfigError("file is empty", file=file, line=1)
        return node, data
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"JSON syntax error: {getattr(exc, 'msg', exc)}", file=file, line=line) from None
    try:  # JSON is YAML: the node tree gives the lines for the messages
        node, _ = compose_yaml(text, file, fast=True)
    except ConfigError:
        node = None
    return node, data


def _validated(
    node: yaml.Node | None, data: dict[str, Any], file: str, warnings: list[ConfigError]
) -> TemplateFile:
    """``data`` as a TemplateFile; each unknown key is dropped with a warning, other errors refuse."""
    for _ in range(_MAX_PASSES):
        try:
            spec = _ADAPTER.validate_python(data)
        except ValidationError as exc:
            extra = [e for e in exc.errors() if e["type"] == "unexpected_keyword_argument"]
            if not extra:
                if node is None:
                    raise ConfigErrors(
                        [
                            ConfigError(f"{'.'.join(map(str, e['loc']))}: {e['msg']}", file=file)
                            for e in exc.errors()
                        ]
                    ) from None
                errors = [_config_error(e, node, TemplateFile, file) for e in exc.errors()]
                raise (errors[0] if len(errors) == 1 else ConfigErrors(errors)) from None
            for err in extra:
                loc: Loc = tuple(err["loc"])
                if _drop(data, loc):
                    where = ".".join(str(p) for p in _data_loc(data, loc[:-1]))
                    warnings.append(
                        _at(
                            node,
                            loc,
                            f"unknown key {loc[-1]!r}{' in ' + where if where else ''} "
                            "ignored (invoice2data ignores it too)",
                            file,
                            key=True,
                        )
                    )
            continue
        break
    else:  # pragma: no cover - each pass removes at least one key
        raise ConfigError("too many unknown keys", file=file)
    problems = [
        _at(node, loc, msg, file) for check in (regexes_compile, fields_usable) for loc, msg in check(spec)
    ]
    if problems:
        raise problems[0] if len(problems) == 1 else ConfigErrors(problems)
    return spec


def _data_loc(data: Any, loc: Loc) -> list[str | int]:
    """The steps of a pydantic ``loc`` that are keys or indexes in ``data`` (union tags left out)."""
    steps: list[str | int] = []
    current = data
    for step in loc:
        in_list = isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current)
        if not in_list and not (isinstance(current, dict) and step in current):
            continue
        current = current[step]
        steps.append(step)
    return steps


def _drop(data: Any, loc: Loc) -> bool:
    current = data
    for step in _data_loc(data, loc[:-1]):
        current = current[step]
    if isinstance(current, dict) and loc[-1] in current:
        del current[loc[-1]]
        return True
    return False


def _at(node: yaml.Node | None, loc: Loc, message: str, file: str, *, key: bool = False) -> ConfigError:
    return ConfigError(message, file=file, line=line_of(node, loc, key=key) if node is not None else None)


# --- what makes a template unusable, or a key ignored -------------------------------------

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
