"""`fakturarobot health`: a Nagios/Icinga plugin line, its exit code, and a store it never creates.

Every output is parsed as the Monitoring Plugins development guidelines define a plugin's output:
``TEXT | 'label'=value[UOM];[warn];[crit];[min];[max] ...`` with the value a number or ``U``, the
unit one of the guidelines' (none, s, ms, us, %, B, KB, MB, TB, c) and warn/crit ranges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
import yaml
from sqlalchemy import update
from typer.testing import CliRunner

from robot.cli.app import _register, app
from robot.store.repo import Store
from robot.store.schema import InvoiceState, NoticeRow, Run, utcnow
from tests.support.bulk import write_config
from tests.support.storerows import add_invoice

STATES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
LINE = re.compile(
    r"^(?P<service>[A-Z0-9_]+) (?P<state>OK|WARNING|CRITICAL|UNKNOWN) - "
    r"(?P<text>[^|\n]+?)(?: \| (?P<perf>[^|\n]*))?$"
)
NUMBER = r"-?\d+(?:\.\d+)?"
RANGE = rf"@?(?:~|{NUMBER})?(?::(?:{NUMBER})?)?"
DATUM = re.compile(
    rf"^(?P<label>'[^'=]+'|[^'= ]+)=(?P<value>{NUMBER}|U)(?P<uom>s|ms|us|%|B|KB|MB|TB|c)?"
    rf"(?:;(?P<warn>{RANGE})?(?:;(?P<crit>{RANGE})?(?:;(?P<min>{NUMBER})?(?:;(?P<max>{NUMBER})?)?)?)?)?$"
)


@dataclass
class Plugin:
    code: int
    state: str
    text: str
    perf: dict[str, dict[str, Any]]


def parse(output: str, code: int) -> Plugin:
    """One line; the state word matches the exit code; every performance datum is well formed."""
    lines = output.splitlines()
    assert len(lines) == 1, output
    m = LINE.match(lines[0])
    assert m, lines[0]
    assert m["service"] == "FAKTURAROBOT" and STATES[m["state"]] == code, (m["state"], code)
    perf: dict[str, dict[str, Any]] = {}
    for datum in re.findall(r"(?:'[^']*'|\S)+", m["perf"] or ""):  # a quoted label may hold spaces
        d = DATUM.match(datum)
        assert d, f"not a performance datum: {datum!r}"
        value = None if d["value"] == "U" else float(d["value"])
        perf[d["label"].strip("'")] = {
            "value": value,
            "uom": d["uom"] or "",
            "warn": d["warn"],
            "crit": d["crit"],
        }
    return Plugin(code, m["state"], m["text"], perf)


def test_the_parser_refuses_what_the_guidelines_refuse() -> None:
    for bad in ("FAKTURAROBOT OK - a | x=1 apples", "FAKTURAROBOT OK - a | x=1;2;3;4;5;6", "OK - a"):
        with pytest.raises(AssertionError):
            parse(bad, 0)
    ok = parse("FAKTURAROBOT OK - fine | 'a b'=1.5s;;10;0 c=U%;1:;@2:3;0;100", 0)
    assert ok.perf["a b"] == {"value": 1.5, "uom": "s", "warn": "", "crit": "10"}
    assert ok.perf["c"]["value"] is None and ok.perf["c"]["crit"] == "@2:3"


def health(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Plugin:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAKTURAROBOT_CONFIG", raising=False)
    _register()
    result = CliRunner().invoke(app, ["health", *args])
    return parse(result.output, result.exit_code)


def add_run(store: Store, status: str, *, hours_ago: float, dry_run: bool = False, **values: Any) -> int:
    """A run recorded ``hours_ago`` (time-machine moves the clock the store writes with)."""
    with time_machine.travel(utcnow() - timedelta(hours=hours_ago), tick=False):
        run_id = store.start_run("schedule:morning", dry_run=dry_run)
        if status != "running":
            counts = {
                "attempted": 10,
                "processed": 10,
                "posted": 10,
                "failures": 0,
                **values.pop("counts", {}),
            }
            store.finish_run(run_id, status, counts, values.pop("error", None))
    if values:
        with store.sessions.begin() as s:
            s.execute(update(Run).where(Run.id == run_id).values(**values))
    return run_id


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store.open(f"sqlite:///{tmp_path / 'robot.db'}")
    yield s
    s.close()


def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'robot.db'}"


def test_a_store_that_does_not_exist_is_unknown_and_is_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "typo" / "robot.db"
    out = health(tmp_path, monkeypatch, "--database", f"sqlite:///{missing}")
    assert out.state == "UNKNOWN" and str(missing) in out.text
    assert not missing.exists() and not missing.parent.exists()
    cfg = write_config(tmp_path / "conf", database="sqlite:///nowhere/robot.db")
    out = health(tmp_path, monkeypatch, "--config", str(cfg))
    assert out.state == "UNKNOWN" and not (tmp_path / "conf" / "nowhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conf"]


def test_no_runs_or_only_dry_runs_is_critical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    out = health(tmp_path, monkeypatch, "--database", db(tmp_path))
    assert out.state == "CRITICAL" and "no run recorded" in out.text
    assert out.perf["last_success_age"]["value"] is None and out.perf["held"]["value"] == 0
    add_run(store, "ok", hours_ago=1, dry_run=True)
    out = health(tmp_path, monkeypatch, "--database", db(tmp_path))
    assert out.state == "CRITICAL" and "only dry runs" in out.text


def test_a_fresh_ok_run_is_ok_with_performance_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    run_id = add_run(store, "ok", hours_ago=2)
    add_run(store, "failed", hours_ago=1, dry_run=True)  # a dry run never counts
    out = health(tmp_path, monkeypatch, "--database", db(tmp_path))
    assert (out.code, out.state) == (0, "OK")
    assert out.text.startswith(f"last run {run_id} ok 2h ago")
    age = out.perf["last_success_age"]
    assert age["uom"] == "s" and 7190 <= age["value"] <= 7300 and age["crit"] == "64800"
    assert out.perf["failures"]["value"] == 0 and out.perf["exception_rate"]["uom"] == "%"
    assert {"held", "overdue", "notices_pending", "notices_refused", "last_run_age"} <= set(out.perf)


def test_a_last_run_20_hours_old_is_critical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    add_run(store, "ok", hours_ago=20)
    out = health(tmp_path, monkeypatch, "--database", db(tmp_path))
    assert out.state == "CRITICAL" and "20h ago" in out.text and "critical above 18h" in out.text
    assert out.perf["last_success_age"]["value"] >= 72000


def test_a_partial_run_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    add_run(store, "ok", hours_ago=12)
    run_id = add_run(
        store, "partial", hours_ago=1, counts={"attempted": 10, "failures": 2}, error="invoice 7: ERP | down"
    )
    out = health(tmp_path, monkeypatch, "--database", db(tmp_path))  # (the '|' in the error is no perfdata)
    assert out.state == "WARNING" and f"last run {run_id} partial 1h ago: invoice 7: ERP" in out.text
    assert out.perf["failures"]["value"] == 2
    assert out.perf["exception_rate"]["value"] == 20


def test_a_run_whose_process_died_is_abandoned_and_critical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    add_run(store, "ok", hours_ago=3)
    run_id = add_run(store, "running", hours_ago=1)  # heartbeat an hour old: nobody is working on it
    out = health(tmp_path, monkeypatch, "--database", db(tmp_path))
    assert out.state == "CRITICAL" and f"last run {run_id} abandoned" in out.text
    with store.sessions.begin() as s:  # a live run beats: just now
        s.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow() - timedelta(minutes=2)))
    out = health(tmp_path, monkeypatch, "--database", db(tmp_path))
    assert out.state == "OK" and f"run {run_id} running" in out.text


def test_most_failures_is_critical_even_when_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    add_run(store, "partial", hours_ago=1, counts={"attempted": 59, "processed": 29, "failures": 30})
    out = health(tmp_path, monkeypatch, "--database", db(tmp_path))
    assert out.state == "CRITICAL" and "exception rate 51%" in out.text
    assert out.perf["exception_rate"]["value"] == 50.8


def _hold(store: Store, n: int, due: date) -> None:
    with store.sessions.begin() as s:
        for i in range(n):
            add_invoice(s, i, source="folder", state=InvoiceState.HELD, due_date=due)


def test_thresholds_come_from_the_health_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write_config(tmp_path)
    store = Store.open(db(tmp_path))
    add_run(store, "ok", hours_ago=7)
    _hold(store, 3, date(2020, 1, 1))
    with store.sessions.begin() as s:
        s.add(NoticeRow(notice_key="k1", recipients="a@x.dk", subject="s", body_text="t", state="refused"))
    store.close()
    out = health(tmp_path, monkeypatch, "--config", str(cfg))  # defaults: overdue warns above 0
    assert out.state == "WARNING" and "3 overdue" in out.text and out.perf["overdue"]["warn"] == "0"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["health"] = {
        "last_success_hours": {"warning": 6, "critical": 26},
        "overdue_holds": {"warning": 5, "critical": 10},
        "notices_refused": {"critical": 0},
    }
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = health(tmp_path, monkeypatch, "--config", str(cfg))
    assert out.state == "CRITICAL" and "1 notices refused" in out.text and "last success 7h ago" in out.text
    assert out.perf["last_success_age"]["warn"] == "21600" and out.perf["last_success_age"]["crit"] == "93600"
    monkeypatch.setenv("FAKTURAROBOT_CONFIG", str(cfg))
    monkeypatch.chdir(tmp_path)
    _register()
    result = CliRunner().invoke(app, ["health"])  # the configuration from the environment
    assert parse(result.output, result.exit_code).state == "CRITICAL"


def test_a_bad_health_section_is_unknown_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_config(tmp_path)
    Store.open(db(tmp_path)).close()
    text = cfg.read_text(encoding="utf-8") + "health:\n  overdue_holds: {warning: 9, critical: 2}\n"
    cfg.write_text(text, encoding="utf-8")
    out = health(tmp_path, monkeypatch, "--config", str(cfg))
    assert out.state == "UNKNOWN" and "warning (9) must not be above critical (2)" in out.text
    assert f"{cfg}:" in out.text or "fakturarobot.yaml:" in out.text
    cfg.write_text(text.replace("overdue_holds", "overdue"), encoding="utf-8")
    out = health(tmp_path, monkeypatch, "--config", str(cfg))
    assert out.state == "UNKNOWN" and "overdue" in out.text


def test_check_config_validates_the_health_section(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    cfg.write_text(
        cfg.read_text(encoding="utf-8") + "health:\n  last_success_hours: {critical: -1}\n", encoding="utf-8"
    )
    _register()
    result = CliRunner().invoke(app, ["check-config", "--config", str(cfg)])
    assert result.exit_code == 2 and "last_success_hours" in result.output


def test_at_the_stroke_of_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    """Exactly 18 h is still OK (a value *above* the threshold alerts, as in the guidelines)."""
    with time_machine.travel(datetime(2026, 3, 2, 6, 0, tzinfo=UTC), tick=False):
        add_run(store, "ok", hours_ago=0)
    with time_machine.travel(datetime(2026, 3, 3, 0, 0, tzinfo=UTC), tick=False):
        assert health(tmp_path, monkeypatch, "--database", db(tmp_path)).state == "OK"
    with time_machine.travel(datetime(2026, 3, 3, 0, 0, 1, tzinfo=UTC), tick=False):
        assert health(tmp_path, monkeypatch, "--database", db(tmp_path)).state == "CRITICAL"
