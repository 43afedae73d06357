"""Template folders that never block: every template that loads is used, every other one is named.

:meth:`TemplateSet.load` reads every ``*.yml``, ``*.yaml`` and ``*.json`` file under the folders
(hidden ones aside), as invoice2data does. A template that cannot be used (its YAML or JSON does
not parse, no ``keywords``, a regular expression that does not compile, a type or group
invoice2data does not know) is a **problem**: a :class:`~robot.errors.ConfigError` with file and
line in ``TemplateSet.problems``, and the template is skipped; a key invoice2data ignores is a
**warning** (``TemplateSet.warnings``) and ignored here too. Only a folder that does not exist is
an error of the whole set (a configuration mistake, not a template's).

Each file is parsed once, with libyaml's C loader where PyYAML has it, and kept by
``(path, modification time, size)``: in the process (a second load re-reads nothing) and on disk,
in a JSON file per folder under ``$FAKTURAROBOT_CACHE_DIR`` (default ``$XDG_CACHE_HOME/fakturarobot``,
else ``~/.cache/fakturarobot``) holding each file's validated content, warnings and problems, so a
new process (``fakturarobot parse one.pdf``) validates the JSON instead of parsing YAML and
compiling every regular expression again. A file whose size or modification time changed is read
again; a cache that cannot be read or written is ignored (it is never needed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from robot.configuration.yamlconf import (
    ConfigErrors,
    Loc,
    _config_error,
    compose_yaml,
    line_of,
    read_config_text,
)
from robot.errors import ConfigError, ReadError
from robot.model import Invoice
from robot.pdftext.area import AreaText
from robot.pdftext.extract import Template
from robot.pdftext.mapping import to_invoice
from robot.pdftext.template_cache import CACHE_ENV, DiskCache, Loaded
from robot.pdftext.template_file import TemplateFile, fields_usable, lenient, regexes_compile

__all__ = ["CACHE_ENV", "TemplateSet", "load_template", "template_files"]

SUFFIXES = (".yml", ".yaml", ".json")
MAX_TEMPLATE_BYTES = 1024 * 1024
_MAX_PASSES = 25

_cache: dict[tuple[str, str, int, int], Loaded] = {}


class TemplateSet:
    """Templates in match order: higher ``priority`` first, then by file name.

    ``problems``: the templates refused (skipped), each a ConfigError with file:line and why;
    ``warnings``: keys ignored in the templates that loaded.
    """

    def __init__(
        self,
        templates: Iterable[Template],
        folders: Sequence[Path] = (),
        problems: Sequence[ConfigError] = (),
    ) -> None:
        self.templates = sorted(templates, key=lambda t: (-t.spec.priority, t.name, str(t.path)))
        self.folders = tuple(folders)
        self.problems: list[ConfigError] = list(problems)
        self.warnings: list[ConfigError] = [w for t in self.templates for w in t.warnings]

    @classmethod
    def load(cls, folders: Sequence[Path]) -> TemplateSet:
        """Every template under the folders; a missing folder is a ConfigError, a bad template a problem."""
        missing = [
            ConfigError("PDF template folder not found", file=str(f)) for f in folders if not f.is_dir()
        ]
        if missing:
            raise missing[0] if len(missing) == 1 else ConfigErrors(missing)
        templates: list[Template] = []
        problems: list[ConfigError] = []
        for folder in folders:
            disk = DiskCache(folder)
            for path in template_files(folder):
                try:
                    templates.append(load_template(path, disk))
                except ConfigErrors as exc:
                    problems.extend(exc.errors)
                except ConfigError as exc:
                    problems.append(exc)
            disk.save()
        return cls(templates, folders, problems)

    def __len__(self) -> int:
        return len(self.templates)

    def report(self) -> list[str]:
        """One line per refused template (``file:line: why``), for stderr and the run summary."""
        return [f"PDF template skipped: {p}" for p in self.problems]

    def match(self, text: str) -> tuple[Template, str] | None:
        """The first template whose keywords all occur, and the text prepared for it."""
        for template in self.templates:
            prepared = template.prepare(text)
            if template.matches(prepared, text):
                return template, prepared
        return None

    def read(self, content: bytes, filename: str = "<bytes>") -> Invoice:
        """The invoice printed in a PDF, or a ReadError naming what is missing."""
        from robot.pdftext import pdf_text
        from robot.pdftext.area import area_reader

        text = pdf_text(content, filename)
        found = self.match(text)
        if found is None:
            start = " ".join(text.split())[:160]
            where = ", ".join(str(f) for f in self.folders) or "pdf_templates"
            raise ReadError(
                f"no PDF template matches this invoice ({len(self)} tried); its text begins '{start}'",
                file=filename,
                field="keywords",
                expected=f"a template in {where} whose keywords all occur in the text",
            )
        template, prepared = found
        return apply_template(template, prepared, filename, area_reader(content, filename))


def apply_template(template: Template, prepared: str, filename: str, area_text: AreaText | None) -> Invoice:
    """The invoice ``template`` reads from ``prepared``; a ReadError names the template."""
    try:
        return to_invoice(template.extract(prepared, area_text), template.name)
    except ReadError as exc:
        raise ReadError(
            f"{exc.reason} (template {template.path.name})",
            file=filename,
            field=exc.field,
            expected=exc.expected,
        ) from None


def template_files(folder: Path) -> list[Path]:
    """The template files under ``folder``, by path (hidden files and folders left out)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / n for n in sorted(files) if n.endswith(SUFFIXES) and not n.startswith(".")]
    return found


def load_template(path: Path, disk: DiskCache | None = None) -> Template:
    """One template file (cached by path, modification time and size); ConfigError(s) if refused."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror or exc}", file=str(path)) from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    mine = (str(path), *key)  # the Template keeps the path as given: messages name it so
    loaded = _cache.get(mine)
    if loaded is None and disk is not None:
        loaded = disk.get(path, key)
    if loaded is None:
        cleaned: list[dict[str, Any]] = []
        loaded = _load(path, stat.st_size, cleaned)
        if disk is not None:
            disk.put(path, key, loaded, cleaned[0] if cleaned else None)
    _cache[mine] = loaded
    template, errors = loaded
    if template is None:
        raise errors[0] if len(errors) == 1 else ConfigErrors(errors)
    return template


def _load(path: Path, size: int, cleaned: list[dict[str, Any]] | None = None) -> Loaded:
    file = str(path)
    try:
        if size > MAX_TEMPLATE_BYTES:
            raise ConfigError(f"a template of more than {MAX_TEMPLATE_BYTES} bytes", file=file)
        node, data = _parse(path, file)
        if not isinstance(data, dict):
            raise ConfigError("a template is a mapping (issuer, keywords, fields, ...)", file=file, line=1)
        warnings = [_at(node, loc, msg, file, key=len(loc) == 2) for loc, msg in lenient(data)]
        spec = _validated(node, data, file, warnings)
        if cleaned is not None:
            cleaned.append(data)  # what validated, unknown keys removed (for the disk cache)
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
            spec = TemplateFile.model_validate(data)
        except ValidationError as exc:
            extra = [e for e in exc.errors() if e["type"] == "extra_forbidden"]
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
