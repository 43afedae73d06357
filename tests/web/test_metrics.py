"""``/metrics``: parsed with the Prometheus client's own parser, every number equal to the store's
count by plain SQL, and the bearer token checked (off, missing, wrong, right), on SQLite and
PostgreSQL."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text, update

from robot.configuration.settings import LoadedConfig, load_config
from robot.store.repo import Store
from robot.store.runs import STALE_AFTER
from robot.store.schema import NoticeRow, Run, utcnow
from tests.conftest import SAMPLES
from tests.web.errortypes_store import populated

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

__all__ = ["populated"]  # the fixture, used by name

VARIABLE = "FAKTURAROBOT_TEST_METRICS_TOKEN"
TOKEN = "a-long-random-metrics-token-0123456789"
ZONE = ZoneInfo("Europe/Copenhagen")


def config(variable: str | None) -> LoadedConfig:
    loaded = load_config(SAMPLES / "fakturarobot.yaml")
    web = loaded.cfg.web.model_copy(update={"metrics_token_env": variable})
    return LoadedConfig(loaded.path, loaded.cfg.model_copy(update={"web": web}))


def client(store: Store, variable: str | None = VARIABLE) -> TestClient:
    from robot.web.app import create_app

    return TestClient(create_app(config(variable), store), base_url="https://testserver")


@pytest.fixture(scope="module")
def world(populated: tuple[Store, dict[str, int]]) -> Iterator[Store]:
    """The populated store plus a dry run, an abandoned run and notices pending and refused."""
    store, _ = populated
    dry = store.start_run("test", dry_run=True)
    store.finish_run(dry, "ok", {})
    dead = store.start_run("test")
    old = utcnow() - STALE_AFTER - timedelta(minutes=1)
    with store.sessions.begin() as s:
        s.execute(update(Run).where(Run.id == dead).values(heartbeat_at=old, started_at=old))
        ids = [n for (n,) in s.execute(text("SELECT id FROM notices ORDER BY id"))]
        assert len(ids) >= 2, "the samples make a notice per customer"
        s.execute(update(NoticeRow).where(NoticeRow.id == ids[0]).values(state="refused"))
        s.execute(update(NoticeRow).where(NoticeRow.id == ids[1]).values(state="pending"))
    yield store


def scrape(store: Store) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """``/metrics`` parsed: family name → {sorted labels: value}, for every sample."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(VARIABLE, TOKEN)
        answer = client(store).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        assert family.name.startswith("fakturarobot_"), family.name
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def sql(store: Store, query: str, **params: object) -> list[tuple[object, ...]]:
    with store.sessions() as s:
        return [tuple(row) for row in s.execute(text(query), params)]


def test_every_number_equals_the_stores_count(world: Store) -> None:
    store = world
    got = scrape(store)

    invoices = {
        (str(st), str(v or "none")): n
        for st, v, n in sql(store, "SELECT state, verdict, COUNT(*) FROM invoices GROUP BY state, verdict")
    }
    assert {
        (dict(k)["state"], dict(k)["verdict"]): v for k, v in got["fakturarobot_invoices"].items()
    } == invoices
    by_state = {dict(k)["state"]: v for k, v in got["fakturarobot_invoices_by_state"].items()}
    for state, n in sql(store, "SELECT state, COUNT(*) FROM invoices GROUP BY state"):
        assert by_state.pop(str(state)) == n
    assert set(by_state.values()) <= {0.0}  # the states without invoices are there as 0

    types = {dict(k)["error_type"]: v for k, v in got["fakturarobot_invoices_by_error_type"].items()}
    stored = dict(sql(store, "SELECT code, COUNT(*) FROM invoice_error_types GROUP BY code"))
    assert stored and {c: n for c, n in types.items() if n} == stored

    ((held, overdue),) = sql(
        store,
        "SELECT COUNT(*), SUM(CASE WHEN due_date < :today THEN 1 ELSE 0 END) FROM invoices"
        " WHERE state = 'held'",
        today=utcnow().astimezone(ZONE).date(),
    )
    assert got["fakturarobot_hold_queue_size"][()] == held > 0
    assert got["fakturarobot_hold_queue_overdue"][()] == (overdue or 0)

    notices = {dict(k)["state"]: v for k, v in got["fakturarobot_notices"].items() if v}
    assert notices == dict(sql(store, "SELECT state, COUNT(*) FROM notices GROUP BY state"))
    assert (
        got["fakturarobot_notices_pending"][()] == notices.get("pending", 0) + notices.get("sending", 0) >= 1
    )
    assert got["fakturarobot_notices_refused"][()] == notices["refused"] == 1


def test_runs_by_status_and_their_timing(world: Store) -> None:
    store = world
    got = scrape(store)
    now = utcnow()
    expected: dict[tuple[str, str], int] = {}
    for run in store.recent_runs(1000):
        beat = run.heartbeat_at or run.started_at
        status = "abandoned" if run.status == "running" and now - beat > STALE_AFTER else run.status
        key = (status, str(run.dry_run).lower())
        expected[key] = expected.get(key, 0) + 1
    runs = {(dict(k)["status"], dict(k)["dry_run"]): v for k, v in got["fakturarobot_runs"].items() if v}
    assert runs == expected
    assert runs[("abandoned", "false")] == 1 and runs[("ok", "true")] == 1

    finished = sql(
        store,
        "SELECT started_at, finished_at, status FROM runs"
        " WHERE dry_run = :no AND status IN ('ok', 'partial', 'failed') ORDER BY id DESC",
        no=False,
    )
    last = store.last_run(statuses=("ok", "partial"))
    assert last is not None and last.finished_at is not None
    age = got["fakturarobot_last_success_age_seconds"][()]
    assert (
        (utcnow() - last.finished_at).total_seconds() - 30
        <= age
        <= (utcnow() - last.finished_at).total_seconds()
    )
    durations = [
        (r.finished_at - r.started_at).total_seconds()
        for r in store.recent_runs(1000)
        if not r.dry_run and r.status in ("ok", "partial", "failed") and r.finished_at
    ]
    assert len(durations) == len(finished) == 2
    assert got["fakturarobot_last_run_duration_seconds"][()] == pytest.approx(durations[0], abs=1e-3)
    buckets = {dict(k)["le"]: v for k, v in got["fakturarobot_recent_run_duration_seconds_bucket"].items()}
    assert buckets["+Inf"] == len(durations)
    assert buckets["60.0"] == sum(1 for d in durations if d <= 60)
    assert got["fakturarobot_recent_run_duration_seconds_gsum"][()] == pytest.approx(sum(durations), abs=1e-3)


def test_no_success_means_no_age_sample(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/empty.db")
    try:
        got = scrape(store)
    finally:
        store.close()
    assert "fakturarobot_last_success_age_seconds" not in got
    assert "fakturarobot_last_run_duration_seconds" not in got
    assert got["fakturarobot_hold_queue_size"][()] == 0


def test_the_token(world: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store = world
    off = client(store, variable=None).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert off.status_code == 403 and "metrics_token_env" in off.text
    monkeypatch.delenv(VARIABLE, raising=False)
    unset = client(store).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert unset.status_code == 403 and VARIABLE in unset.text and TOKEN not in unset.text
    monkeypatch.setenv(VARIABLE, TOKEN)
    c = client(store)
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ):
        refused = c.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "fakturarobot_" not in refused.text
    right = c.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert right.status_code == 200 and "fakturarobot_hold_queue_size" in right.text
    openmetrics = {
        "Authorization": f"Bearer {TOKEN}",
        "Accept": "application/openmetrics-text; version=1.0.0",
    }
    asked = c.get("/metrics", headers=openmetrics)
    assert asked.headers["content-type"].startswith("application/openmetrics-text")
    assert asked.text.endswith("# EOF\n")
