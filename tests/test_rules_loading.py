"""Which rules run is never a silent guess: unknown names in ``Classifier(only=...)`` and rule
plugins that fail to import are errors, not an empty or shorter rule set."""

from __future__ import annotations

import importlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import classifiers.engine as engine
from classifiers.api import ENTRY_POINT_GROUP
from classifiers.engine import Classifier, load_rules
from robot.cli.app import _register, app
from tests.conftest import ROOT, SAMPLES

_register()
runner = CliRunner()
REGISTRY = load_rules()


def test_only_refuses_an_unknown_rule_code_naming_what_exists() -> None:
    with pytest.raises(ValueError) as caught:
        Classifier(only=["DK-PAYTERMS-31"])  # DK-PAYTERMS-30 exists; a renamed rule must not pass quietly
    message = str(caught.value)
    assert "'DK-PAYTERMS-31'" in message
    assert "DK-PAYTERMS-30" in message and "danish_payment" in message  # codes and families that exist


def test_only_refuses_an_unknown_family_and_names_only_the_unknown_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown rule code or family: 'danish_payments'; families: "):
        Classifier(only=["danish", "danish_payments", "EN-MANDATORY"])


def test_only_with_known_codes_and_families_runs_exactly_those() -> None:
    classifier = Classifier(only=["danish_payment", "EN-MANDATORY"])
    assert {s.code for s in classifier.rules} == {
        s.code for s in REGISTRY if s.family == "danish_payment" or s.code == "EN-MANDATORY"
    }


# --- rule plugins that fail to import ---------------------------------------------------------


@pytest.fixture
def broken_plugin(tmp_path: Path) -> Iterator[Path]:
    """An installed distribution (a dist-info on sys.path) whose rule entry point cannot be imported."""
    site = tmp_path / "site"
    dist = site / "acme_rules-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nacme = acme_rules.checks\n", encoding="utf-8"
    )
    pkg = site / "acme_rules"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "checks.py").write_text("import acme_missing_dependency  # noqa: F401\n", encoding="utf-8")
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    engine._loaded = False  # load the rules again, as a fresh process would
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m == "acme_rules" or m.startswith("acme_rules.")]:
            del sys.modules[name]
        importlib.invalidate_caches()
        engine._loaded = False
        load_rules()  # back to the rules of this checkout


def _samples(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "s", ignore=shutil.ignore_patterns("inbox"))
    shutil.copy(ROOT / "schedules.yaml", tmp_path / "schedules.yaml")
    return tmp_path / "s" / "fakturarobot.yaml"


def test_check_config_reports_a_rule_plugin_that_fails_to_import(broken_plugin: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check-config", "--config", str(_samples(tmp_path))])
    assert result.exit_code == 2, result.output
    assert "rule plugin 'acme' (acme_rules.checks" in result.output
    assert "ModuleNotFoundError: No module named 'acme_missing_dependency'" in result.output


@pytest.mark.parametrize("args", [[], ["--json"], ["--markdown"]], ids=["table", "json", "markdown"])
def test_rules_lists_what_loaded_and_exits_non_zero_for_a_broken_plugin(
    broken_plugin: Path, args: list[str]
) -> None:
    result = runner.invoke(app, ["rules", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "EN-MANDATORY" in result.stdout  # the rules that did load are still listed
    assert "rule plugin 'acme'" in result.stderr and "acme_missing_dependency" in result.stderr


def test_a_healthy_plugin_set_exits_zero() -> None:
    assert engine.load_failures() == ()
    assert runner.invoke(app, ["rules", "--json"]).exit_code == 0
