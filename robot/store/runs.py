"""Run records: when each run started and ended, its status and counts (``fakturarobot runs``).

A run's row says ``running`` from its start until its end is recorded. While the process works
on it, a :class:`Heartbeat` thread renews ``heartbeat_at`` every :data:`HEARTBEAT_EVERY`; a run
still ``running`` whose heartbeat is older than :data:`STALE_AFTER` was left by a process that
died (SIGKILL, a crash, a power cut) and is shown as ``abandoned``::

    >>> from datetime import timedelta
    >>> now = utcnow()
    >>> shown_status(Run(status="running", heartbeat_at=now - timedelta(minutes=6)), now)
    'abandoned'
    >>> shown_status(Run(status="running", heartbeat_at=now - timedelta(seconds=40)), now)
    'running'
    >>> shown_status(Run(status="partial", heartbeat_at=now - timedelta(days=3)), now)
    'partial'
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from loguru import logger
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from robot.store.schema import Event, Run, utcnow

#: how often a run in progress renews its heartbeat
HEARTBEAT_EVERY = timedelta(seconds=30)
#: a ``running`` run whose heartbeat is older than this is ``abandoned`` (10 missed beats)
STALE_AFTER = timedelta(minutes=5)
#: the statuses of a run that finished and recorded its end
FINISHED = ("ok", "partial", "failed")


def shown_status(run: Run, now: datetime | None = None) -> str:
    """The run's status as the creditor team should read it: ``abandoned`` for a dead run."""
    if run.status != "running":
        return run.status
    beat = run.heartbeat_at or run.started_at
    return "abandoned" if (now or utcnow()) - beat > STALE_AFTER else "running"


class Heartbeat:
    """A daemon thread renewing one run's ``heartbeat_at`` until :meth:`stop`.

    A failed renewal (the database locked or gone for a moment) is logged and tried again at the
    next beat; it never disturbs the run.
    """

    def __init__(self, log: RunLog, run_id: int, every: timedelta) -> None:
        self._log, self._run_id, self._every = log, run_id, every.total_seconds()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"run-{run_id}-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stopped.wait(self._every):
            try:
                self._log.heartbeat(self._run_id)
            except Exception as exc:  # the next beat tries again
                logger.bind(run_id=self._run_id).warning("run {}: heartbeat failed: {}", self._run_id, exc)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


class RunLog:
    """Mixin of :class:`robot.store.repo.Store` for the ``runs`` table."""

    sessions: sessionmaker[Session]

    def start_run(self, trigger: str = "manual", *, dry_run: bool = False) -> int:
        with self.sessions.begin() as s:
            run = Run(trigger=trigger, dry_run=dry_run, host=socket.gethostname(), pid=os.getpid())
            run.heartbeat_at = run.started_at = utcnow()
            s.add(run)
            s.flush()
            s.add(Event(run_id=run.id, kind="run-started", detail={"trigger": trigger, "dry_run": dry_run}))
            return run.id

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any], error: str | None = None) -> None:
        with self.sessions.begin() as s:
            run = s.get_one(Run, run_id)
            run.status, run.counts, run.error, run.finished_at = status, counts, error, utcnow()
            s.add(Event(run_id=run_id, kind="run-finished", detail={"status": status, **counts}))

    def heartbeat(self, run_id: int) -> None:
        with self.sessions.begin() as s:
            s.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow()))

    def keep_alive(self, run_id: int, every: timedelta | None = None) -> Heartbeat:
        """Renew the run's heartbeat every ``every`` (:data:`HEARTBEAT_EVERY`) until stopped."""
        return Heartbeat(self, run_id, every or HEARTBEAT_EVERY)

    def note_stop(self, run_id: int, reason: str) -> None:
        """Put why the run was stopped (e.g. ``stopped by SIGTERM``) first in its recorded problems."""
        with self.sessions.begin() as s:
            run = s.get_one(Run, run_id)
            run.error = "; ".join(part for part in (reason, run.error) if part)
            s.add(Event(run_id=run_id, kind="run-stopped", detail={"reason": reason}))

    def recent_runs(self, limit: int = 20) -> list[Run]:
        with self.sessions() as s:
            return list(s.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))

    def get_run(self, run_id: int) -> Run | None:
        with self.sessions() as s:
            return s.get(Run, run_id)

    def last_run(self, *, statuses: tuple[str, ...] | None = None) -> Run | None:
        """The latest run that was not a dry run (with one of ``statuses``, if given)."""
        query = select(Run).where(Run.dry_run.is_(False))
        if statuses is not None:
            query = query.where(Run.status.in_(statuses))
        with self.sessions() as s:
            return s.scalars(query.order_by(Run.id.desc()).limit(1)).first()
