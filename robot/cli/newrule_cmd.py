"""``new-rule NAME``: a rule module, its test and its entry point, from templates (docs/writing-rules.md).

NAME is the rule code (``LARGE-INVOICE``) or the module name (``large_invoice``); the other is derived
from it. Nothing is overwritten: an existing module or test refuses the command; an existing
``pyproject.toml`` is left alone and the entry-point lines to add to it are printed instead.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import typer

from robot.cli.common import EXIT_CONFIG

ENTRY_POINT_TABLE = '[project.entry-points."fakturarobot.rules"]'
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class RuleNames:
    code: str  # LARGE-INVOICE
    module: str  # large_invoice (also the function and the entry point's name)
    package: str | None = None  # the package the module is written into (a folder with __init__.py)

    @property
    def import_path(self) -> str:
        return f"{self.package}.{self.module}" if self.package else self.module

    @property
    def entry_point(self) -> str:
        return f'{self.module} = "{self.import_path}"'


def names_of(name: str) -> RuleNames:
    """The rule code and module name for NAME; :class:`ValueError` for a name that cannot be both.

    >>> names_of("LARGE-INVOICE"), names_of("large_invoice") == names_of("LARGE-INVOICE")
    (RuleNames(code='LARGE-INVOICE', module='large_invoice', package=None), True)
    """
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a rule name: letters and digits in words joined by - or _, "
            "starting with a letter (LARGE-INVOICE or large_invoice)"
        )
    module = name.lower().replace("-", "_")
    if keyword.iskeyword(module) or not module.isidentifier():
        raise ValueError(f"{name!r} would make the module {module!r}, which Python cannot import")
    return RuleNames(code=module.upper().replace("_", "-"), module=module)


def render(template: str, names: RuleNames) -> str:
    """A template of robot/cli/templates filled in (NAME is validated, so plain text substitution)."""
    from jinja2 import Environment, StrictUndefined

    source = files("robot.cli").joinpath("templates", template).read_text(encoding="utf-8")
    env = Environment(keep_trailing_newline=True, undefined=StrictUndefined, autoescape=False)
    return env.from_string(source).render(
        code=names.code,
        module=names.module,
        import_path=names.import_path,
        function=names.module,
        entry_point=names.entry_point,
        distribution=f"fakturarobot-rule-{names.module.replace('_', '-')}",
    )


def write_rule(name: str, folder: Path) -> tuple[list[Path], str | None]:
    """Write the module, its test and (if there is none) ``pyproject.toml`` into ``folder``.

    Returns the files written and, when ``pyproject.toml`` already existed (or ``folder`` is a
    package of a project, a folder with ``__init__.py``), the entry-point lines to add to it.
    :class:`FileExistsError` (nothing written) if the module or its test exists.
    """
    names = names_of(name)
    if (folder / "__init__.py").is_file() and folder.resolve().name.isidentifier():
        names = RuleNames(names.code, names.module, package=folder.resolve().name)
    module = folder / f"{names.module}.py"
    test = folder / f"test_{names.module}.py"
    pyproject = folder / "pyproject.toml"
    existing = [p for p in (module, test) if p.exists()]
    if existing:
        raise FileExistsError(f"refusing to overwrite {', '.join(map(str, existing))}")
    folder.mkdir(parents=True, exist_ok=True)
    written = [module, test]
    module.write_text(render("newrule_module.py.j2", names), encoding="utf-8")
    test.write_text(render("newrule_test.py.j2", names), encoding="utf-8")
    if pyproject.exists() or names.package:  # a project of its own already: print what to add
        return written, f"{ENTRY_POINT_TABLE}\n{names.entry_point}\n"
    pyproject.write_text(render("newrule_pyproject.toml.j2", names), encoding="utf-8")
    return [*written, pyproject], None


def new_rule(
    name: str = typer.Argument(..., help="The rule code (LARGE-INVOICE) or module name (large_invoice)"),
    folder: Path = typer.Option(Path("."), "--dir", help="Folder to write into (default: here)"),
) -> None:
    """Write a new rule module, its test and its entry point from a template (see docs/writing-rules.md)."""
    try:
        written, lines = write_rule(name, folder)
    except (ValueError, FileExistsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    for path in written:
        typer.echo(f"wrote {path}")
    if lines is not None:
        typer.echo(f"add the entry point to the project's pyproject.toml yourself:\n{lines}", nl=False)
