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
else ``~/.cache/fakturarobot``) holding each file's validated template, warnings and problems, so a
new process (``fakturarobot parse one.pdf``) reads the templates back as plain data instead of
parsing YAML, validating and compiling every regular expression again (only a file read again
imports YAML and pydantic: :mod:`robot.pdftext.template_read`). A file whose size or
modification time changed is read again; a cache that cannot be read or written is ignored (it is
never needed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from robot.errors import ConfigError, ConfigErrors, ReadError
from robot.model import Invoice
from robot.pdftext.area import AreaText
from robot.pdftext.extract import Template
from robot.pdftext.mapping import to_invoice
from robot.pdftext.template_cache import CACHE_ENV, DiskCache, Loaded

__all__ = ["CACHE_ENV", "TemplateSet", "load_template", "template_files"]

SUFFIXES = (".yml", ".yaml", ".json")

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
        from robot.pdftext.template_read import read_template  # YAML and pydantic: only now

        loaded = read_template(path, stat.st_size)
        if disk is not None:
            disk.put(path, key, loaded)
    _cache[mine] = loaded
    template, errors = loaded
    if template is None:
        raise errors[0] if len(errors) == 1 else ConfigErrors(errors)
    return template
