"""The demo's folder after a run, and its customers file with other criteria: for the tests of the
what-if replay (CLI and console) and of the console over a real run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT, SAMPLES


def ran_demo_world(work: Path) -> Path:
    """``work`` laid out as the demo (samples/, schedules.yaml, the inbox in var/demo/) after one run
    over the samples; the run's database is var/demo/fakturarobot.db."""
    from robot.configuration.wiring import build_robot
    from robot.running.run import RunOptions

    shutil.copytree(SAMPLES, work / "samples")
    shutil.copy2(ROOT / "schedules.yaml", work / "schedules.yaml")
    shutil.copytree(SAMPLES / "inbox", work / "var" / "demo" / "inbox")
    robot, _ = build_robot(work / "samples" / "fakturarobot.yaml")
    try:
        robot.run(RunOptions(trigger="test"))
    finally:
        robot.close()
    return work


def criteria_changed(customers: Path, out: Path, customer: str, **changes: Any) -> Path:
    """``out``: the customers file ``customers`` with ``changes`` in the criteria of ``customer``."""
    data = yaml.safe_load(customers.read_text(encoding="utf-8"))
    for entry in data["customers"]:
        if entry["id"] == customer:
            entry["criteria"].update(changes)
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out
