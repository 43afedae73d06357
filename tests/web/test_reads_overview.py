"""The overview's reads over real runs of the robot on the samples, on SQLite and PostgreSQL.

The runs are real; only their start times are moved to fixed moments of 30 November and
1 December 2026 (Europe/Copenhagen), so the expected fire times of ``schedules.yaml`` are known.
Every number is checked against the store read another way.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from connectors.testing.fakes import MemoryLedger, MemorySource
from robot.configuration.settings import HealthSettings, LoadedConfig, load_config
from robot.running.run import Robot, RunOptions
from robot.scheduling.schedules import Schedules, load_schedules
from robot.store.outbox import Outbox
from robot.store.repo import Store
from robot.store.schema import ErrorTypeRow, InvoiceRow, InvoiceState, Run, utcnow
from robot.web.reads import overview as reads
from tests.conftest import SAMPLES, sample_source
from tests.web.support import sample_robot

CPH = ZoneInfo("Europe/Copenhagen")
SCHEDULES = """\
timezone: Europe/Copenhagen
misfire_grace_seconds: 3600
schedules:
  - {name: morning, cron: "0 6 * * *"}
  - {name: afternoon, cron: "0 14 * * *"}
  - {name: night, cron: "0 2 * * *", enabled: false}
"""


def _robot(store: Store, source: MemorySource | None, ledger: MemoryLedger | None = None) -> Robot:
    return sample_robot(store, source, ledger)


def _move(store: Store, run_id: int, started: datetime) -> None:
    """Put a finished run at ``started`` (keeping how long it took)."""
    with store.sessions.begin() as s:
        run = s.get_one(Run, run_id)
        took = (run.finished_at or run.started_at) - run.started_at
        s.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(started_at=started, heartbeat_at=started + took, finished_at=started + took)
        )


def _three_runs(store: Store) -> tuple[int, int, int]:
    """Yesterday 06:00:20 morning (nothing to do), today 06:00:05 manual, 08:30 morning (the samples)."""
    a = _robot(store, None).run(RunOptions(trigger="schedule:morning")).run_id
    b = _robot(store, None).run(RunOptions(trigger="manual")).run_id
    c = _robot(store, sample_source()).run(RunOptions(trigger="schedule:morning")).run_id
    _move(store, a, datetime(2026, 11, 30, 6, 0, 20, tzinfo=CPH))
    _move(store, b, datetime(2026, 12, 1, 6, 0, 5, tzinfo=CPH))
    _move(store, c, datetime(2026, 12, 1, 8, 30, tzinfo=CPH))
    return a, b, c


def _schedules(tmp_path: Path) -> Schedules:
    file = tmp_path / "schedules.yaml"
    file.write_text(SCHEDULES, encoding="utf-8")
    return load_schedules(file)


def _config(tmp_path: Path) -> LoadedConfig:
    _schedules(tmp_path)
    loaded = load_config(SAMPLES / "fakturarobot.yaml")
    cfg = loaded.cfg.model_copy(update={"schedules": tmp_path / "schedules.yaml"})
    return LoadedConfig(loaded.path, cfg)


def test_each_fire_time_is_matched_to_its_scheduled_run(store: Store, tmp_path: Path) -> None:
    a, _manual, c = _three_runs(store)
    plan = _schedules(tmp_path)
    now = datetime(2026, 12, 1, 15, 30, tzinfo=CPH)
    got = [
        (e.day, e.schedule, e.due_at.astimezone(CPH).hour, e.status, e.run_id, e.on_time)
        for e in reads.expected_runs(store, plan, now)
    ]
    status = {r.id: r.status for r in store.recent_runs(10)}
    assert got == [
        (date(2026, 11, 30), "morning", 6, status[a], a, True),  # 20 s after 06:00
        (date(2026, 11, 30), "afternoon", 14, "missed", None, None),
        # the manual run at 06:00:05 is nobody's scheduled run; the 08:30 one is late (grace 1 h)
        (date(2026, 12, 1), "morning", 6, status[c], c, False),
        (date(2026, 12, 1), "afternoon", 14, "missed", None, None),  # 15:30: more than 1 h late
    ]
    late = next(e for e in reads.expected_runs(store, plan, now) if e.run_id == c)
    assert late.late_seconds == 2.5 * 3600


def test_a_fire_time_waits_through_its_grace_and_is_upcoming_before(store: Store, tmp_path: Path) -> None:
    _three_runs(store)
    plan = _schedules(tmp_path)

    def afternoon_today(now: datetime) -> str:
        found = reads.expected_runs(store, plan, now)
        return next(e.status for e in found if e.schedule == "afternoon" and e.day == date(2026, 12, 1))

    assert afternoon_today(datetime(2026, 12, 1, 13, 59, tzinfo=CPH)) == "upcoming"
    assert afternoon_today(datetime(2026, 12, 1, 14, 30, tzinfo=CPH)) == "waiting"
    assert afternoon_today(datetime(2026, 12, 1, 15, 0, 1, tzinfo=CPH)) == "missed"


def test_a_schedule_firing_often_shows_its_latest_fire_times(store: Store, tmp_path: Path) -> None:
    file = tmp_path / "often.yaml"
    file.write_text("schedules:\n  - {name: often, cron: '*/5 * * * *'}\n", encoding="utf-8")
    now = datetime(2026, 12, 1, 15, 32, tzinfo=CPH)
    found = reads.expected_runs(store, load_schedules(file), now)
    past = [e.due_at for e in found if e.due_at <= now]
    coming = [e.due_at for e in found if e.due_at > now]
    assert len(past) == len(coming) == reads.FIRES_SHOWN
    assert past[-1] == datetime(2026, 12, 1, 15, 30, tzinfo=CPH)
    assert coming[0] == datetime(2026, 12, 1, 15, 35, tzinfo=CPH)
    steps = {b - a for a, b in zip(past + coming, (past + coming)[1:], strict=False)}
    assert steps == {timedelta(minutes=5)}  # one unbroken stretch of fire times
    assert {e.status for e in found} == {"missed", "waiting", "upcoming"}  # nothing ran


def test_next_fire_times_come_from_the_schedules_triggers(tmp_path: Path) -> None:
    plan = _schedules(tmp_path)
    now = datetime(2026, 12, 1, 15, 30, tzinfo=CPH)
    fires = reads.next_fires(plan, now)
    assert [(f.schedule, f.at, f.enabled) for f in fires] == [
        ("morning", datetime(2026, 12, 2, 6, 0, tzinfo=CPH), True),
        ("afternoon", datetime(2026, 12, 2, 14, 0, tzinfo=CPH), True),
        ("night", None, False),
    ]
    # the last Sunday of March: 06:00 local is 04:00 UTC after the clocks went forward
    spring = reads.next_fires(plan, datetime(2027, 3, 27, 15, 0, tzinfo=CPH))[0].at
    assert spring is not None and spring.astimezone(ZoneInfo("UTC")).hour == 4
    assert reads.next_fires(plan, datetime(2027, 3, 28, 15, 0, tzinfo=CPH))[0].at == datetime(
        2027, 3, 29, 6, 0, tzinfo=CPH
    )


def test_the_overview_counts_equal_the_store(store: Store, tmp_path: Path) -> None:
    _a, _b, c = _three_runs(store)
    now = datetime(2026, 12, 1, 15, 30, tzinfo=CPH)
    view = reads.overview(store, _config(tmp_path), now)
    assert (view.today, view.yesterday) == (date(2026, 12, 1), date(2026, 11, 30))
    assert len(view.expected) == 4 and [f.schedule for f in view.next_fires][:2] == ["morning", "afternoon"]
    assert view.schedules_error is None
    # the last run's counts by verdict and error type, against its invoices
    assert view.last_run is not None and view.last_run.id == c
    with store.sessions() as s:
        states = dict(
            s.execute(
                select(InvoiceRow.state, func.count())
                .where(InvoiceRow.last_run_id == c)
                .group_by(InvoiceRow.state)
            ).all()
        )
        codes = dict(
            s.execute(
                select(ErrorTypeRow.code, func.count())
                .join(InvoiceRow, InvoiceRow.id == ErrorTypeRow.invoice_id)
                .where(
                    InvoiceRow.last_run_id == c,
                    InvoiceRow.state.in_((InvoiceState.RETURNED, InvoiceState.HELD)),
                )
                .group_by(ErrorTypeRow.code)
            ).all()
        )
    assert (
        states[InvoiceState.POSTED] > 0
        and states[InvoiceState.RETURNED] > 0
        and states[InvoiceState.HELD] > 0
    )
    for key, state in (
        ("posted", InvoiceState.POSTED),
        ("returned", InvoiceState.RETURNED),
        ("held", InvoiceState.HELD),
    ):
        assert view.last_run.count(key) == states[state]
    assert dict(view.last_run.error_types) == codes and len(codes) > 1
    # the hold queue: size, overdue on 1 December 2026, the one held longest
    held = store.held()
    assert view.hold.size == len(held) > 0
    assert view.hold.overdue == sum(1 for r in held if r.due_date is not None and r.due_date < view.today)
    oldest = min(held, key=lambda r: (r.received_at, r.id))
    assert (view.hold.oldest_id, view.hold.oldest_received_at) == (oldest.id, oldest.received_at)
    outbox = Outbox(store.sessions)
    assert view.notices_pending == len(outbox.pending())
    assert view.notices_refused == len(outbox.refused())
    # nothing runs now
    assert view.live == []


def test_a_customer_sees_its_own_hold_queue_and_no_alerts(store: Store, tmp_path: Path) -> None:
    _three_runs(store)
    now = datetime(2026, 12, 1, 15, 30, tzinfo=CPH)
    held = store.held()
    customer, count = Counter(r.customer_id for r in held if r.customer_id).most_common(1)[0]
    assert count < len(held)  # another customer's holds must not be counted
    view = reads.overview(store, _config(tmp_path), now, customer=customer)
    mine = [r for r in held if r.customer_id == customer]
    assert view.hold.size == len(mine)
    assert view.hold.overdue == sum(1 for r in mine if r.due_date is not None and r.due_date < view.today)
    assert view.hold.oldest_id == min(mine, key=lambda r: (r.received_at, r.id)).id
    assert view.alerts == []


def test_alerts_are_what_the_health_check_flags(store: Store, tmp_path: Path) -> None:
    _three_runs(store)
    now = datetime(2026, 12, 1, 15, 30, tzinfo=CPH)
    _, overdue = store.hold_queue_size(now.date())
    assert overdue > 0  # the samples' due dates are before December 2026
    found = reads.alerts(store, HealthSettings(), now)
    assert any(a.level == "warning" and f"{overdue} overdue" in a.text for a in found)
    # a last run that failed is critical, listed first
    with store.sessions.begin() as s:
        last = s.scalars(select(Run).order_by(Run.id.desc()).limit(1)).one()
        last.status, last.error = "failed", "ledger refused <everything>"
    found = reads.alerts(store, HealthSettings(), now)
    assert found[0].level == "critical" and "failed" in found[0].text and "<everything>" in found[0].text


def test_without_schedules_the_overview_says_so(store: Store, tmp_path: Path) -> None:
    view = reads.overview(store, None, utcnow())
    assert (view.expected, view.next_fires, view.schedules_error, view.last_run) == ([], [], None, None)
    (tmp_path / "schedules.yaml").write_text("schedules:\n  - {name: bad, cron: '61 * * * *'}\n")
    loaded = load_config(SAMPLES / "fakturarobot.yaml")
    broken = LoadedConfig(
        loaded.path, loaded.cfg.model_copy(update={"schedules": tmp_path / "schedules.yaml"})
    )
    view = reads.overview(store, broken, utcnow())
    assert view.schedules_error is not None and "schedules.yaml" in view.schedules_error


def test_a_run_in_progress_shows_what_it_has_handled(store: Store) -> None:
    """Watched after each invoice of a real run whose ERP is down at the first posting."""
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        live = reads.live_runs(store, utcnow())
        assert len(live) == 1 and live[0].run.status == "running"
        run_id = live[0].run.id
        with store.sessions() as s:
            decided = s.scalar(
                select(func.count()).where(
                    InvoiceRow.last_run_id == run_id, InvoiceRow.state.in_(InvoiceState.DONE)
                )
            )
        assert sum(live[0].by_state.values()) == decided
        assert live[0].pending == len(store.pending_ids())
        seen.append((done, live[0].handled))

    robot = _robot(store, sample_source(), MemoryLedger(fail_on=(1,)))
    # one invoice a batch, so each decision is committed, and shown, before the next (a batch of
    # 50 shows its decisions together, when its transaction commits)
    summary = robot.run(RunOptions(trigger="schedule:morning", progress=progress, batch=1))
    assert len(seen) == summary.counts["attempted"] > 0
    assert [handled for _, handled in seen] == [done for done, _ in seen]  # decided + failed so far
    assert summary.counts["pending"] == 1  # the invoice the ERP was down for: it failed, not decided
    assert reads.live_runs(store, utcnow()) == []  # finished
    # a run left "running" by a dead process is not shown as going on
    run_id = store.start_run("schedule:afternoon")
    assert [p.run.id for p in reads.live_runs(store, utcnow())] == [run_id]
    assert reads.live_runs(store, utcnow() + timedelta(minutes=10)) == []
