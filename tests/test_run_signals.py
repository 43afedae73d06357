"""Runs that never lie: `fakturarobot run` stopped by SIGTERM/SIGINT, killed, or a dry run.

The child is the real command line (``robot.cli.app.main``) over a folder inbox, with a journal
ledger slowed down and announcing each posting on stdout, so the test can signal it while it is
in the middle of its invoices. The signal comes from outside, as systemd or a shell sends it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import pytest
import time_machine
from rich.console import Console
from sqlalchemy import select, update
from typer.testing import CliRunner

from robot.cli.app import _register, app
from robot.store.repo import Store
from robot.store.schema import InvoiceRow, InvoiceState, Run, utcnow
from tests.support.bulk import make_inbox, write_config

ROOT = Path(__file__).resolve().parent.parent
STALE = timedelta(minutes=5, seconds=5)  # a heartbeat older than 5 minutes: the process is gone
CHILD = """
import sys, time
from datetime import timedelta
import connectors.journal as journal
import robot.store.runs as runs

runs.HEARTBEAT_EVERY = timedelta(seconds=0.05)
post = journal.JournalLedger.post
def slow_post(self, posting):
    number = post(self, posting)
    print("posted", flush=True)
    time.sleep(0.3)
    return number
journal.JournalLedger.post = slow_post
from robot.cli.app import main
sys.argv = ["fakturarobot", *sys.argv[1:]]
main()
"""


def _child(cfg: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
    env.pop("FAKTURAROBOT_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, "run", "--config", str(cfg), "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cfg.parent,
    )


def _wait_posted(out: IO[str], n: int) -> None:
    seen = 0
    while seen < n:
        line = out.readline()
        assert line, "the run ended before it was signalled"
        seen += line.strip() == "posted"


@pytest.fixture
def robot_dir(tmp_path: Path) -> Iterator[Path]:
    cfg = write_config(tmp_path)
    make_inbox(tmp_path / "inbox", 12)
    yield cfg


def _runs(db: str, *args: str) -> tuple[int, str]:
    _register()
    result = CliRunner().invoke(app, ["runs", "--database", db, *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_stopped_by_a_signal_finishes_the_invoice_in_hand_and_is_recorded_partial(
    robot_dir: Path, signum: signal.Signals
) -> None:
    db = f"sqlite:///{robot_dir.parent / 'robot.db'}"
    child = _child(robot_dir)
    assert child.stdout is not None
    _wait_posted(child.stdout, 2)
    child.send_signal(signum)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 1, (child.returncode, err[-2000:])  # partial, not killed
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "partial"
    assert summary["problems"][0] == f"stopped by {signum.name}"
    store = Store.open(db)
    try:
        [run] = store.recent_runs()
        assert run.status == "partial" and run.finished_at is not None
        assert run.error is not None and run.error.startswith(f"stopped by {signum.name}")
        with store.sessions() as s:
            rows = list(s.scalars(select(InvoiceRow)))
        posted = [r for r in rows if r.state == InvoiceState.POSTED]
        assert 2 <= len(posted) < 12  # the invoice in hand was finished, the rest waits
        assert all(r.claimed_by is None for r in rows)  # nothing left claimed
        journal = (robot_dir.parent / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(journal) == len(posted)  # every posting the ERP has is recorded, none half-done
    finally:
        store.close()
    code, text = _runs(db, "--json")
    assert code == 1 and json.loads(text.splitlines()[0])["status"] == "partial"
    # the next run takes the rest
    again = _child(robot_dir)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    assert json.loads(out.strip().splitlines()[-1])["counts"]["posted"] == 12 - len(posted)


def test_a_killed_run_is_abandoned_once_its_heartbeat_is_stale(robot_dir: Path) -> None:
    db = f"sqlite:///{robot_dir.parent / 'robot.db'}"
    child = _child(robot_dir)
    assert child.stdout is not None
    _wait_posted(child.stdout, 1)
    store = Store.open(db)
    try:
        first = store.recent_runs(1)[0].heartbeat_at
        _wait_posted(child.stdout, 2)
        # the heartbeat (every 0.05 s here) moves on while the run works; a batch logs its postings
        # together, so the second line may come at once: look again for a few seconds, not once
        deadline = time.monotonic() + 10
        while True:
            [run] = store.recent_runs(1)
            if run.heartbeat_at is None or first is None or run.heartbeat_at > first:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert run.heartbeat_at is not None and first is not None and run.heartbeat_at > first
        child.kill()
        child.communicate(timeout=60)
        code, text = _runs(db, "--json")
        assert (code, json.loads(text.splitlines()[0])["status"]) == (0, "running")  # not stale yet
        with time_machine.travel(utcnow() + STALE, tick=False):
            code, text = _runs(db, "--json")
            row = json.loads(text.splitlines()[0])
            assert (code, row["status"], row["finished_at"]) == (3, "abandoned", None)
            code, text = _runs(db)
            assert code == 3 and "abandoned" in text and "running" not in text
        # a later run finishing does not make the dead one look alive
        later = _child(robot_dir)
        later.communicate(timeout=120)
        with time_machine.travel(utcnow() + STALE, tick=False):
            rows = [json.loads(line) for line in _runs(db, "--json")[1].splitlines()]
        assert [r["status"] for r in rows] == ["ok", "abandoned"]
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=60)
        store.close()


def _fake_runs(db: str) -> None:
    store = Store.open(db)
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {"status": "ok", "trigger": "schedule:morning", "finished_at": now - timedelta(hours=12)},
        {"status": "partial", "trigger": "schedule:evening-customers", "dry_run": True},
        {"status": "running", "trigger": "manual", "heartbeat_at": now - timedelta(hours=3)},
        {"status": "running", "trigger": "worker", "heartbeat_at": now - timedelta(seconds=20)},
    ]
    for values in rows:
        run_id = store.start_run(values["trigger"], dry_run=values.get("dry_run", False))
        with store.sessions.begin() as s:
            values.setdefault(
                "finished_at", now - timedelta(hours=1) if values["status"] != "running" else None
            )
            counts = {"posted": 1030, "returned": 200, "held": 90, "pending": 10}
            s.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(started_at=now - timedelta(hours=13), counts=counts, **values)
            )
    store.close()


def test_runs_table_fits_80_columns_and_marks_abandoned_and_dry_runs(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    _fake_runs(db)
    store = Store.open(db)
    rows = store.recent_runs()
    store.close()
    started = rows[0].started_at.strftime("%Y-%m-%d %H:%M")
    # the command at 80 columns: every date whole on one line, the dead run abandoned
    _register()
    result = CliRunner().invoke(app, ["runs", "--database", db], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output  # the last run is running (fresh heartbeat)
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert result.output.count(started) == 4, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()[:1].isdigit()}
    assert "running" in lines["4"] and "abandoned" in lines["3"] and "dry run" in lines["2"]
    _, out = _runs(db, "--json")
    by_id = {r["run_id"]: r for r in map(json.loads, out.splitlines())}
    assert by_id[3]["status"] == "abandoned" and by_id[4]["status"] == "running"
    assert by_id[2]["dry_run"] is True
    # the table itself on a Rich console 80 wide
    from robot.cli.history import runs_table

    console = Console(width=80, record=True, color_system=None)
    console.print(runs_table(rows, utcnow()))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80 and text.count(started) == 4
    assert "1030/200/90/10" in text
    # and as CSV
    result = CliRunner().invoke(app, ["runs", "--database", db, "--csv"])
    table = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["run_id"], r["status"], r["dry_run"]) for r in table] == [
        ("4", "running", "no"),
        ("3", "abandoned", "no"),
        ("2", "partial", "yes"),
        ("1", "ok", "no"),
    ]
    assert table[3]["posted"] == "1030" and table[3]["trigger"] == "schedule:morning"
