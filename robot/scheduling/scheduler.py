"""``fakturarobot scheduler``: the runs of ``schedules.yaml``, on time, once, across machines.

APScheduler 3.x with its job store in the robot's own database (table ``apscheduler_jobs``), so a
restarted scheduler knows when each schedule should last have run:

- **misfire grace and coalescing**: a machine that was down at 06:00 runs *once* when it comes
  back (within ``misfire_grace_seconds``), however many runs it missed;
- **one at a time**: ``max_instances=1`` inside a process, and a lock across processes and
  machines (:mod:`robot.scheduling.locks`: PostgreSQL advisory lock, file lock on SQLite). A schedule that
  fires while its lock is held is skipped, and the skip is recorded as a ``schedule-skipped`` event;
- **clean stop**: :meth:`RobotScheduler.shutdown` sets the running run's stop event; the run
  finishes the invoice in hand, releases the rest and is recorded as ``partial``.

    >>> import tempfile
    >>> from robot.scheduling.schedules import load_schedules
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = Store.open(f"sqlite:///{tmp.name}/robot.db")
    >>> plan = load_schedules(Path("schedules.yaml"))
    >>> sched = RobotScheduler(plan, store, runner(Path("samples/fakturarobot.yaml")))
    >>> sched.start()
    >>> sorted(sched.next_runs())
    ['afternoon', 'morning']
    >>> sched.shutdown(); store.close(); tmp.cleanup()
"""

from __future__ import annotations

import copy
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.job import Job  # type: ignore[import-untyped]
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from loguru import logger

from robot.running.run import RunOptions
from robot.running.run_report import RunSummary
from robot.scheduling.locks import Lock
from robot.scheduling.schedules import Schedule, Schedules
from robot.store.repo import Store

JOBS_TABLE = "apscheduler_jobs"

#: runs one schedule; the event is set when the scheduler stops (finish the invoice in hand).
RunJob = Callable[[Schedule, threading.Event], RunSummary | None]


def fire(name: str) -> RunSummary | None:
    """The job function APScheduler stores (by reference, ``robot.scheduling.scheduler:fire``, so a stored job
    outlives the process). A :class:`RobotScheduler` runs its jobs on itself (:class:`_OwnPool`);
    called anywhere else, no scheduler of this process is there to run schedule ``name``."""
    logger.warning("schedule {} fired but no scheduler is active in this process", name)
    return None


class _OwnPool(ThreadPoolExecutor):  # type: ignore[misc]
    """A scheduler's threads: a due job (``fire`` with a schedule's name) runs as the ``fire`` of
    the :class:`RobotScheduler` that owns the pool, so no process-wide "current scheduler" is
    needed and a stopped scheduler's jobs can never reach another one."""

    def __init__(self, owner: RobotScheduler, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        self.owner = owner

    def submit_job(self, job: Job, run_times: list[datetime]) -> None:
        mine = copy.copy(job)  # the job as stored keeps its reference to :func:`fire`
        mine.func, mine._jobstore_alias = self.owner.fire, job._jobstore_alias
        super().submit_job(mine, run_times)


class RobotScheduler:
    def __init__(self, schedules: Schedules, store: Store, run_job: RunJob) -> None:
        self.schedules = schedules
        self.store = store
        self.run_job = run_job
        self.stop = threading.Event()
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=store.engine, tablename=JOBS_TABLE)},
            executors={"default": _OwnPool(self, max_workers=max(2, len(schedules.schedules)))},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=ZoneInfo(schedules.timezone),
        )

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start, bring the stored jobs in line with ``schedules.yaml``, then let due jobs run."""
        self.scheduler.start(paused=True)
        self._sync()
        self.scheduler.resume()
        for name, when in self.next_runs().items():
            logger.bind(schedule=name).info("schedule {} next runs at {}", name, when)

    def shutdown(self, wait: bool = True) -> None:
        """Stop: the running run finishes its current invoice and is recorded as partial."""
        self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)

    def _sync(self) -> None:
        wanted = {s.name: s for s in self.schedules.active()}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                logger.info("schedule {} is no longer in schedules.yaml; removed", job.id)
                job.remove()
        for s in wanted.values():
            trigger = s.trigger(self.schedules.timezone)
            job = self.scheduler.get_job(s.name)
            if (
                job is not None
                and type(job.trigger) is type(trigger)
                and str(job.trigger) == str(trigger)
                and str(job.trigger.timezone) == str(trigger.timezone)
                and job.misfire_grace_time == s.misfire_grace_seconds
            ):
                continue  # unchanged: keep its stored next run time, which may be a missed run
            self.scheduler.add_job(
                fire,
                trigger,
                args=[s.name],
                id=s.name,
                name=s.name,
                replace_existing=True,
                misfire_grace_time=s.misfire_grace_seconds,
                coalesce=True,
                max_instances=1,
            )

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    # --- one firing -------------------------------------------------------------------------------

    def fire(self, name: str) -> RunSummary | None:
        """Run schedule ``name`` unless another process or machine is running it right now."""
        schedule = self.schedules.get(name)
        log = logger.bind(schedule=name)
        lock = Lock(self.store.engine, f"schedule:{name}")
        if not lock.acquire():
            log.warning("schedule {} is already running elsewhere; this firing is skipped", name)
            self.store.event(
                None, None, "schedule-skipped", schedule=name, host=socket.gethostname(), reason="lock held"
            )
            return None
        try:
            log.info("schedule {} starts", name)
            summary = self.run_job(schedule, self.stop)
            if summary is not None:
                log.bind(run_id=summary.run_id).info(
                    "schedule {} run {}: {}", name, summary.run_id, summary.status
                )
            return summary
        finally:
            lock.release()


def runner(config: Path, database_url: str | None = None, *, json_log: str | None = None) -> RunJob:
    """The real :data:`RunJob`: build the robot from ``config``, run, alert the creditor team, and
    close the whole robot (store and connectors) whatever happens."""

    def run_job(schedule: Schedule, stop: threading.Event) -> RunSummary:
        from robot.configuration.wiring import opened_robot
        from robot.running.alerts import alert_on
        from robot.running.worker import WorkerPool, WorkerSpec, check_workers

        with opened_robot(config, database_url=database_url) as (robot, loaded):  # connectors too
            source = robot.source
            opts = RunOptions(
                trigger=f"schedule:{schedule.name}",
                dry_run=schedule.dry_run,
                stop=stop,
                customers=frozenset(schedule.customers),
                max_attempts=loaded.cfg.max_attempts,
                fetch=source is not None and (not schedule.sources or source.name in schedule.sources),
            )
            if schedule.workers > 1:
                check_workers(robot.store.dialect, schedule.workers)
                spec = WorkerSpec(config=config, database_url=database_url, json_log=json_log)
                opts.processor = WorkerPool(spec, schedule.workers)
            summary = robot.run(opts)
            alert_on(summary, loaded.cfg.alerts, robot.notifier, robot.store)
            return summary

    return run_job
