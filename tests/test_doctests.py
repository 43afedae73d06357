"""Every ``>>>`` example in the docstrings of robot/, classifiers/ and connectors/ runs and holds.

The examples run from the repository root (so ``samples/...`` paths resolve as they do for a
developer in a checkout) with warnings as errors, like the rest of the suite. None is skipped:
an example that needs more set-up gets it in the docstring, or it is not written as ``>>>``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("robot", "classifiers", "connectors")
#: Alembic runs these as scripts (``env.py`` needs alembic's context); they are not importable.
NOT_MODULES = re.compile(r"^robot\.store\.migrations(\.|$)")
PROMPT = re.compile(r"^\s*>>>", re.MULTILINE)


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        path = [str(ROOT / package)]
        names += [m.name for m in pkgutil.walk_packages(path, f"{package}.") if not NOT_MODULES.match(m.name)]
    return sorted(names)


def _source(name: str) -> Path:
    base = ROOT.joinpath(*name.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


MODULES = _modules()
WITH_EXAMPLES = [m for m in MODULES if PROMPT.search(_source(m).read_text(encoding="utf-8"))]


def test_the_modules_with_examples_are_found() -> None:
    assert len(WITH_EXAMPLES) > 50, WITH_EXAMPLES
    assert not [p for p in ROOT.glob("robot/store/migrations/**/*.py") if PROMPT.search(p.read_text("utf-8"))]


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder(exclude_empty=True).find(module) if t.examples]
    found = sum(len(t.examples) for t in tests)
    prompts = len(PROMPT.findall(_source(name).read_text(encoding="utf-8")))
    assert found == prompts, (
        f"{name}: {prompts} '>>>' lines but {found} examples in docstrings doctest finds "
        "(an example outside a module, class or function docstring never runs)"
    )
    skipped = [t.name for t in tests for ex in t.examples if ex.options.get(doctest.SKIP)]
    assert not skipped, f"{name}: skipped examples are not examples: {skipped}"
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
