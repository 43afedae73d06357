"""docs/writing-rules.md is followed literally, so the guide cannot rot; and ``fakturarobot new-rule``.

The guide's ``console step`` blocks are run command by command (bash, the venv's tools first on
PATH) in a copy of the robot's checkout: the output lines shown under a command must appear in what
it prints, and a command must exit 0 unless the guide prints its exit code. Its ``file=`` blocks
must be the files ``new-rule`` wrote, and a ``criteria=ID`` YAML block is merged into that
customer's criteria in the copy. One substitution: ``pip install -e .`` would change the shared
environment (and needs a wheel builder this offline environment lacks), so a ``pip`` on PATH
writes the folder's package metadata in place (setuptools ``egg_info``) instead, with the folder on
PYTHONPATH — what an editable install puts on the path: the module and its entry point.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from robot.cli.newrule_cmd import names_of, write_rule
from robot.cli.rule_guide import refreshed

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "writing-rules.md"
BLOCK = re.compile(r"^```(\w*)[ \t]*([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
PIP = """#!/bin/sh
# the guide's `pip install -e .`, without touching the shared environment (see the test's docstring)
[ "$*" = "install -e ." ] || { echo "the guide test's pip only knows 'install -e .', not: $*" >&2; exit 97; }
exec "{python}" -c "from setuptools import setup; setup()" -q egg_info
"""


def guide_blocks() -> list[tuple[str, str, str]]:
    return [(m[1], m[2].strip(), m[3]) for m in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))]


def steps(body: str) -> list[tuple[str, list[str]]]:
    """The commands of a console block, each with the output lines shown under it."""
    out: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif line.strip():
            assert out, f"output before any command in the guide: {line!r}"
            out[-1][1].append(line.strip())
    return out


def checkout(tmp_path: Path) -> Path:
    """A copy of the robot's checkout as the guide uses it: samples/ copied, the code linked."""
    work = tmp_path / "checkout"
    work.mkdir()
    shutil.copytree(ROOT / "samples", work / "samples")
    shutil.copy(ROOT / "schedules.yaml", work / "schedules.yaml")
    for package in ("robot", "classifiers", "connectors"):
        (work / package).symlink_to(ROOT / package, target_is_directory=True)
    return work


def environment(tmp_path: Path, work: Path) -> dict[str, str]:
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "pip").write_text(PIP.replace("{python}", sys.executable), encoding="utf-8")
    (tools / "pip").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKTURAROBOT_", "PYTEST_", "MYPY"))}
    env["PATH"] = os.pathsep.join([str(tools), str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = str(work / "acme-rules")  # what `pip install -e .` puts on the path
    env["COLUMNS"] = "200"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def merge_criteria(work: Path, customer: str, body: str) -> None:
    path = work / "samples" / "customers.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    (entry,) = [c for c in data["customers"] if c["id"] == customer]
    criteria = entry.setdefault("criteria", {})
    for key, value in yaml.safe_load(body).items():
        if isinstance(value, dict):
            criteria.setdefault(key, {}).update(value)
        else:
            criteria[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.slow
def test_the_guide_followed_literally_gets_a_rule_that_fires_in_validate_and_in_a_run(tmp_path: Path) -> None:
    work = checkout(tmp_path)
    env = environment(tmp_path, work)
    cwd = work
    ran: list[str] = []
    files_checked: list[str] = []
    for lang, info, body in guide_blocks():
        if info.startswith("file="):
            path = work / info.removeprefix("file=")
            assert path.is_file(), f"the guide shows {path.name} but nothing wrote it"
            assert path.read_text(encoding="utf-8") == body, (
                f"{info}: the guide differs from what new-rule writes"
            )
            files_checked.append(path.name)
        elif lang == "yaml" and info.startswith("criteria="):
            merge_criteria(work, info.removeprefix("criteria="), body)
        elif lang == "console" and info == "step":
            for command, shown in steps(body):
                if command.startswith("cd "):
                    cwd = (cwd / command[3:].strip()).resolve()
                    assert cwd.is_dir(), command
                    continue
                done = subprocess.run(
                    ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
                )
                printed = done.stdout + done.stderr
                flat = " ".join(printed.split())  # a table's title may wrap to the table's width
                ran.append(command)
                if 'echo "exit $?"' not in command:
                    assert done.returncode == 0, f"$ {command}\n{printed}"
                for line in shown:
                    assert " ".join(line.split()) in flat, (
                        f"$ {command}: the guide shows {line!r}, it printed:\n{printed}"
                    )
    # what the guide claims was done: the generated files are shown, tested, checked and fire
    assert sorted(files_checked) == ["large_invoice.py", "pyproject.toml", "test_large_invoice.py"]
    for needed in ("fakturarobot new-rule", "pytest", "ruff check", "ruff format --check", "mypy ."):
        assert any(needed in c for c in ran), needed
    assert any(c.startswith("fakturarobot validate") for c in ran)
    assert any(c.startswith("fakturarobot run --config") for c in ran)


def test_the_guides_code_lists_are_the_codes() -> None:
    """The Invoice Response codes in the guide are generated from robot.codes and current."""
    text = GUIDE.read_text(encoding="utf-8")
    assert text == refreshed(text), "docs/writing-rules.md is stale: run `python -m robot.cli.rule_guide`"
    from robot.codes import Action, Reason, Status

    for codes in (Status, Reason, Action):
        for code in codes:
            assert f"| `{code.value}` | {code.da} | {code.en} |" in text


def test_the_needs_values_in_the_guide_are_those_the_rules_use() -> None:
    from classifiers.engine import load_rules

    documented = {"customer", "vendors", "orders", "history"}
    text = GUIDE.read_text(encoding="utf-8")
    assert all(f'`"{n}"`' in text for n in documented)
    used = {need for spec in load_rules() for need in spec.needs}
    assert used == documented, used ^ documented


def test_the_readmes_rule_example_reads_only_fields_the_invoice_has() -> None:
    """The README's Rules example (a rule on ``invoice``) names real model fields."""
    import dataclasses

    from robot.model import Invoice

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    names = {f.name for f in dataclasses.fields(Invoice)} | {
        n for n, v in vars(Invoice).items() if isinstance(v, property)
    }
    read = {
        node.attr
        for node in ast.walk(ast.parse(code[1]))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "invoice"
    }
    assert read and read <= names, read - names
    assert "writing-rules.md" in section and "fakturarobot new-rule" in section


@pytest.mark.parametrize("bad", ["", "1RULE", "LARGE--INVOICE", "large invoice", "-X", "X-", "class", "ÆØ"])
def test_new_rule_refuses_a_name_that_is_not_a_rule_name(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_rule(bad, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_new_rule_names_and_it_never_overwrites(tmp_path: Path) -> None:
    assert names_of("large_invoice") == names_of("LARGE-INVOICE")
    assert (names_of("po2-limit").code, names_of("po2-limit").module) == ("PO2-LIMIT", "po2_limit")
    written, lines = write_rule("LARGE-INVOICE", tmp_path)
    assert lines is None and sorted(p.name for p in written) == [
        "large_invoice.py",
        "pyproject.toml",
        "test_large_invoice.py",
    ]
    before = {p: p.read_bytes() for p in written}
    (tmp_path / "test_large_invoice.py").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match=r"test_large_invoice\.py"):
        write_rule("large_invoice", tmp_path)
    assert (tmp_path / "test_large_invoice.py").read_text(encoding="utf-8") == "# mine\n"
    assert (tmp_path / "large_invoice.py").read_bytes() == before[tmp_path / "large_invoice.py"]
    # a second rule in the same folder: the project file is left alone, the entry point printed
    written, lines = write_rule("OTHER-CHECK", tmp_path)
    assert sorted(p.name for p in written) == ["other_check.py", "test_other_check.py"]
    assert lines == '[project.entry-points."fakturarobot.rules"]\nother_check = "other_check"\n'
    assert (tmp_path / "pyproject.toml").read_bytes() == before[tmp_path / "pyproject.toml"]


def test_new_rule_in_a_package_imports_the_module_from_the_package(tmp_path: Path) -> None:
    package = tmp_path / "acme_rules"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    written, lines = write_rule("LARGE-INVOICE", package)
    assert not (package / "pyproject.toml").exists()
    assert lines is not None and 'large_invoice = "acme_rules.large_invoice"' in lines
    assert "import acme_rules.large_invoice  # noqa" in (package / "test_large_invoice.py").read_text("utf-8")
    assert len(written) == 2


def test_new_rule_on_the_command_line_refuses_with_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from robot.cli.app import _register, app

    _register()
    runner = CliRunner()
    done = runner.invoke(app, ["new-rule", "LARGE-INVOICE", "--dir", str(tmp_path)])
    assert done.exit_code == 0 and "wrote" in done.output
    again = runner.invoke(app, ["new-rule", "LARGE-INVOICE", "--dir", str(tmp_path)])
    assert again.exit_code == 2 and "refusing to overwrite" in again.output
    bad = runner.invoke(app, ["new-rule", "9-LIVES", "--dir", str(tmp_path)])
    assert bad.exit_code == 2 and "not a rule name" in bad.output
