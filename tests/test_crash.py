"""Crash test: 50 runs, each SIGKILLed at a random moment, then completed: nothing lost, nothing twice.

Each round drops 20 new invoices into the folder source, starts ``robot.running.run`` in a subprocess,
kills it (SIGKILL) at a random moment after it is ready, records where the kill landed, then
completes the work with a fresh run. After every round the counts are checked against the source
folder and the journal ledger. Also: SIGTERM makes a worker stop cleanly with a partial run.

The same 50 kills with two PostgreSQL workers (leases of 1 s, shorter than a batch of ERP calls)
against a slow Business Central test server failing 30 % of calls: the whole process group is
killed, a fresh run completes, and hand-overs are counted at the ERP.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from connectors.testing.bc_server.app import DEFAULT_COMPANY_ID
from connectors.testing.bc_server.app import create_app as create_bc
from connectors.testing.localserver import serve
from robot.configuration.masterdata import load_vendors
from robot.configuration.wiring import build_robot
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import Event, InvoiceRow, InvoiceState, NoticeRow, PostingRow
from tests.conftest import SAMPLES
from tests.support.bulk import make_inbox, variant, write_config
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

ROUNDS, PER_ROUND = 50, 20
CHILD = """
import sys
from pathlib import Path
from loguru import logger
logger.remove()
from robot.running.run import RunOptions
from robot.configuration.wiring import build_robot
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


# --- two PostgreSQL workers against a slow, faulty Business Central -----------------------------

PG_ROUNDS, PG_CLEAN, PG_RETURNS, FAIL_RATE = 50, 4, 1, 0.3
RETURN_SAMPLE = "0036-peppol-line-sum-mismatch.xml"  # returned (line sums do not add up) to EKU
POOL_CHILD = """
import sys
from datetime import timedelta
from pathlib import Path
from loguru import logger
logger.remove()
from robot.running.run import RunOptions
from robot.running.worker import WorkerSpec, run_pool
print("ready", flush=True)
opts = RunOptions(trigger="crash-test", batch=4, lease=timedelta(seconds=1), erp_backoff=timedelta(0))
run_pool(WorkerSpec(Path(sys.argv[1]), database_url=sys.argv[2], poll_seconds=0.1), 2, opts)
print("done", flush=True)
"""


class ErpMeter:
    """ASGI wrapper of the BC test server: a fixed latency per request, and a record of every
    document created (201) or refused as already there (409) and every post (204 or refused)."""

    def __init__(self, app: Any, latency: float) -> None:
        self.app, self.latency = app, latency
        self.creates: list[tuple[str, str, int]] = []  # (vendor, vendor's document number, status)
        self.posts: list[tuple[str, int]] = []  # (document id, status)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await asyncio.sleep(self.latency)
        body: list[bytes] = []
        status: list[int] = []

        async def recv() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message.get("body", b""))
            return message

        async def snd(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, recv, snd)
        path, code = str(scope["path"]), status[0] if status else 0
        if scope["method"] == "POST" and path.endswith(("/purchaseInvoices", "/purchaseCreditMemos")):
            if code in (201, 409):
                data = json.loads(b"".join(body) or b"{}")
                own = data.get("vendorInvoiceNumber") or data.get("vendorCreditMemoNumber")
                self.creates.append((str(data.get("vendorNumber")), str(own), code))
        elif path.endswith("/Microsoft.NAV.post") and code not in (0, 500, 429):
            self.posts.append((path.split("(")[-1].split(")")[0], code))


class SmtpInbox:
    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.message_ids.append(str(msg["Message-ID"]))
        return "250 OK"


def _bc_config(cfg: Path, erp_url: str, smtp_port: int) -> None:
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["ledger"] = {
        "kind": "business-central",
        "base_url": f"{erp_url}/api/v2.0",
        "company_id": DEFAULT_COMPANY_ID,
        "auth": {"type": "bearer", "token_env": "FAKTURAROBOT_BC_TOKEN"},
        "default_account": "5810",
        "timeout_seconds": 0.25,  # the fault injector's slow answers (0.3 s) time out: work done, no answer
        "max_attempts": 3,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "max_retry_after_seconds": 0.05,
    }
    data["notifier"] = {
        "kind": "smtp",
        "host": "127.0.0.1",
        "port": smtp_port,
        "starttls": False,
        "timeout": 2,
        "from_address": "kreditor@example.dk",
    }
    data["max_attempts"] = 5
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _returns(inbox: Path, count: int, start: int) -> None:
    src = SAMPLES / "inbox" / RETURN_SAMPLE
    for i in range(start, start + count):
        name = f"r{i:05d}-{src.stem}.xml"
        (inbox / name).write_bytes(variant(src.read_bytes(), i + 1, "returns"))
        sidecar = src.with_name(src.name + ".meta.json")
        if sidecar.exists():
            shutil.copyfile(sidecar, inbox / (name + ".meta.json"))


@pytest.mark.postgres
@pytest.mark.timeout(600)
def test_fifty_kills_of_two_pg_workers_against_a_faulty_business_central(
    pg_fresh_url: str, tmp_path: Path
) -> None:
    """50 rounds: two PostgreSQL workers (lease 1 s, shorter than a batch of ERP calls) post to a
    slow Business Central failing 30 % of calls; the whole process group is SIGKILLed at a random
    moment, then a fresh run completes the work. After every round: nothing lost, nothing handed
    over twice (counted at the ERP), no notice sent twice outside the outbox's documented window
    (killed after the mail server accepted it, before ``sent`` was recorded)."""
    from aiosmtpd.controller import Controller

    cfg = write_config(tmp_path, database=pg_fresh_url)
    token = secrets.token_hex(16)
    os.environ["FAKTURAROBOT_BC_TOKEN"] = token
    vendors = {v.number: v.name for v in load_vendors(SAMPLES / "vendors.yaml")}
    bc = create_bc(
        vendors=vendors,
        bearer_tokens=[token],
        fail_rate=FAIL_RATE,
        seed=9,
        slow_seconds=0.3,
        retry_after_seconds=0,
    )
    meter = ErpMeter(bc, latency=0.03)
    smtp, port = SmtpInbox(), free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    rng = random.Random(9)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    store = Store.open(pg_fresh_url)
    landings: list[str] = []
    in_window: set[str] = set()  # notices killed while ``sending``: the at-least-once window
    robot: Robot | None = None
    started = time.monotonic()
    try:
        with serve(meter) as erp_url:
            _bc_config(cfg, erp_url, port)
            robot, _ = build_robot(cfg, database_url=pg_fresh_url)  # completes each round: a fresh run
            for rnd in range(PG_ROUNDS):
                make_inbox(tmp_path / "inbox", PG_CLEAN, start=rnd * PG_CLEAN)
                _returns(tmp_path / "inbox", PG_RETURNS, rnd * PG_RETURNS)
                child = subprocess.Popen(
                    [sys.executable, "-c", POOL_CHILD, str(cfg), pg_fresh_url],
                    stdout=subprocess.PIPE,
                    text=True,
                    env=env,
                    start_new_session=True,  # its own process group: the kill takes the workers too
                )
                assert child.stdout is not None
                try:
                    assert child.stdout.readline().strip() == "ready"
                    bc.state.faults.fail_rate = FAIL_RATE
                    _wait_for_a_claim(store, rnd)  # the workers are up: kill them somewhere in the work
                    time.sleep(rng.uniform(0.0, 1.0))
                finally:  # also when the round failed: no worker outlives it, no pipe is left open
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child.pid, signal.SIGKILL)
                    child.wait(10)
                    child.stdout.close()
                with store.sessions() as s:
                    in_window |= set(
                        s.scalars(select(NoticeRow.notice_key).where(NoticeRow.state == "sending"))
                    )
                    pending = s.scalar(select(func.count()).where(InvoiceRow.state.in_(InvoiceState.PENDING)))
                landings.append("work left" if pending else "work done")
                # the completion runs against a reliable ERP (still slow), so a round stays short;
                # the faults are for the workers that get killed
                bc.state.faults.fail_rate = 0.0
                for _ in range(5):
                    summary = robot.run(RunOptions(trigger="completion", erp_backoff=timedelta(0)))
                    if summary.status == "ok":
                        break
                assert summary.status == "ok", (rnd, summary.problems[:3])
                _assert_pg_round(store, meter, smtp, in_window, rnd)
    finally:
        if robot is not None:
            robot.close()
        controller.stop()
        store.close()
    elapsed = time.monotonic() - started
    faults = bc.state.faults.counts  # the fault injector's own counts
    print(
        f"\n{PG_ROUNDS} kills of 2 PG workers: {dict(Counter(landings))}, "
        f"ERP faults {faults}, {elapsed:.0f} s"
    )
    assert faults["500"] and faults["429"] and faults["slow"]
    assert Counter(landings)["work left"] >= 10, landings  # most kills landed mid-work


def _wait_for_a_claim(store: Store, rnd: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with store.sessions() as s:
            if s.scalar(select(func.count()).where(InvoiceRow.claimed_by.like("%:w_"))):
                return
        time.sleep(0.02)
    raise AssertionError(f"round {rnd}: no worker claimed anything within 30 s")


def _assert_pg_round(store: Store, meter: ErpMeter, smtp: SmtpInbox, in_window: set[str], rnd: int) -> None:
    clean, returned = PG_CLEAN * (rnd + 1), PG_RETURNS * (rnd + 1)
    # nothing lost: every invoice decided, every clean one posted, none held
    assert store.count_by_state() == {InvoiceState.POSTED: clean, InvoiceState.RETURNED: returned}, rnd
    # nothing handed over twice, counted at the ERP: one document created per invoice, none refused
    # as already there, each document posted once
    created = Counter((v, n) for v, n, code in meter.creates if code == 201)
    assert len(created) == clean and set(created.values()) == {1}, (rnd, created.most_common(2))
    assert [c for c in meter.creates if c[2] == 409] == [], rnd
    posted = Counter(doc for doc, code in meter.posts if code == 204)
    assert len(posted) == clean and set(posted.values()) == {1}, (rnd, posted.most_common(2))
    assert [p for p in meter.posts if p[1] != 204] == [], rnd
    with store.sessions() as s:
        events = Counter(s.scalars(select(Event.invoice_id).where(Event.kind == "posted")))
        assert len(events) == clean and set(events.values()) == {1}, rnd
        notices = list(s.scalars(select(NoticeRow)))
    # notices: every one sent, none twice except a key killed in the outbox's sending window
    assert notices and {n.state for n in notices} == {"sent"}, rnd
    sent = Counter(smtp.message_ids)
    assert len(sent) == len(notices), rnd
    twice = {mid for mid, n in sent.items() if n > 1}
    window = {sha256(key.encode()).hexdigest()[:12] for key in in_window}  # Message-IDs carry it
    assert all(any(digest in mid for digest in window) for mid in twice), (rnd, twice)
