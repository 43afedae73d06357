"""A world for the runs tests: an ERP that fails its first postings with markup, and a robot over it.

summary = robot_of(store, sample_source(), HostileLedger(2, fail_on=(1,))).run(RunOptions())
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.base import Posting
from connectors.testing.fakes import MemoryLedger, MemorySource
from robot.running.run import Robot
from robot.store.repo import Store
from tests.conftest import SAMPLES
from tests.web.support import sample_robot

HOSTILE = "<script>alert('run')</script> & <b>bold</b>"


class HostileLedger(MemoryLedger):
    """Fails its first ``broken`` postings with :data:`HOSTILE` (a bug in the ERP client), then
    behaves as a :class:`MemoryLedger` (whose own ``fail_on`` counts from there)."""

    def __init__(self, broken: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.broken, self.calls = broken, 0

    def post(self, posting: Posting) -> str:
        self.calls += 1
        if self.calls <= self.broken:
            raise RuntimeError(HOSTILE)
        return super().post(posting)


def robot_of(store: Store, source: MemorySource | None, ledger: MemoryLedger, base: Path = SAMPLES) -> Robot:
    return sample_robot(store, source, ledger, base=base)
