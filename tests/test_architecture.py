"""The layers, checked on the source (every module's AST under robot/, classifiers/, connectors/).

- Test doubles stay apart from the product: nothing outside ``connectors/testing`` and ``robot/demo``
  imports the test servers or the fakes (an import anywhere in the module, or the dotted name as a
  string for ``importlib``).
- The rule API and the connectors see only the core of ``robot``:
  ``robot.model``, ``robot.errors``, ``robot.codes``, ``robot.serialize``, ``robot.readers.limits``.
- The store records what the stages hand it and imports none of them (``robot.processing``,
  ``robot.running``, ``robot.scheduling``, ``robot.cli``, ``robot.web``, ``robot.demo``), not even for
  annotations: what it needs of a decision it declares itself (``robot.store.decisions.StepRecord``).
- The top of ``robot/`` holds only that core and the sub-packages by stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("robot", "classifiers", "connectors")
TEST_DOUBLES = "connectors.testing"
MAY_USE_TEST_DOUBLES = ("connectors.testing", "robot.demo")
PLUGIN_CORE = frozenset(
    {"robot.codes", "robot.errors", "robot.model", "robot.readers.limits", "robot.serialize"}
)
CORE = frozenset({"codes", "errors", "logsetup", "model", "serialize"})
ROBOT_PACKAGES = frozenset(
    {
        "bank",
        "cli",
        "configuration",
        "demo",
        "pdftext",
        "processing",
        "readers",
        "reports",
        "running",
        "scheduling",
        "store",
        "web",
    }
)
#: the stages that use the store, which the store does not import
ABOVE_THE_STORE = tuple(
    f"robot.{p}" for p in ("processing", "running", "scheduling", "cli", "web", "demo", "bank", "reports")
)


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _within(name: str, packages: tuple[str, ...] | str) -> bool:
    packages = (packages,) if isinstance(packages, str) else packages
    return any(name == p or name.startswith(p + ".") for p in packages)


def imported(name: str) -> set[str]:
    """Every module ``name`` imports (relative imports resolved), and dotted names in its strings."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.split(":")[0].strip()
            if _within(text, PACKAGES) and " " not in text:
                found.add(text)
    return found


def test_the_walk_sees_the_imports() -> None:
    """Not vacuous: the demo does import the test servers, the connectors the errors."""
    assert len(MODULES) > 100
    assert any(_within(m, TEST_DOUBLES) for m in imported("robot.demo.sandbox_demo"))
    assert "robot.errors" in imported("connectors.folder")
    assert "robot.store.findings_map.finding_values" in imported("robot.store.decisions")
    assert any(_within(m, ABOVE_THE_STORE) for m in imported("robot.processing.dry_run"))


@pytest.mark.parametrize("name", [m for m in MODULES if not _within(m, MAY_USE_TEST_DOUBLES)])
def test_no_runtime_module_imports_the_test_doubles(name: str) -> None:
    doubles = sorted(m for m in imported(name) if _within(m, TEST_DOUBLES))
    assert not doubles, f"{name} imports test doubles: {doubles}"


@pytest.mark.parametrize("name", [m for m in MODULES if _within(m, ("classifiers", "connectors"))])
def test_plugins_import_only_the_core_of_robot(name: str) -> None:
    robot = {m for m in imported(name) if _within(m, "robot")}
    beyond = sorted(m for m in robot if not any(_within(m, c) for c in PLUGIN_CORE))
    assert not beyond, f"{name} imports from robot beyond the core: {beyond}"


@pytest.mark.parametrize("name", [m for m in MODULES if _within(m, "robot.store")])
def test_the_store_imports_none_of_the_stages_above_it(name: str) -> None:
    above = sorted(m for m in imported(name) if _within(m, ABOVE_THE_STORE))
    assert not above, f"{name} imports from the stages that use the store: {above}"


@pytest.mark.parametrize("name", [m for m in MODULES if _within(m, "robot.reports")])
def test_the_reports_read_the_store_not_the_console(name: str) -> None:
    """The figures serve the CLI and the console alike: they import neither."""
    beyond = sorted(m for m in imported(name) if _within(m, ("robot.web", "robot.cli")))
    assert not beyond, f"{name} imports the console or the command line: {beyond}"


def test_the_top_of_robot_is_the_core_and_the_stages() -> None:
    top = {p.stem for p in (ROOT / "robot").glob("*.py")} - {"__init__"}
    packages = {p.name for p in (ROOT / "robot").iterdir() if (p / "__init__.py").is_file()}
    assert {"model", "errors"} <= top
    assert not top - CORE, f"not core, belongs in a sub-package: {sorted(top - CORE)}"
    assert not packages - ROBOT_PACKAGES, (
        f"a sub-package the README does not know: {sorted(packages - ROBOT_PACKAGES)}"
    )


@pytest.mark.parametrize("name", [m for m in MODULES if _within(m, "robot.web")])
def test_the_console_does_not_import_the_command_line(name: str) -> None:
    """robot/web reads and decides through robot.store/processing/configuration, never the CLI."""
    cli = sorted(m for m in imported(name) if _within(m, ("robot.cli", "robot.demo")))
    assert not cli, f"{name} imports the command line or the demo: {cli}"
