"""Issue 9.11a: a SQLite write lock held past the busy timeout is a failed run (exit 3), not a traceback.

When the lock is there as the run starts, the run row itself cannot be written: ``fakturarobot run``
says so in one line and exits 3. When it appears during the run, the run is recorded as failed with
the reason.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from robot.configuration.wiring import build_robot
from robot.running.run import RunOptions
from robot.store.repo import Store
from tests.support.bulk import make_inbox, write_config


def _locked_config(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "robot.db"
    cfg = write_config(tmp_path, database=f"sqlite:///{db}?timeout=0.5")  # a short busy timeout
    make_inbox(tmp_path / "inbox", 2)
    Store.open(f"sqlite:///{db}").close()  # migrated
    return cfg, db


def test_a_store_locked_when_the_run_starts_exits_3_with_one_line(tmp_path: Path) -> None:
    cfg, db = _locked_config(tmp_path)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        exe = str(Path(sys.executable).with_name("fakturarobot"))
        done = subprocess.run([exe, "run", "-c", str(cfg)], capture_output=True, text=True, timeout=60)
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 3, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("run failed")]
    assert len(lines) == 1 and "database is locked" in lines[0], done.stderr[-2000:]
    assert "could not be recorded" in lines[0]
    store = Store.open(f"sqlite:///{db}")
    try:
        assert store.recent_runs() == []  # nothing half-written
    finally:
        store.close()


def test_a_lock_appearing_during_the_run_is_a_failed_run_with_its_reason(tmp_path: Path) -> None:
    cfg, db = _locked_config(tmp_path)
    robot, _ = build_robot(cfg)

    def locked_while_processing(run_id: int, opts: RunOptions) -> list[str]:
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # e.g. a backup or a second robot writing, for too long
        try:
            return robot.process(run_id, opts)
        finally:
            holder.rollback()
            holder.close()

    try:
        summary = robot.run(RunOptions(processor=locked_while_processing))
        run = robot.store.get_run(summary.run_id)
        again = robot.run(RunOptions())  # the lock is gone: the next run does the work
    finally:
        robot.close()
    assert summary.status == "failed"
    assert run is not None and run.status == "failed"
    assert run.error is not None and "database is locked" in run.error
    assert again.status == "ok" and again.counts["posted"] == 2
