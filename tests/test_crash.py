"""Crash test: 50 runs, each SIGKILLed at a random moment, then completed: nothing lost, nothing twice.

Each round drops 20 new invoices into the folder source, starts ``robot.run`` in a subprocess,
kills it (SIGKILL) at a random moment after it is ready, records where the kill landed, then
completes the work with a fresh run. After every round the counts are checked against the source
folder and the journal ledger. Also: SIGTERM makes a worker stop cleanly with a partial run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from bulk import make_inbox, write_config
from sqlalchemy import func, select

from robot.run import RunOptions
from robot.store.repo import Store
from robot.store.schema import InvoiceRow, InvoiceState, PostingRow
from robot.wiring import build_robot

pytestmark = pytest.mark.slow

ROUNDS, PER_ROUND = 50, 20
CHILD = """
import sys
from pathlib import Path
from loguru import logger
logger.remove()
from robot.run import RunOptions
from robot.wiring import build_robot
robot, _ = build_robot(Path(sys.argv[1]))
print("ready", flush=True)
robot.run(RunOptions(trigger="crash-test", batch=5))
print("done", flush=True)
"""


def _journal_keys(folder: Path) -> list[str]:
    path = folder / "ledger.jsonl"
    if not path.exists():
        return []
    keys = []
    for line in path.read_bytes().split(b"\n"):
        try:
            keys.append(json.loads(line)["idempotency_key"])
        except ValueError:
            continue  # a torn last line from the kill (the robot never saw that post succeed)
    return keys


def _landing(store: Store, folder: Path) -> str:
    """Where the kill landed, read from what it left behind."""
    inbox_left = [p for p in (folder / "inbox").iterdir() if p.suffix == ".xml"]
    with store.sessions() as s:
        states = dict(s.execute(select(InvoiceRow.state, func.count()).group_by(InvoiceRow.state)).all())
        intents = s.scalar(select(func.count()).where(PostingRow.state == "pending")) or 0
        posted_rows = s.scalar(select(func.count()).where(PostingRow.state == "posted")) or 0
        unreported = s.scalar(select(func.count()).where(InvoiceRow.outcome_pending.is_(True))) or 0
    in_erp = len(set(_journal_keys(folder)))
    if inbox_left and not sum(states.values()):
        return "before fetch"
    if inbox_left:
        return "fetching"
    if in_erp > posted_rows:
        return "between ERP post and store"
    if intents:
        return "posting intent, ERP not called"
    if any(states.get(k, 0) for k in InvoiceState.PENDING):
        return "reading/classifying"
    if unreported:
        return "reporting outcomes"
    return "after the work (notices, finish)"


@pytest.mark.timeout(240)
def test_fifty_killed_runs_lose_nothing_and_post_nothing_twice(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    rng = random.Random(2026)
    landings: list[str] = []
    store = Store.open(f"sqlite:///{tmp_path / 'robot.db'}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for rnd in range(ROUNDS):
        make_inbox(tmp_path / "inbox", PER_ROUND, start=rnd * PER_ROUND)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(cfg)], stdout=subprocess.PIPE, text=True, env=env
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.45))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        child.stdout.close()
        landings.append(_landing(store, tmp_path))
        robot, _ = build_robot(cfg)
        try:
            summary = robot.run(RunOptions(trigger="completion"))
        finally:
            robot.store.close()
        total = PER_ROUND * (rnd + 1)
        keys = _journal_keys(tmp_path)
        assert summary.status == "ok", (rnd, summary.problems)
        assert len(keys) == total and len(set(keys)) == total, (rnd, landings[-1])
        assert [p for p in (tmp_path / "inbox").iterdir() if p.suffix == ".xml"] == []
        assert len(list((tmp_path / "inbox" / ".done").glob("*.xml"))) == total
        assert store.count_by_state() == {InvoiceState.POSTED: total}
        reported = Counter(
            json.loads(line)["source_ref"]
            for line in (tmp_path / "inbox" / ".outcomes.jsonl").read_text().splitlines()
        )
        assert len(reported) == total  # every outcome written back to the source
    store.close()
    where = Counter(landings)
    print("\nwhere the 50 kills landed:", dict(where))
    (tmp_path / "landings.json").write_text(json.dumps(landings))
    assert len(where) >= 3, where  # the kills really did land at different steps


@pytest.mark.timeout(120)
def test_sigterm_stops_a_worker_cleanly_with_a_partial_run(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    make_inbox(tmp_path / "inbox", 300)
    store = Store.open(f"sqlite:///{tmp_path / 'robot.db'}")
    exe = str(Path(sys.executable).with_name("fakturarobot"))
    cmd = [exe, "worker", "--workers", "1", "--batch", "5", "-c", str(cfg), "--json"]
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and store.count_by_state().get(InvoiceState.POSTED, 0) < 10:
            time.sleep(0.05)
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 1, err  # partial
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "partial" and summary["counts"]["pending"] > 0
    assert "stopped before all invoices were processed" in summary["problems"]
    run = store.get_run(summary["run_id"])
    assert run is not None and run.status == "partial"
    with store.sessions() as s:  # nothing left claimed: the next run can take everything at once
        assert s.scalar(select(func.count()).where(InvoiceRow.claimed_by.is_not(None))) == 0
    robot, _ = build_robot(cfg)
    try:
        assert robot.run(RunOptions()).status == "ok"
    finally:
        robot.store.close()
    keys = _journal_keys(tmp_path)
    assert len(keys) == len(set(keys)) == 300
    store.close()
