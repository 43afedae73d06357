"""``what-if`` over a real run of the demo samples: the verdicts it changes, and that it only reads.

The world (samples, inbox, ledger, outbox, store) is made once for the module by one run over the
samples; each test works on its own copy. Expected sets are computed from the stored findings,
not from the replay.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from typer.testing import CliRunner

from tests.support.demoworld import criteria_changed, ran_demo_world

CUSTOMER = "SFE"


@pytest.fixture(scope="module")
def ran_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ran_demo_world(tmp_path_factory.mktemp("whatif"))


@pytest.fixture
def world(ran_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FAKTURAROBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("FAKTURAROBOT_CONFIG", raising=False)
    shutil.copytree(ran_world, tmp_path / "world")
    return tmp_path / "world"


def _db(world: Path) -> Path:
    return world / "var" / "demo" / "fakturarobot.db"


def _criteria(world: Path, **changes: Any) -> Path:
    """The samples' customers file with ``changes`` in the criteria of :data:`CUSTOMER`."""
    return criteria_changed(
        world / "samples" / "customers.yaml", world / "customers-new.yaml", CUSTOMER, **changes
    )


def _stored(world: Path) -> dict[int, tuple[str, str | None, list[tuple[str, str | None]]]]:
    """Per invoice: state, customer and its blocking findings (code, found), straight from the file."""
    from robot.store.repo import Store
    from robot.store.schema import FindingRow, InvoiceRow

    store = Store.open(f"sqlite:///{_db(world)}", existing=True)
    try:
        with store.sessions() as s:
            out = {r.id: (r.state, r.customer_id, []) for r in s.scalars(select(InvoiceRow))}
            for f in s.scalars(select(FindingRow).where(FindingRow.severity == "error")):
                out[f.invoice_id][2].append((f.code, f.found))
    finally:
        store.close()
    return out


def _lacking_only_person(world: Path) -> set[int]:
    """Returned invoices of the customer held back by nothing but a missing person reference: the
    reference rule is their only blocking finding, and it found an order number (BT-13)."""
    expected = set()
    for invoice_id, (state, customer, blocking) in _stored(world).items():
        if state != "returned" or customer != CUSTOMER or not blocking:
            continue
        if all(code == "DK-REFERENCE" and "BT-13=-" not in (found or "") for code, found in blocking):
            expected.add(invoice_id)
    return expected


def _what_if(world: Path, *args: str) -> tuple[int, dict[str, Any]]:
    from robot.cli.app import _register, app

    _register()
    config = str(world / "samples" / "fakturarobot.yaml")
    result = CliRunner().invoke(app, ["what-if", "--config", config, "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _groups(answer: dict[str, Any]) -> dict[str, set[int]]:
    groups: dict[str, set[int]] = {}
    for change in answer["changes"]:
        groups.setdefault(change["group"], set()).add(change["invoice_id"])
    return groups


def test_person_to_either_posts_exactly_the_invoices_lacking_only_the_person_reference(world: Path) -> None:
    expected = _lacking_only_person(world)
    assert expected, "the samples hold invoices that lack only the person reference"
    code, answer = _what_if(world, "--criteria", str(_criteria(world, reference="either")))
    assert code == 1
    assert _groups(answer) == {"now-posted": expected}
    for change in answer["changes"]:
        assert change["verdict_before"] == "return" and change["verdict_after"] == "post"
        assert change["rules_before"] == ["DK-REFERENCE"] and change["rules_after"] == []
        assert change["customer"] == CUSTOMER and change["decided_by_hand"] is None
        assert set(change) >= {"invoice_id", "source_ref", "invoice_number", "customer"}
    figures = {c["customer"]: c for c in answer["customers"]}
    sfe = figures[CUSTOMER]
    assert sfe["touchless_invoices_after"] == sfe["touchless_invoices_before"] + len(expected)
    assert sfe["touchless_after"] == round(sfe["touchless_invoices_after"] / sfe["invoices"], 4)
    others = [c for c in answer["customers"] if c["customer"] != CUSTOMER]
    assert others and all(c["touchless_before"] == c["touchless_after"] for c in others)
    assert sum(c["invoices"] for c in answer["customers"]) == answer["replayed"] == len(_stored(world))


def test_the_unchanged_criteria_change_no_verdict(world: Path) -> None:
    """The replay decides as the run did (duplicates included): the same file changes nothing."""
    code, answer = _what_if(world, "--criteria", str(world / "samples" / "customers.yaml"))
    assert (code, answer["changes"]) == (0, [])


def test_a_hold_released_by_hand_before_is_reported_as_released_and_automatic_now(world: Path) -> None:
    from robot.configuration.settings import load_config
    from robot.processing.manual import decide
    from robot.store.repo import Store

    limit_holds = [
        i
        for i, (state, customer, blocking) in _stored(world).items()
        if state == "held" and customer == CUSTOMER and [c for c, _ in blocking] == ["CUST-AMOUNT-LIMIT"]
    ]
    assert len(limit_holds) == 1
    held = limit_holds[0]
    loaded = load_config(world / "samples" / "fakturarobot.yaml")
    store = Store.open(f"sqlite:///{_db(world)}", existing=True)
    try:
        decide(store, loaded, held, "release", by="ANJE", note="checked with the customer")
    finally:
        store.close()
    criteria = _criteria(world, reference="either", auto_post_limit="100000000")
    code, answer = _what_if(world, "--criteria", str(criteria), "--customer", CUSTOMER)
    assert code == 1
    assert _groups(answer) == {"released-now-automatic": {held}, "now-posted": _lacking_only_person(world)}
    released = next(c for c in answer["changes"] if c["invoice_id"] == held)
    assert released["decided_by_hand"] == "released"
    assert (released["verdict_before"], released["verdict_after"]) == ("hold", "post")
    assert released["rules_before"] == ["CUST-AMOUNT-LIMIT"]
    assert [c["customer"] for c in answer["customers"]] == [CUSTOMER]
    _, any_case = _what_if(world, "--criteria", str(criteria), "--customer", CUSTOMER.lower())
    assert _groups(any_case) == _groups(answer)  # --customer in any case, as held --customer


def _fingerprint(world: Path) -> dict[str, Any]:
    demo = world / "var" / "demo"
    db = _db(world)
    return {
        "db": hashlib.sha256(db.read_bytes()).hexdigest(),
        "mtime": os.stat(db).st_mtime_ns,
        "ledger": (demo / "ledger.jsonl").read_bytes(),
        "outbox": sorted(p.name for p in (demo / "outbox").rglob("*")),
        "inbox": sorted(p.name for p in (demo / "inbox").rglob("*")),
    }


def test_what_if_leaves_the_store_byte_for_byte_unchanged_and_sends_nothing(world: Path) -> None:
    before = _fingerprint(world)
    rules = world / "hold_everything.py"
    rules.write_text(HOLD_ALL, encoding="utf-8")
    criteria = _criteria(world, reference="either")
    code, answer = _what_if(
        world, "--criteria", str(criteria), "--rules", str(rules), "--since", "2000-01-01"
    )
    assert code == 1 and answer["changes"]
    assert _fingerprint(world) == before


HOLD_ALL = """
from classifiers.api import rule


@rule("WHATIF-HOLD-ALL", description="holds every invoice (a test)", disposition="hold", status="UQ",
      reason="OTH", action="NOA")
def hold_all(invoice, ctx):
    yield ctx.finding(da="Holdt.", en="Held.")
"""


def test_an_extra_rule_module_is_used_for_the_replay_only(world: Path) -> None:
    from classifiers.api import REGISTRY

    rules = world / "hold_everything.py"
    rules.write_text(HOLD_ALL, encoding="utf-8")
    code, answer = _what_if(world, "--rules", str(rules))
    assert code == 1
    stored = _stored(world)
    posted = {i for i, (state, _, _) in stored.items() if state == "posted"}
    returned = {i for i, (state, _, _) in stored.items() if state == "returned"}  # a hold wins over a return
    assert posted and _groups(answer) == {"now-stopped": posted, "other": returned}
    assert all("WHATIF-HOLD-ALL" in c["rules_after"] for c in answer["changes"])
    assert all(
        c["rules_after"] == ["WHATIF-HOLD-ALL"] for c in answer["changes"] if c["invoice_id"] in posted
    )
    assert all(c["touchless_after"] == 0 for c in answer["customers"])
    assert "WHATIF-HOLD-ALL" not in REGISTRY  # a run never sees it


def test_the_period_is_the_days_received(world: Path) -> None:
    criteria = str(_criteria(world, reference="either"))
    _, later = _what_if(world, "--criteria", criteria, "--since", "2999-01-01")
    _, earlier = _what_if(world, "--criteria", criteria, "--until", "2000-01-01")
    assert later["replayed"] == earlier["replayed"] == 0 and later["changes"] == earlier["changes"] == []


@pytest.fixture
def opened(store: Any) -> Iterator[Any]:
    from robot.processing.whatif.store import open_read_only

    read_only = open_read_only(store.engine.url.render_as_string(hide_password=False))
    yield read_only
    read_only.close()


def test_the_store_is_opened_so_that_it_cannot_be_written(store: Any, opened: Any) -> None:
    """SQLite ``mode=ro`` and PostgreSQL read-only transactions refuse a write."""
    assert opened.pending_ids() == []  # it reads
    with pytest.raises((OperationalError, ProgrammingError, SQLAlchemyError)) as refused:
        opened.start_run("what-if")
    assert "read" in str(refused.value).lower()
    from robot.store.schema import Run

    with store.sessions() as s:
        assert s.scalars(select(Run)).all() == []


LENIENT_REFERENCE = """
from classifiers.api import rule


@rule("DK-REFERENCE", description="never asks for a reference (a test)", reason="REF", action="PIN")
def lenient(invoice, ctx):
    return ()
"""


def test_a_changed_rule_replaces_the_registered_one_for_the_replay_only(world: Path) -> None:
    from classifiers.api import REGISTRY

    original = REGISTRY.get("DK-REFERENCE").func
    rules = world / "lenient_reference.py"
    rules.write_text(LENIENT_REFERENCE, encoding="utf-8")
    code, answer = _what_if(world, "--rules", str(rules))
    only_reference = {
        i
        for i, (state, _, blocking) in _stored(world).items()
        if state == "returned" and blocking and {c for c, _ in blocking} == {"DK-REFERENCE"}
    }
    assert code == 1 and len({_stored(world)[i][1] for i in only_reference}) > 1  # several customers
    assert _groups(answer) == {"now-posted": only_reference}
    assert REGISTRY.get("DK-REFERENCE").func is original


def test_a_rule_module_that_cannot_be_loaded_is_a_configuration_error(tmp_path: Path) -> None:
    from robot.errors import ConfigError
    from robot.processing.whatif.rules import replay_registry

    with pytest.raises(ConfigError, match="cannot be loaded"):
        replay_registry(["no_such_rules_module_anywhere"])
    broken = tmp_path / "broken.py"
    broken.write_text("import no_such_dependency_anywhere\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no_such_dependency_anywhere"):
        replay_registry([str(broken)])
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="registers no rule"):
        replay_registry([str(empty)])


@pytest.mark.parametrize(
    "args",
    [[], ["--criteria", "{world}/samples/customers.yaml", "--customer", "NOBODY"]],
    ids=["no change given", "unknown customer"],
)
def test_what_if_refuses_a_usage_problem_with_exit_2(world: Path, args: list[str]) -> None:
    from robot.cli.app import _register, app

    _register()
    config = str(world / "samples" / "fakturarobot.yaml")
    given = [a.format(world=world) for a in args]
    result = CliRunner().invoke(app, ["what-if", "--config", config, *given])
    assert result.exit_code == 2, result.output
