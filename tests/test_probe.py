"""``check-config --probe`` tries each connector without changing anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from robot.cli.app import _register, app
from robot.demo.sandbox_demo import BC_TOKEN_ENV, PURCHASE_TOKEN_ENV, sandbox
from tests.conftest import SAMPLES

_register()
runner = CliRunner()


def test_probe_passes_on_the_sandbox_and_changes_nothing(tmp_path: Path) -> None:
    with sandbox(SAMPLES, tmp_path / "box") as box:
        before = sorted(p.name for p in box.purchase_folder.iterdir())
        result = runner.invoke(app, ["check-config", "--config", str(box.config), "--probe"])
        after = sorted(p.name for p in box.purchase_folder.iterdir())
        assert result.exit_code == 0, result.output
        assert "source purchase-api: reachable, token accepted" in result.output
        assert "ledger business-central: company" in result.output
        assert before == after and box.outcomes() == {}


def test_probe_reports_a_refused_token_and_a_dead_mail_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sandbox(SAMPLES, tmp_path / "box") as box:
        data = yaml.safe_load(box.config.read_text(encoding="utf-8"))
        data["notifier"] = {
            "kind": "smtp",
            "host": "127.0.0.1",
            "port": 9,
            "timeout": 1,
            "from_address": "a@b.dk",
        }
        box.config.write_text(yaml.safe_dump(data), encoding="utf-8")
        monkeypatch.setitem(os.environ, PURCHASE_TOKEN_ENV, "wrong-token")
        monkeypatch.setitem(os.environ, BC_TOKEN_ENV, "wrong-token")
        result = runner.invoke(app, ["check-config", "--config", str(box.config), "--probe"])
    assert result.exit_code == 2
    assert "source: probe failed" in result.output and "401" in result.output
    assert "ledger: probe failed" in result.output
    assert "notifier: probe failed" in result.output and "SMTP 127.0.0.1:9" in result.output
