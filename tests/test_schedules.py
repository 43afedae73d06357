"""schedules.yaml: validation with file and line, crontab day numbers, and DST-correct fire times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from robot.errors import ConfigError
from robot.scheduling.schedules import cron_trigger, load_schedules
from tests.conftest import ROOT

CPH = "Europe/Copenhagen"


def _fires(trigger, start: datetime, count: int) -> list[datetime]:  # type: ignore[no-untyped-def]
    out: list[datetime] = []
    prev = None
    now = start
    for _ in range(count):
        nxt = trigger.get_next_fire_time(prev, now)
        out.append(nxt.astimezone(UTC))
        prev, now = nxt, nxt.astimezone(UTC) + timedelta(seconds=1)
    return out


def test_default_file_has_two_daily_runs() -> None:
    schedules = load_schedules(ROOT / "schedules.yaml")
    assert [(s.name, s.cron, s.timezone) for s in schedules.active()] == [
        ("morning", "0 6 * * *", CPH),
        ("afternoon", "0 14 * * *", CPH),
    ]
    assert all(s.misfire_grace_seconds == 21600 and not s.dry_run for s in schedules.schedules)


def _at(month: int, day: int, hour: int) -> datetime:
    """An hour of 2026 in UTC."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "morning", "afternoon"),
    [
        pytest.param(
            # Last Sunday of March 2026 (29 March): 06:00/14:00 are 05:00/13:00 UTC before, 04:00/12:00 after
            _at(3, 27, 12),
            # the DST Sunday (29 March): already summer time at 06:00
            [_at(3, 28, 5), _at(3, 29, 4), _at(3, 30, 4), _at(3, 31, 4)],
            [_at(3, 27, 13), _at(3, 28, 13), _at(3, 29, 12), _at(3, 30, 12)],
            id="spring-forward-2026",
        ),
        pytest.param(
            # Last Sunday of October 2026 (25 October): back to CET, 06:00 is 05:00 UTC again
            _at(10, 23, 12),
            [_at(10, 24, 4), _at(10, 25, 5), _at(10, 26, 5)],
            [_at(10, 23, 12), _at(10, 24, 12), _at(10, 25, 13), _at(10, 26, 13)],
            id="fall-back-2026",
        ),
    ],
)
def test_the_daily_runs_keep_copenhagen_time_over_a_dst_change(
    start: datetime, morning: list[datetime], afternoon: list[datetime]
) -> None:
    """The default morning and afternoon runs fire at 06:00 and 14:00 Copenhagen time on both
    sides of a DST change."""
    s = load_schedules(ROOT / "schedules.yaml")
    assert _fires(s.get("morning").trigger(), start, len(morning)) == morning
    assert _fires(s.get("afternoon").trigger(), start, len(afternoon)) == afternoon


def test_a_run_in_the_repeated_hour_fires_once() -> None:
    """02:30 happens twice on 25 October 2026; the robot must still run once that night."""
    fires = _fires(cron_trigger("30 2 * * *", CPH), datetime(2026, 10, 24, 12, 0, tzinfo=UTC), 3)
    assert [f.date().isoformat() for f in fires] == ["2026-10-25", "2026-10-26", "2026-10-27"]


def test_crontab_weekdays_mean_monday_to_friday() -> None:
    """APScheduler 3 counts Monday as 0; a crontab '1-5' must still mean Monday to Friday."""
    fires = _fires(cron_trigger("0 6 * * 1-5", CPH), datetime(2026, 3, 27, 12, 0, tzinfo=UTC), 3)
    assert [f.strftime("%a %d") for f in fires] == ["Mon 30", "Tue 31", "Wed 01"]
    sundays = _fires(cron_trigger("0 6 * * 0", CPH), datetime(2026, 3, 27, tzinfo=UTC), 2)
    assert [f.strftime("%a") for f in sundays] == ["Sun", "Sun"]
    assert str(cron_trigger("0 6 * * 7", CPH)) == str(cron_trigger("0 6 * * 0", CPH))


def test_schedule_options_and_file_defaults(tmp_path: Path) -> None:
    f = tmp_path / "schedules.yaml"
    f.write_text(
        "timezone: Europe/Copenhagen\nmisfire_grace_seconds: 600\nschedules:\n"
        "  - {name: sfe-only, cron: '15 7 * * 1-5', customers: [SFE], sources: [folder], dry_run: true}\n"
        "  - {name: helsinki, cron: '0 9 * * *', timezone: Europe/Helsinki, misfire_grace_seconds: 60}\n"
    )
    s = load_schedules(f)
    sfe, hel = s.schedules
    assert (sfe.customers, sfe.sources, sfe.dry_run, sfe.timezone, sfe.misfire_grace_seconds) == (
        ("SFE",),
        ("folder",),
        True,
        CPH,
        600,
    )
    assert (hel.timezone, hel.misfire_grace_seconds) == ("Europe/Helsinki", 60)
    first = hel.trigger().get_next_fire_time(None, datetime(2026, 1, 5, tzinfo=UTC))
    assert first.astimezone(UTC) == datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("schedules:\n  - {name: a, cron: '0 6 * *'}\n", 2, "has 4 fields; expected 5"),
        ("schedules:\n  - name: a\n    cron: '0 25 * * *'\n", 3, "cron '0 25 * * *'"),
        (
            "schedules:\n  - {name: a, cron: '0 6 * * *', timezone: Europe/Kobenhavn}\n",
            2,
            "unknown time zone",
        ),
        ("schedules:\n  - {name: a, cron: '0 6 * * *', dryrun: true}\n", 2, "dryrun"),
        (
            "schedules:\n  - {name: a, cron: '0 6 * * *'}\n  - {name: a, cron: '0 7 * * *'}\n",
            3,
            "used twice",
        ),
        ("schedules:\n  - {name: a, cron: '0 6 * * */2'}\n", 2, "not supported"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, body: str, line: int, needle: str) -> None:
    f = tmp_path / "schedules.yaml"
    f.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_schedules(f)
    text = str(err.value)
    assert f"{f}:{line}" in text and needle in text, text
