"""Run health: alert e-mails on failed runs and high exception rates; `runs` exit codes for monitoring."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from connectors.testing.fakes import MemoryNotifier
from robot.cli.app import _register, app
from robot.configuration.settings import AlertSettings
from robot.running.alerts import alert_on, assess, exception_rate
from robot.running.run_report import RunSummary
from robot.scheduling.scheduler import runner
from robot.scheduling.schedules import Schedule
from robot.store.repo import Store
from robot.store.schema import Event
from tests.support.bulk import SAMPLES, make_inbox, write_config

START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
SETTINGS = AlertSettings(to=("kreditor-drift@sa.example.dk",), exception_rate=0.2)


def _summary(status: str, run_id: int = 7, **counts: Any) -> RunSummary:
    base = {"processed": 0, "posted": 0, "returned": 0, "held": 0, "pending": 0, "failures": 0}
    problems = tuple(f"invoice {i}: TransientError: ERP down" for i in range(counts.get("failures", 0)))
    return RunSummary(run_id, status, START, START + timedelta(seconds=42), {**base, **counts}, problems)


@pytest.mark.parametrize(
    ("counts", "status", "code"),
    [
        ({"attempted": 100, "processed": 80, "failures": 20}, "partial", None),  # exactly at the limit
        ({"attempted": 100, "processed": 79, "failures": 21}, "partial", "exception-rate"),
        ({"attempted": 0, "processed": 0, "failures": 1}, "partial", "exception-rate"),  # the fetch failed
        ({"attempted": 0, "processed": 0, "failures": 0}, "ok", None),
        ({"attempted": 50, "processed": 50, "failures": 0}, "failed", "failed"),
        ({"processed": 80, "failures": 20}, "partial", None),  # recorded before "attempted": 20 of 100
    ],
)
def test_assess(counts: dict[str, int], status: str, code: str | None) -> None:
    reason = assess(counts, status, threshold=0.2)
    assert (reason.code if reason else None) == code


def test_exception_rate_is_failures_per_invoice_attempted_and_never_above_one() -> None:
    assert exception_rate({"attempted": 8, "processed": 6, "failures": 2}) == 0.25
    assert exception_rate({"attempted": 59, "processed": 29, "failures": 30}) == pytest.approx(30 / 59)
    assert (
        exception_rate({"attempted": 2, "processed": 0, "failures": 4}) == 1.0
    )  # + fetch and notice problems
    assert exception_rate({}) == 0.0


def test_high_exception_rate_mails_the_creditor_team_in_danish_and_english(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    notifier = MemoryNotifier()
    run_id = store.start_run("schedule:morning")
    summary = _summary("partial", run_id, attempted=10, processed=7, posted=7, failures=3)
    notice = alert_on(summary, SETTINGS, notifier, store)
    assert notice is not None and notifier.sent == [notice]
    assert notice.to == SETTINGS.to and notice.notice_key == f"alert:{run_id}"
    assert f"kørsel {run_id} høj fejlrate" in notice.subject
    assert f"run {run_id} high exception rate" in notice.subject
    assert "Fejlraten var 30% (grænse 20%): 3 fejl ved 10 forsøgte fakturaer." in notice.text
    assert "The exception rate was 30% (limit 20%): 3 failures for 10 invoices attempted." in notice.text
    assert "invoice 0: TransientError: ERP down" in notice.text
    with store.sessions() as s:
        events = [
            (e.kind, e.detail.get("reason"))
            for e in s.scalars(select(Event).where(Event.kind.like("alert%")))
        ]
    assert events == [("alert-sent", "exception-rate")]
    store.close()


def test_healthy_run_sends_nothing_and_broken_mail_does_not_raise(tmp_path: Path) -> None:
    notifier = MemoryNotifier()
    assert alert_on(_summary("ok", processed=10, posted=10), SETTINGS, notifier) is None
    assert notifier.sent == []
    notifier.down = True
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    assert alert_on(_summary("failed", store.start_run()), SETTINGS, notifier, store) is None
    with store.sessions() as s:
        assert [e.kind for e in s.scalars(select(Event).where(Event.kind.like("alert%")))] == ["alert-failed"]
    store.close()
    assert alert_on(_summary("failed"), AlertSettings(to=()), MemoryNotifier()) is None


def test_scheduled_run_with_failures_sends_an_alert_eml(tmp_path: Path) -> None:
    """The real run job: an unreadable journal path makes every posting fail → alert .eml written."""
    cfg = write_config(tmp_path)
    make_inbox(tmp_path / "inbox", 5)
    (tmp_path / "ledger.jsonl").mkdir()  # the ERP journal cannot be written: every posting fails
    summary = runner(cfg)(Schedule(name="morning", cron="0 6 * * *"), threading.Event())
    assert summary is not None and summary.counts["failures"] == 5
    mails = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(mails) == 1
    text = mails[0].read_text(encoding="utf-8")
    assert "drift@example.dk" in text and "Fejlraten" in text and "exception rate" in text


def _cli(db: str, *args: str) -> tuple[int, str]:
    _register()
    result = CliRunner().invoke(app, ["runs", "--database", db, *args])
    return result.exit_code, result.output


def test_runs_exit_codes_fit_monitoring(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store.open(db)
    assert _cli(db)[0] == 0  # no runs yet: nothing to worry about
    counts = {"processed": 3, "posted": 3, "returned": 0, "held": 0, "pending": 0}
    expected = {"ok": 0, "partial": 1, "failed": 3}
    for status, code in expected.items():
        run_id = store.start_run("schedule:morning")
        store.finish_run(run_id, status, counts)
        exit_code, _ = _cli(db, "--json")
        assert exit_code == code, status
    exit_code, out = _cli(db, "--json", "--limit", "3")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["status"] for r in rows] == ["failed", "partial", "ok"]
    assert rows[0]["counts"]["posted"] == 3 and rows[0]["finished_at"] is not None
    store.close()


def _sample_counts() -> tuple[int, int]:
    """How many demo documents there are, and how many of them are to be posted."""
    from robot.demo.samplegen.manifest import load_manifest

    entries = load_manifest(SAMPLES / "manifest.yaml").entries
    return len(entries), sum(1 for e in entries if e.verdict == "post")


def _demo_with_a_broken_erp(tmp_path: Path) -> Path:
    """The demo documents (62, 30 to post) with an ERP journal that cannot be written."""
    cfg = write_config(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for item in (SAMPLES / "inbox").iterdir():
        if item.is_file():
            shutil.copy2(item, inbox / item.name)
    (tmp_path / "ledger.jsonl").mkdir()  # every posting fails
    return cfg


def _alerts(outbox: Path) -> list[str]:
    texts = []
    for path in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        assert isinstance(msg, EmailMessage) and isinstance(body, EmailMessage)
        texts.append(f"To: {msg['To']}\n{body.get_content()}")
    return [t for t in texts if "Fakturarobotten: kørsel" in t]


def test_run_command_alerts_with_failures_per_invoice_attempted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fakturarobot run` (what cron or systemd calls) alerts as the scheduler does: 30 postings of
    62 invoices fail → 48 %, not 30 failures / 32 decided = 94 %."""
    documents, posts = _sample_counts()
    pct = f"{posts / documents:.0%}"
    cfg = _demo_with_a_broken_erp(tmp_path)
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    _register()
    result = CliRunner().invoke(app, ["run", "--config", str(cfg), "--json"])
    assert result.exit_code == 1, result.output
    alerts = _alerts(tmp_path / "outbox")
    assert len(alerts) == 1, "the run sent no alert"
    assert "drift@example.dk" in alerts[0]
    assert f"Fejlraten var {pct} (grænse 20%): {posts} fejl ved {documents} forsøgte fakturaer." in alerts[0]
    assert (
        f"The exception rate was {pct} (limit 20%): {posts} failures for {documents} invoices attempted."
        in alerts[0]
    )
    summary = json.loads(result.output.strip().splitlines()[-1])
    counts = summary["counts"]
    assert (counts["attempted"], counts["processed"], counts["failures"]) == (
        documents,
        documents - posts,
        posts,
    )
    assert exception_rate(counts) == pytest.approx(posts / documents)
    with Store.open(f"sqlite:///{tmp_path / 'robot.db'}").sessions() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.kind.like("alert%")))]
    assert kinds == ["alert-sent"]


def test_scheduled_run_rate_is_per_invoice_attempted_never_over_100_percent(tmp_path: Path) -> None:
    """The same documents through the scheduler's run job: the rate was once 30 / 29 = 103 %."""
    documents, posts = _sample_counts()
    pct = f"{posts / documents:.0%}"
    cfg = _demo_with_a_broken_erp(tmp_path)
    summary = runner(cfg)(Schedule(name="morning", cron="0 6 * * *"), threading.Event())
    assert summary is not None and summary.counts["failures"] == posts
    [alert] = _alerts(tmp_path / "outbox")
    assert (
        f"Fejlraten var {pct} (grænse 20%)" in alert and f"The exception rate was {pct} (limit 20%)" in alert
    )
    assert re.search(r"\b(10[0-9]|1[1-9][0-9])%", alert) is None  # no rate over 100 %


def test_a_dry_run_sends_no_alert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _demo_with_a_broken_erp(tmp_path)
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    _register()
    CliRunner().invoke(app, ["run", "--config", str(cfg), "--dry-run", "--json"])
    assert _alerts(tmp_path / "outbox") == []
