"""``fakturarobot report`` returns exactly what the generated history holds (issue 14).

The history (tests/support/history.py) is six months of 20,718 invoices for four customers, each
with its own error mix. Every expected figure here is counted in Python from the generator's plan
(its parameters), never from the store, and compared with :func:`robot.reports.report.report`
and with ``report --json``: over everything, per customer, per month, per customer and month, and
for one supplier.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from robot.cli.app import _register, app
from robot.reports.report import report
from robot.reports.scope import Scope
from robot.store.repo import Store
from tests.support.history import (
    HOSTILE_NAME,
    MIXES,
    MONTHS,
    YEAR,
    Planned,
    fill,
    plan,
    supplier_cvr,
    supplier_name,
)

_register()
runner = CliRunner()
PLAN = plan()
Pick = Callable[[Planned], bool]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('history')}/history.db"
    store = Store.open(url)
    fill(store, PLAN)
    yield store, url
    store.close()


def _nearest(values: list[int], p: float) -> int | None:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(round(p * len(ordered), 9))) - 1] if ordered else None


def _cycle(seconds: list[int]) -> dict[str, int | None]:
    return {
        "invoices": len(seconds),
        "median_seconds": _nearest(seconds, 0.5),
        "p90_seconds": _nearest(seconds, 0.9),
    }


def _customer(c: str) -> Pick:
    return lambda p: p.customer == c


def _by_total(counts: dict[str, dict[str, int]]) -> list[tuple[str, dict[str, int]]]:
    return sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))


def expected(pick: Pick, scope: Scope) -> dict[str, Any]:
    """The report over the planned invoices ``pick`` selects, counted in Python."""
    chosen = [p for p in PLAN if pick(p)]
    states = Counter(p.journey.state for p in chosen)
    posted = [p for p in chosen if p.journey.state == "posted"]
    stopped = [p for p in chosen if p.journey.state in ("returned", "held")]
    types: dict[str, dict[str, int]] = defaultdict(lambda: {"returned": 0, "held": 0})
    rules: dict[str, dict[str, int]] = defaultdict(lambda: {"returned": 0, "held": 0})
    for p in stopped:
        for code in p.journey.error_types:
            types[code][p.journey.state] += 1
        for code, disposition, _ in p.journey.findings:
            if (disposition, p.journey.state) in (("return", "returned"), ("hold", "held")):
                rules[code][p.journey.state] += 1
    names = {"released": "released", "returned-by-hand": "returned_by_hand", "retry": "retried"}
    decided: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(names.values(), 0))
    cases: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for p in chosen:
        if p.journey.decision is not None:
            for code in (p.journey.held_by or "").split(","):
                decided[code][names[p.journey.decision]] += 1
                for by, key in (("customer", p.customer), ("supplier", p.supplier)):
                    cases[by, key, code][0] += 1
                    cases[by, key, code][1] += p.journey.decision == "released"
    dups = [p for p in stopped if any(f[0].startswith("DUP-") for f in p.journey.findings)]
    repeats = Counter(
        (p.supplier, code) for p in chosen if p.journey.state == "returned" for code in p.journey.error_types
    )
    to_post = [int(p.to_posting.total_seconds()) for p in chosen if p.journey.end == "posted"]
    to_pay = [int(p.to_payment.total_seconds()) for p in chosen if p.journey.paid]

    def name(cvr: str) -> str:
        return supplier_name(int(cvr) - int(supplier_cvr(0)))

    touchless = sum(1 for p in posted if p.journey.decision is None)
    chosen_cases = sorted(
        ((-n, by, key, rule, r) for (by, key, rule), (n, r) in cases.items() if n >= 20 and r >= 0.95 * n)
    )
    release = [
        {"by": by, "key": key, "rule": rule, "decisions": -m, "released": r}
        for m, by, key, rule, r in chosen_cases
    ]
    repeat = sorted(
        ((s, c, n) for (s, c), n in repeats.items() if n >= 3), key=lambda t: (-t[2], t[0], t[1])
    )[:20]
    return {
        "scope": scope.as_dict(),
        "received": len(chosen),
        "states": {s: states[s] for s in ("received", "read", "classified", "posted", "returned", "held")},
        "touchless": {
            "decided": len(chosen),
            "posted": len(posted),
            "touchless": touchless,
            "rate": touchless / len(chosen) if chosen else None,
        },
        "error_types": [{"code": c, **v} for c, v in _by_total(types)],
        "rules": [{"code": c, **v} for c, v in _by_total(rules)],
        "decisions": [{"rule": c, **v} for c, v in _by_total(decided)],
        "cycle_time": {
            "posting": _cycle(to_post),
            "payment": _cycle(to_pay),
        },
        "duplicates": {
            "invoices": len(dups),
            "amount": str(sum((p.payable for p in dups), Decimal("0.00"))),
            "by_rule": dict(sorted(Counter(f[0] for p in dups for f in p.journey.findings).items())),
        },
        "suggestions": {
            "release": release,
            "repeat_returns": [
                {"supplier": s, "supplier_name": name(s), "error_type": c, "returns": n} for s, c, n in repeat
            ],
        },
    }  # fmt: skip


def _month(m: int) -> tuple[date, date]:
    return date(YEAR, m, 1), date(YEAR, m, calendar.monthrange(YEAR, m)[1])


SCOPES: list[tuple[str, Scope, Pick]] = [
    ("everything", Scope(), lambda p: True),
    *((f"customer {c}", Scope(customer=c), _customer(c)) for c in MIXES),
    ("March", Scope(*_month(3)), lambda p: p.month == 3),
    ("June for UFM", Scope(*_month(6), customer="UFM"), lambda p: p.month == 6 and p.customer == "UFM"),
    ("supplier 7", Scope(supplier=supplier_cvr(7)), lambda p: p.supplier == supplier_cvr(7)),
    ("a day without invoices", Scope(date(2025, 12, 31), date(2025, 12, 31)), lambda p: False),
]


def test_the_history_is_big_enough_and_mixed() -> None:
    assert len(PLAN) >= 20_000
    assert {p.month for p in PLAN} == set(range(1, MONTHS + 1)) and len(MIXES) >= 3
    assert len({frozenset(mix.items()) for mix in MIXES.values()}) == len(MIXES)  # each its own mix


@pytest.mark.parametrize(("label", "scope", "pick"), SCOPES, ids=[s[0] for s in SCOPES])
def test_report_returns_exactly_what_the_generator_put_in(
    history: tuple[Store, str], label: str, scope: Scope, pick: Pick
) -> None:
    store, _ = history
    assert report(store, scope).as_dict() == expected(pick, scope)


def test_the_months_add_up_to_the_whole(history: tuple[Store, str]) -> None:
    store, _ = history
    months = [report(store, Scope(*_month(m))) for m in range(1, MONTHS + 1)]
    assert sum(r.received for r in months) == len(PLAN) == report(store).received
    assert [r.received for r in months] == [sum(MIXES[c][j] for c in MIXES for j in MIXES[c])] * MONTHS


def test_the_json_of_the_command_is_the_report(history: tuple[Store, str]) -> None:
    _, url = history
    args = [
        "report",
        "--since",
        "2026-02-01",
        "--until",
        "2026-04-30",
        "--customer",
        "DST",
        "--json",
        "--database",
        url,
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    scope = Scope(date(2026, 2, 1), date(2026, 4, 30), "DST")
    assert json.loads(result.output) == expected(lambda p: p.customer == "DST" and 2 <= p.month <= 4, scope)


def test_the_customer_is_matched_in_any_case_as_by_held(history: tuple[Store, str]) -> None:
    _, url = history
    exact, lower = (
        runner.invoke(app, ["report", "--customer", c, "--json", "--database", url]) for c in ("DST", " dst")
    )
    assert exact.exit_code == lower.exit_code == 0, exact.output + lower.output
    figures = [{k: v for k, v in json.loads(r.output).items() if k != "scope"} for r in (exact, lower)]
    assert figures[0] == figures[1] and figures[0]["received"] > 0


def test_csv_parses_and_carries_the_figures(history: tuple[Store, str]) -> None:
    _, url = history
    result = runner.invoke(app, ["report", "--customer", "SFE", "--csv", "--database", url])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["section", "key", "figure", "value"] and all(len(r) == 4 for r in rows)
    figures = {(s, k, f): v for s, k, f, v in rows[1:]}
    want = expected(lambda p: p.customer == "SFE", Scope(customer="SFE"))
    assert figures["invoices", "", "received"] == str(want["received"])
    assert figures["touchless", "", "touchless"] == str(want["touchless"]["touchless"])
    assert figures["rule", "DK-REFERENCE", "returned"] == str(
        next(r["returned"] for r in want["rules"] if r["code"] == "DK-REFERENCE")
    )
    assert figures["duplicates", "", "amount"] == want["duplicates"]["amount"]
    assert figures["suggest_release", "customer:SFE:VENDOR-UNKNOWN", "released_of_decisions"] == "192/192"


def test_a_hostile_supplier_name_prints_literally(history: tuple[Store, str]) -> None:
    _, url = history
    result = runner.invoke(
        app, ["report", "--supplier", supplier_cvr(0), "--database", url], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Evil [/bold] [link=http://x]A/S\\x1b[31m\\u202e" in result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert HOSTILE_NAME not in result.output  # only its visible form
    assert "received" in result.output and "Decisions by hand" in result.output


def test_a_date_that_is_not_one_is_a_usage_error(history: tuple[Store, str]) -> None:
    _, url = history
    bad = runner.invoke(app, ["report", "--since", "1 March", "--database", url])
    assert bad.exit_code == 2 and "not a date" in bad.output
    backwards = runner.invoke(
        app, ["report", "--since", "2026-03-02", "--until", "2026-03-01", "--database", url]
    )
    assert backwards.exit_code == 2


def test_a_missing_store_is_not_created(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--database", f"sqlite:///{tmp_path}/none.db"])
    assert result.exit_code == 2 and not (tmp_path / "none.db").exists()


def test_postgresql_gives_the_same_figures(pg_fresh_url: str) -> None:
    """The same SQL on PostgreSQL (its own duration arithmetic, JSON access and sums)."""
    store = Store.open(pg_fresh_url)
    try:
        fill(store, PLAN)
        for _, scope, pick in (SCOPES[0], SCOPES[-3], SCOPES[-2]):
            assert report(store, scope).as_dict() == expected(pick, scope)
    finally:
        store.close()


def test_a_real_run_over_the_samples_reports_what_the_manifest_says(tmp_path: Path) -> None:
    """The robot's own run (its events, held reasons and findings), a retry by hand, a second run:
    the report counts what the demo manifest says and names the rules of the hold that was retried."""
    import shutil

    import yaml

    from robot.configuration.wiring import build_robot
    from robot.processing.manual import decide
    from robot.running.run import RunOptions
    from tests.conftest import ROOT, SAMPLES

    shutil.copytree(SAMPLES, tmp_path / "samples")
    shutil.copy2(ROOT / "schedules.yaml", tmp_path / "schedules.yaml")
    shutil.copytree(SAMPLES / "inbox", tmp_path / "var" / "demo" / "inbox")
    manifest = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
    verdicts = Counter(d["verdict"] for d in manifest)
    robot, _ = build_robot(tmp_path / "samples" / "fakturarobot.yaml")
    try:
        robot.run(RunOptions(trigger="test"))
        store = robot.store
        first = report(store)
        assert (first.received, first.states["posted"], first.states["returned"], first.states["held"]) == (
            len(manifest),
            verdicts["post"],
            verdicts["return"],
            verdicts["hold"],
        )
        assert (first.touchless.touchless, first.touchless.decided) == (verdicts["post"], len(manifest))
        assert first.to_posting.invoices == verdicts["post"] and first.decisions == []
        # the duplicate, the same bytes again (also the same number) and the suspected one
        dups = [
            d for d in manifest if d["scenario"] in ("duplicate", "resent-same-bytes", "suspected-duplicate")
        ]
        assert first.duplicates.invoices == len(dups) == 3 and first.duplicates.amount > 0
        assert first.duplicates.by_rule == {"DUP-DOCUMENT": 1, "DUP-NUMBER": 2, "DUP-SUSPECT": 1}
        held = store.held()[0]
        codes = sorted(
            {f.code for f in store.findings_by_invoice([held.id])[held.id] if f.disposition == "hold"}
        )
        decide(store, None, held.id, "retry", by="ANJE")
        robot.run(RunOptions(trigger="test"))
        second = report(store)
    finally:
        robot.store.close()
    assert second.states == first.states  # read again, held again for the same reason
    assert sorted(d.rule for d in second.decisions) == codes
    assert {(d.released, d.returned_by_hand, d.retried) for d in second.decisions} == {(0, 0, 1)}
    assert second.touchless == first.touchless
