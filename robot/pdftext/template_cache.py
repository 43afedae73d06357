"""The on-disk cache of validated PDF templates (see :mod:`robot.pdftext.loading`).

One JSON file per template folder, under ``$FAKTURAROBOT_CACHE_DIR`` (default
``$XDG_CACHE_HOME/fakturarobot``, else ``~/.cache/fakturarobot``): for each file its modification
time and size, the validated content (unknown keys removed), its warnings and its problems. An
entry whose file changed is not used; a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from robot.configuration.cachedir import CACHE_ENV, cache_dir
from robot.errors import ConfigError
from robot.pdftext.extract import Template
from robot.pdftext.template_file import TemplateFile

__all__ = ["CACHE_ENV", "CACHE_VERSION", "DiskCache", "Loaded", "cache_dir"]

CACHE_VERSION = 1

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
            spec = TemplateFile.model_validate(entry["data"])
        except (ValidationError, KeyError, TypeError, ValueError):
            return None
        return Template(path.stem, path, spec, warnings), ()

    def put(self, path: Path, key: tuple[str, int, int], loaded: Loaded, data: dict[str, Any] | None) -> None:
        template, errors = loaded
        if template is not None:
            try:
                if data is None or json.loads(json.dumps(data)) != data:
                    return  # a value JSON does not keep (a YAML date): read from the file each time
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
