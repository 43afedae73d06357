"""The scheduler with frozen time: fire times across DST, one catch-up run, never two at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from robot.running.run_report import RunSummary
from robot.scheduling.locks import Lock
from robot.scheduling.scheduler import RobotScheduler
from robot.scheduling.schedules import Schedule, Schedules, load_schedules
from robot.store.repo import Store
from robot.store.schema import Event

CPH = ZoneInfo("Europe/Copenhagen")


class Recorder:
    """A run job that records when it ran and how many ran at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls: list[tuple[str, datetime]] = []
        self.seconds = seconds
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, schedule: Schedule, stop: threading.Event) -> RunSummary | None:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.calls.append((schedule.name, datetime.now(UTC)))
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
        return None

    def wait_for(self, n: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.calls) < n and time.monotonic() < deadline:
            time.sleep(0.05)


def _one(tmp_path: Path, cron: str = "0 6 * * *", grace: int = 21600) -> Schedules:
    f = tmp_path / "schedules.yaml"
    f.write_text(f"misfire_grace_seconds: {grace}\nschedules:\n  - {{name: morning, cron: '{cron}'}}\n")
    return load_schedules(f)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'robot.db'}")
    yield s
    s.close()


def _skips(store: Store) -> list[dict[str, object]]:
    with store.sessions() as s:
        return [e.detail for e in s.scalars(select(Event).where(Event.kind == "schedule-skipped"))]


@pytest.mark.parametrize(
    ("frozen_local", "expected_utc"),
    [
        # the evening before spring-forward (29 March 2026): next 06:00 is already CEST
        (
            datetime(2026, 3, 28, 20, 0, tzinfo=CPH),
            {"morning": "2026-03-29T04:00", "afternoon": "2026-03-29T12:00"},
        ),
        (
            datetime(2026, 3, 28, 7, 0, tzinfo=CPH),
            {"morning": "2026-03-29T04:00", "afternoon": "2026-03-28T13:00"},
        ),
        # the evening before fall-back (25 October 2026): next 06:00 is CET again
        (
            datetime(2026, 10, 24, 20, 0, tzinfo=CPH),
            {"morning": "2026-10-25T05:00", "afternoon": "2026-10-25T13:00"},
        ),
        (
            datetime(2026, 10, 24, 7, 0, tzinfo=CPH),
            {"morning": "2026-10-25T05:00", "afternoon": "2026-10-24T12:00"},
        ),
    ],
)
def test_scheduled_next_runs_across_dst(
    store: Store, frozen_local: datetime, expected_utc: dict[str, str]
) -> None:
    schedules = load_schedules(Path(__file__).resolve().parent.parent / "schedules.yaml")
    with time_machine.travel(frozen_local, tick=False):
        sched = RobotScheduler(schedules, store, Recorder())
        sched.start()
        try:
            got = {k: v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for k, v in sched.next_runs().items() if v}
        finally:
            sched.shutdown()
    assert got == expected_utc


def test_missed_runs_fire_once_at_start_up(store: Store, tmp_path: Path) -> None:
    """Down from Monday 05:00 to Thursday 07:30: three 06:00 runs missed, one catch-up run."""
    schedules = _one(tmp_path)
    with time_machine.travel(datetime(2026, 3, 2, 5, 0, tzinfo=CPH)):
        first = RobotScheduler(schedules, store, Recorder())
        first.start()
        assert first.next_runs()["morning"] == datetime(2026, 3, 2, 6, 0, tzinfo=CPH)
        first.shutdown()
    recorder = Recorder()
    with time_machine.travel(datetime(2026, 3, 5, 7, 30, tzinfo=CPH)):
        again = RobotScheduler(schedules, store, recorder)
        again.start()
        try:
            recorder.wait_for(1)
            time.sleep(1.0)  # room for a second or third (wrong) firing
            assert [name for name, _ in recorder.calls] == ["morning"]
            assert again.next_runs()["morning"] == datetime(2026, 3, 6, 6, 0, tzinfo=CPH)
        finally:
            again.shutdown()


def test_a_run_missed_beyond_the_grace_time_is_not_made_up(store: Store, tmp_path: Path) -> None:
    schedules = _one(tmp_path, grace=3600)
    with time_machine.travel(datetime(2026, 3, 2, 5, 0, tzinfo=CPH)):
        first = RobotScheduler(schedules, store, Recorder())
        first.start()
        first.shutdown()
    recorder = Recorder()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=CPH)):  # three hours late, grace one
        again = RobotScheduler(schedules, store, recorder)
        again.start()
        time.sleep(1.0)
        again.shutdown()
    assert recorder.calls == []


def test_changed_schedule_replaces_the_stored_job(store: Store, tmp_path: Path) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 5, 0, tzinfo=CPH), tick=False):
        first = RobotScheduler(_one(tmp_path), store, Recorder())
        first.start()
        first.shutdown()
        second = RobotScheduler(_one(tmp_path, cron="45 5 * * *"), store, Recorder())
        second.start()
        try:
            assert second.next_runs() == {"morning": datetime(2026, 3, 2, 5, 45, tzinfo=CPH)}
        finally:
            second.shutdown()


def test_overlapping_firings_never_run_at_once(store: Store, tmp_path: Path) -> None:
    """Two firings of one schedule at the same moment (two machines): one runs, one is skipped."""
    recorder = Recorder(seconds=0.5)
    a = RobotScheduler(_one(tmp_path), store, recorder)
    b = RobotScheduler(_one(tmp_path), store, recorder)
    threads = [threading.Thread(target=s.fire, args=("morning",)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(recorder.calls) == 1 and recorder.most_at_once == 1
    assert [d["schedule"] for d in _skips(store)] == ["morning"]
    # once the first is done the schedule can run again
    a.fire("morning")
    assert len(recorder.calls) == 2


def test_lock_held_elsewhere_skips_and_records(store: Store, tmp_path: Path) -> None:
    recorder = Recorder()
    sched = RobotScheduler(_one(tmp_path), store, recorder)
    other = Lock(store.engine, "schedule:morning")
    assert other.acquire()
    try:
        assert sched.fire("morning") is None
    finally:
        other.release()
    assert recorder.calls == []
    assert _skips(store)[0]["reason"] == "lock held"
    sched.fire("morning")
    assert len(recorder.calls) == 1


def test_advisory_lock_on_postgresql(pg_fresh_url: str, tmp_path: Path) -> None:
    """Two 'machines' (engines) on one PostgreSQL: the advisory lock lets one schedule run once."""
    one, two = Store.open(pg_fresh_url), Store.open(pg_fresh_url)
    try:
        first, second = Lock(one.engine, "schedule:morning"), Lock(two.engine, "schedule:morning")
        assert first.acquire()
        assert not second.acquire()
        assert Lock(two.engine, "schedule:afternoon").acquire()  # other schedules are free
        first.release()
        assert second.acquire()
        second.release()
        recorder = Recorder(seconds=0.5)
        a, b = (RobotScheduler(_one(tmp_path), s, recorder) for s in (one, two))
        threads = [threading.Thread(target=s.fire, args=("morning",)) for s in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert len(recorder.calls) == 1 and len(_skips(one)) == 1
    finally:
        one.close()
        two.close()
