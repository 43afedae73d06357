"""Issue 9.11b: an ERP outage longer than ``max_attempts`` runs must not hold every clean invoice.

Six runs with the ERP unreachable (max_attempts is 5), then the ERP is back: the invoices are
posted, none is held as ROBOT-RETRIES-EXHAUSTED. The outage is counted apart from ``attempts``
and backs off across runs: an invoice is not retried before its ``retry_after``.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from connectors.base import Ledger, Posting
from robot.configuration.wiring import build_robot
from robot.errors import TransientError
from robot.running.run import RunOptions
from robot.store.schema import InvoiceState, utcnow
from tests.support.bulk import make_inbox, write_config


class OutageLedger:
    """The configured ledger behind a switch: while ``down``, every call fails as unreachable."""

    def __init__(self, inner: Ledger) -> None:
        self.inner, self.name, self.down = inner, inner.name, True
        self.calls: Counter[str] = Counter()

    def _gate(self, what: str) -> None:
        self.calls[what] += 1
        if self.down:
            raise TransientError("ERP unreachable: connection refused (outage)")

    def find(self, posting: Posting) -> str | None:
        self._gate("find")
        return self.inner.find(posting)

    def post(self, posting: Posting) -> str:
        self._gate("post")
        return self.inner.post(posting)

    def close(self) -> None:
        self.inner.close()


def _opts() -> RunOptions:
    # long enough that the "early" run below surely starts before retry_after on a loaded machine
    return RunOptions(erp_backoff=timedelta(seconds=1), erp_backoff_max=timedelta(seconds=2))


def test_six_runs_with_the_erp_down_then_up_posts_and_holds_nothing(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)  # max_attempts: 5 (the default)
    make_inbox(tmp_path / "inbox", 3)
    robot, loaded = build_robot(cfg)
    assert loaded.cfg.max_attempts == 5
    ledger = OutageLedger(robot.ledger)
    robot.ledger = robot.actions.ledger = ledger
    try:
        for n in range(1, 7):
            before = ledger.calls["find"]
            summary = robot.run(_opts())
            assert summary.status == "partial" and summary.counts["pending"] == 3, (n, summary.counts)
            assert ledger.calls["find"] - before == 3  # each invoice tried once in this run
            rows = [robot.store.invoice(i) for i in robot.store.pending_ids()]
            assert {r.erp_unreachable for r in rows} == {n} and {r.attempts for r in rows} == {0}
            assert all(r.retry_after is not None for r in rows)
            if n >= 2:  # backing off: a run before retry_after leaves the ERP alone
                before = ledger.calls["find"]
                early = robot.run(_opts())
                assert ledger.calls["find"] == before and early.counts["pending"] == 3
            wait = max(r.retry_after or utcnow() for r in rows) - utcnow()
            time.sleep(max(wait.total_seconds(), 0) + 0.02)
        ledger.down = False
        summary = robot.run(_opts())
        counts = robot.store.count_by_state()
        rows = robot.store.invoices_of_run(summary.run_id)
    finally:
        robot.close()
    assert summary.status == "ok", summary.problems
    assert counts == {InvoiceState.POSTED: 3}
    assert all(r.erp_unreachable == 0 and r.retry_after is None for r in rows)
    assert ledger.calls["post"] == 3
