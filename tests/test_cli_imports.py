"""A command imports only what it needs: ``parse`` of one XML invoice loads no database, web or
HTTP library and no other command; ``--help`` lists every command without importing one.

Each check runs the real entry point (``robot.cli.main``) in a fresh interpreter and looks at
``sys.modules`` afterwards, so it is deterministic (no timing): bench/cli_start_bench.py measures
the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "samples/inbox/0001-peppol-clean.xml"
#: never needed to read or validate one XML invoice
HEAVY = (
    "sqlalchemy",
    "alembic",
    "fastapi",
    "httpx",
    "pdfplumber",
    "robot.store",
    "robot.configuration.settings",
    "yaml",
)
#: the modules that hold commands (robot.cli.app.COMMANDS names each command's)
COMMAND_MODULES = [
    f"robot.cli.{name}"
    for name in [
        "bank_cmd",
        "config_cmd",
        "documents",
        "health_cmd",
        "history",
        "holds_cmd",
        "newrule_cmd",
        "payments_cmd",
        "report_cmd",
        "rules_cmd",
        "runs_cmd",
        "schedule_cmd",
        "tokens_cmd",
        "users_cmd",
        "web_cmd",
        "whatif_cmd",
    ]
]

PROBE = """
import json, sys
from robot.cli.app import main
sys.argv = ["fakturarobot", *json.loads(sys.argv[1])]
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _python(code: str, *args: str, drop: tuple[str, ...], **extra: str) -> subprocess.CompletedProcess[str]:
    """``python -c CODE ARGS`` in a fresh interpreter in the project, without the environment
    variables ``drop`` and with ``extra`` set."""
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _run(*args: str) -> tuple[int, str, set[str]]:
    """Exit code, stdout and the modules loaded by ``fakturarobot ARGS`` in a fresh interpreter."""
    done = _python(
        PROBE,
        json.dumps(args),
        drop=("FAKTURAROBOT_CONFIG", "FAKTURAROBOT_DATABASE_URL"),
        COLUMNS="400",  # --help: one line per command
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["exit"], done.stdout, set(report["modules"])


def _loaded(modules: set[str], prefix: str) -> bool:
    return any(m == prefix or m.startswith(prefix + ".") for m in modules)


def test_parse_json_of_one_xml_invoice_loads_no_store_web_or_http_library() -> None:
    code, out, modules = _run("parse", "--json", SAMPLE)
    assert code == 0, out
    line = json.loads(out.splitlines()[0])
    assert line["file"] == SAMPLE and line["invoice_number"] == "KL-2026-0264"
    assert [m for m in HEAVY if _loaded(modules, m)] == []
    assert [m for m in COMMAND_MODULES if m in modules] == ["robot.cli.documents"]
    assert not _loaded(modules, "loguru")  # parse never logs: logging is set up when loguru is imported
    assert not _loaded(modules, "connectors")
    assert not _loaded(modules, "rich")  # JSON Lines need no console


def test_validate_without_a_configuration_loads_no_store_or_configuration() -> None:
    """The document-level rules only: neither the store, the configuration models nor a connector."""
    code, out, modules = _run("validate", "--json", SAMPLE)
    assert code == 0, out
    line = json.loads(out.splitlines()[0])
    assert (line["file"], line["verdict"], line["findings"]) == (SAMPLE, "post", [])
    assert [m for m in HEAVY if _loaded(modules, m)] == []
    assert [m for m in modules if m.startswith("connectors.") and m != "connectors.base"] == []
    assert [m for m in COMMAND_MODULES if m in modules] == ["robot.cli.documents"]
    # every rule module is loaded (all rules are known), but the vendor and duplicate rules do not
    # run without a configuration, so the fuzzy matching library they use stays out
    assert "classifiers.builtin.vendors" in modules and "classifiers.builtin.duplicates" in modules
    assert not _loaded(modules, "rapidfuzz")
    assert not _loaded(modules, "rich")  # JSON Lines need no console
    assert not _loaded(modules, "loguru")  # no rule crashed: nothing logged, logging never set up


def test_help_lists_every_command_with_its_help_and_imports_none() -> None:
    from robot.cli.app import COMMANDS

    assert sorted({target.partition(":")[0] for target, _ in COMMANDS.values()}) == COMMAND_MODULES
    code, out, modules = _run("--help")
    assert code == 0, out
    lines = out.splitlines()
    for name, (_, text) in COMMANDS.items():
        assert any(f" {name} " in line and text[:50] in line for line in lines), (name, out)
    assert [m for m in COMMAND_MODULES if m in modules] == []
    assert [m for m in HEAVY if _loaded(modules, m)] == []


@pytest.mark.parametrize(
    "name",
    [
        "parse",
        "validate",
        "pdf-text",
        "rules",
        "run",
        "demo",
        "make-samples",
        "runs",
        "show",
        "held",
        "release",
        "return",
        "retry",
        "what-if",
        "check-config",
        "scheduler",
        "worker",
        "health",
        "web",
        "user",
        "bank",
        "payments",
        "report",
        "token",
        "new-rule",
    ],
)
def test_the_listed_help_is_the_commands_own(name: str) -> None:
    """The help ``--help`` lists (without importing) is the first paragraph of the command's docstring."""
    from robot.cli.app import COMMANDS, command_function, help_paragraph

    assert COMMANDS[name][1] == help_paragraph(command_function(name))


def test_a_command_asked_for_its_help_shows_its_options() -> None:
    code, out, modules = _run("held", "--help")
    assert code == 0 and "--customer" in out and "--database" in out, out
    assert "robot.cli.holds_cmd" in modules and "robot.cli.documents" not in modules


def test_when_imported_runs_after_the_first_import_and_leaves_the_module_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """robot.cli.common.when_imported: how a command sets up logging only once loguru is imported."""
    import importlib
    import importlib.machinery

    from robot.cli.common import when_imported

    (tmp_path / "i11_probe_module.py").write_text("VALUE = 42\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "i11_probe_module", raising=False)
    seen: list[int | None] = []

    def then() -> None:  # the module has run by now: its names are there
        seen.append(getattr(sys.modules.get("i11_probe_module"), "VALUE", None))

    when_imported("i11_probe_module", then)
    importlib.import_module("json.decoder")  # other imports pass through
    assert seen == []
    module = importlib.import_module("i11_probe_module")
    importlib.reload(module)
    assert seen == [42]  # once, after the module's code, and never again
    assert isinstance(module.__loader__, importlib.machinery.SourceFileLoader)
    assert module.__spec__ is not None and module.__spec__.loader is module.__loader__
    assert not [f for f in sys.meta_path if type(f).__name__ == "_AfterImport"]
    when_imported("i11_probe_module", then)  # already imported: now
    assert seen == [42, 42]
    del sys.modules["i11_probe_module"]


def test_classifying_with_every_rule_loads_no_logging_library() -> None:
    """The rule engine imports loguru only to report a crashing rule or a broken plugin, so what
    ``validate`` runs (every document-level rule) does not load it; with a crash it logs as before."""
    probe = f"""
import sys
from pathlib import Path
from robot.processing.validation import Validator, to_json
checked = Validator(None, None).check(Path({SAMPLE!r}))
line = to_json(checked)
assert line["verdict"] == "post" and line["findings"] == [], line
assert not [m for m in sys.modules if m.split(".")[0] in ("loguru", "rapidfuzz")]
from classifiers.api import Context, Registry, rule
from classifiers.engine import Classifier
registry = Registry()
@rule("X-CRASH", description="crashes", registry=registry)
def crash(invoice, ctx):
    raise RuntimeError("boom")
[finding] = Classifier(registry).classify(checked.decision.invoice, Context()).findings
assert finding.code == "RULE-CRASHED" and "loguru" in sys.modules
"""
    done = _python(probe, drop=("FAKTURAROBOT_CONFIG",))
    assert done.returncode == 0, done.stderr
    assert "rule X-CRASH crashed on invoice KL-2026-0264" in done.stderr
