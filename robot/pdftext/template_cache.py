"""The on-disk cache of validated PDF templates (see :mod:`robot.pdftext.loading`).

One JSON file per template folder, under ``$FAKTURAROBOT_CACHE_DIR`` (default
``$XDG_CACHE_HOME/fakturarobot``, else ``~/.cache/fakturarobot``): for each file its modification
time and size, the validated template (:mod:`robot.pdftext.template_file`'s dataclasses as plain
data), its warnings and its problems. An entry is read back into the dataclasses as it was written,
without validating it again (and so without pydantic); an entry whose file changed is not used,
and a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from robot.configuration.cachedir import CACHE_ENV, cache_dir
from robot.errors import ConfigError
from robot.pdftext.extract import Template
from robot.pdftext.template_file import (
    Area,
    BlockSettings,
    FieldSettings,
    LinesSettings,
    Options,
    TableSettings,
    TemplateFile,
)

__all__ = ["CACHE_ENV", "CACHE_VERSION", "DiskCache", "Loaded", "cache_dir"]

CACHE_VERSION = 2  # 2: the validated dataclasses, not the file's content

Loaded = tuple[Template | None, tuple[ConfigError, ...]]


def _bare(error: ConfigError) -> tuple[int | None, str]:
    prefix = (
        f"{error.file}:{error.line}: "
        if error.file and error.line
        else f"{error.file}: "
        if error.file
        else ""
    )
    return error.line, error.message.removeprefix(prefix)


class DiskCache:
    """One folder's templates as validated before, by file: size, modification time, content."""

    def __init__(self, folder: Path) -> None:
        resolved = str(folder.resolve())
        digest = hashlib.sha256(resolved.encode()).hexdigest()[:16]
        self.path = cache_dir() / f"pdf-templates-{digest}.json"
        self.folder = resolved
        self.changed = False
        self.entries: dict[str, Any] = {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("version") == CACHE_VERSION and stored.get("folder") == resolved:
                self.entries = dict(stored["files"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries = {}

    def get(self, path: Path, key: tuple[str, int, int]) -> Loaded | None:
        entry = self.entries.get(key[0])
        if not isinstance(entry, dict) or (entry.get("mtime_ns"), entry.get("size")) != key[1:]:
            return None
        file = str(path)
        try:
            errors = tuple(ConfigError(m, file=file, line=line) for line, m in entry["errors"])
            if errors:
                return None, errors
            warnings = tuple(ConfigError(m, file=file, line=line) for line, m in entry["warnings"])
            spec = template_from(entry["data"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return Template(path.stem, path, spec, warnings), ()

    def put(self, path: Path, key: tuple[str, int, int], loaded: Loaded) -> None:
        template, errors = loaded
        data = None
        if template is not None:
            try:
                data = json.loads(json.dumps(asdict(template.spec), default=_encoded))
                if template_from(data) != template.spec:
                    return  # a value JSON does not keep: read from the file each time
            except (TypeError, ValueError):
                return
        self.entries[key[0]] = {
            "mtime_ns": key[1],
            "size": key[2],
            "data": data if template is not None else None,
            "warnings": [_bare(w) for w in (template.warnings if template is not None else ())],
            "errors": [_bare(e) for e in errors],
        }
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        content = json.dumps({"version": CACHE_VERSION, "folder": self.folder, "files": self.entries})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(content, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            return


def template_from(data: dict[str, Any]) -> TemplateFile:
    """The template that :func:`dataclasses.asdict` (and JSON) made ``data`` of."""
    lines, tables = data["lines"], data["tables"]
    options = data["options"]
    return TemplateFile(
        **{
            **data,
            "fields": {name: _field(spec) for name, spec in data["fields"].items()},
            "options": Options(**{**options, "replace": [(old, new) for old, new in options["replace"]]}),
            "lines": None
            if lines is None
            else [BlockSettings(**b) for b in lines]
            if isinstance(lines, list)
            else _lines(lines),
            "tables": None
            if tables is None
            else [TableSettings(**t) for t in tables]
            if isinstance(tables, list)
            else TableSettings(**tables),
        }
    )


def _area(data: dict[str, Any] | None) -> Area | None:
    return None if data is None else Area(**data)


def _lines(data: dict[str, Any]) -> LinesSettings:
    rules = [BlockSettings(**b) for b in data["rules"]]
    return LinesSettings(**{**data, "rules": rules, "area": _area(data["area"])})


def _field(data: dict[str, Any]) -> FieldSettings | LinesSettings:
    if data.get("parser") == "lines":
        return _lines(data)
    return FieldSettings(**{**data, "area": _area(data["area"]), "value": _decoded(data["value"])})


def _encoded(value: object) -> dict[str, str]:
    """A static value YAML read as a date or a time, in JSON."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not kept in the cache")


def _decoded(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        if set(value) == {"$datetime"}:
            return datetime.fromisoformat(value["$datetime"])
        if set(value) == {"$date"}:
            return date.fromisoformat(value["$date"])
    return value
