"""Run records: when each run started and ended, its status and counts (``fakturarobot runs``)."""

from __future__ import annotations

import os
import socket
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from robot.store.schema import Event, Run, utcnow


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

    def recent_runs(self, limit: int = 20) -> list[Run]:
        with self.sessions() as s:
            return list(s.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))

    def get_run(self, run_id: int) -> Run | None:
        with self.sessions() as s:
            return s.get(Run, run_id)
