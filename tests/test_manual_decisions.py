"""robot.processing.manual: the one implementation of a person's decisions, for the CLI and the console.

A decision through :func:`manual.decide` leaves the store exactly as the same decision through the
CLI (state, verdict, findings, events); a refusal carries the CLI's message and changes nothing;
one decision for several invoices decides each on its own; comments and assignments are events of
the invoice's journey with who made them (on SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from robot.cli.safe_text import visible
from robot.codes import Reason
from robot.configuration.settings import load_config
from robot.errors import StoreError
from robot.processing import manual
from robot.store.repo import Store
from robot.store.schema import InvoiceRow, InvoiceState
from tests.conftest import SAMPLES
from tests.support.databases import BOTH, database_url
from tests.web.support import decision_record, run_cli, run_samples

CONFIG = SAMPLES / "fakturarobot.yaml"
LIMIT = "0050-peppol-above-auto-post-limit.xml"  # releasable
BANK = "0044-oioubl-bank-account-differs.xml"  # VENDOR-BANK: a release needs a note
UNREADABLE = "0064-pdf-damaged.pdf"  # READ-ERROR: a release is refused
PDF = "0056-pdf-printed-held.pdf"


def _run_samples(url: str) -> Store:
    return run_samples(Store.open(url))


@pytest.fixture
def held(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = _run_samples(f"sqlite:///{tmp_path}/store.db")
    yield store
    store.close()


@pytest.fixture(params=BOTH)
def held_both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = _run_samples(database_url(request, tmp_path, "both.db"))
    yield store
    store.close()


def _id(store: Store, file: str) -> int:
    [row] = store.find_invoices(file)
    return row.id


def _after(store: Store, file: str) -> dict[str, Any]:
    """What a decision left: the invoice's state and verdict, its findings and the people's events."""
    return decision_record(store, _id(store, file))


def _cli(url: str, *args: str) -> tuple[int, str]:
    return run_cli(*args, "--database", url, "--config", str(CONFIG))


def test_decisions_leave_the_store_as_the_cli_leaves_it(tmp_path: Path) -> None:
    by_cli = f"sqlite:///{tmp_path}/cli.db"
    _run_samples(by_cli).close()
    store = _run_samples(f"sqlite:///{tmp_path}/manual.db")
    try:
        assert _cli(by_cli, "release", str(_id(store, LIMIT)), "--by", "ANJE", "--note", "ok by head")[0] == 0
        assert _cli(by_cli, "return", str(_id(store, PDF)), "--by", "MOLA", "--reason", "Mangler ordre",
                    "--reason-en", "Order missing", "--code", "REF")[0] == 0  # fmt: skip
        assert (
            _cli(by_cli, "retry", str(_id(store, UNREADABLE)), "--by", "KAJE", "--note", "template added")[0]
            == 0
        )
        config = load_config(CONFIG)
        manual.decide(store, config, _id(store, LIMIT), "release", by="ANJE", note="ok by head")
        manual.decide(store, config, _id(store, PDF), "return", by="MOLA", reason=Reason.REF,
                      reason_da="Mangler ordre", reason_en="Order missing")  # fmt: skip
        manual.decide(store, None, _id(store, UNREADABLE), "retry", by="KAJE", note="template added")
        cli_store = Store.open(by_cli)
        try:
            for file in (LIMIT, PDF, UNREADABLE):
                assert _after(store, file) == _after(cli_store, file), file
            assert _after(store, PDF)["verdict"] == "return" and "REF" in str(_after(store, PDF)["types"])
        finally:
            cli_store.close()
    finally:
        store.close()


def test_a_refused_release_carries_the_cli_message_and_changes_nothing(held: Store, tmp_path: Path) -> None:
    url = held.engine.url.render_as_string(hide_password=False)
    unreadable = _id(held, UNREADABLE)
    before = _after(held, UNREADABLE)
    with pytest.raises(StoreError) as refused:
        manual.decide(held, load_config(CONFIG), unreadable, "release", by="ANJE", note="looked")
    assert f"invoice {unreadable} cannot be released" in str(refused.value)
    assert "What to do:" in str(refused.value)
    code, out = _cli(url, "release", str(unreadable), "--by", "ANJE", "--note", "looked")
    assert code == 2 and visible(str(refused.value)) in out  # the CLI prints the same, controls made visible
    assert _after(held, UNREADABLE) == before
    with pytest.raises(StoreError, match="needs --note"):
        manual.decide(held, load_config(CONFIG), _id(held, BANK), "release", by="ANJE")
    with pytest.raises(StoreError, match="no configuration to check it"):
        manual.decide(held, None, _id(held, LIMIT), "release", by="ANJE")
    assert _after(held, LIMIT)["state"] == InvoiceState.HELD


def test_one_decision_for_several_decides_each_on_its_own(held: Store) -> None:
    limit, unreadable, pdf = _id(held, LIMIT), _id(held, UNREADABLE), _id(held, PDF)
    outcomes = manual.decide_many(
        held, lambda: load_config(CONFIG), [limit, unreadable, pdf, limit], "release", by="ANJE", note="n"
    )
    assert [o.invoice_id for o in outcomes] == [limit, unreadable, pdf]  # each once, in order
    done = {o.invoice_id for o in outcomes if o.done is not None}
    assert done == {limit, pdf}
    [refused] = [o for o in outcomes if o.refused]
    assert refused.invoice_id == unreadable and "cannot be released" in str(refused.refused)
    again = manual.decide_many(held, None, [limit], "retry", by="KAJE")
    assert again[0].done is None and "not held any more: released by ANJE" in str(again[0].refused)


def test_return_reasons_are_the_cli_list() -> None:
    assert manual.return_reason("PAY") is Reason.PAY
    with pytest.raises(ValueError, match="unknown reason code 'NON'"):
        manual.return_reason("NON")  # not a reason a person returns with


def test_comments_and_assignments_are_events_with_who(held_both: Store) -> None:
    store = held_both
    limit, pdf = _id(store, LIMIT), _id(store, PDF)
    with store.sessions() as s:
        query = select(InvoiceRow.id, InvoiceRow.updated_at).where(InvoiceRow.id.in_([limit, pdf]))
        updated = {invoice_id: at for invoice_id, at in s.execute(query)}
    event = manual.comment(store, limit, " ANJE ", "  Ringet til <b>leverandøren</b>  ")
    assert event.kind == "comment" and event.detail == {
        "by": "ANJE",
        "text": "Ringet til <b>leverandøren</b>",
    }
    with pytest.raises(StoreError, match="needs a text"):
        manual.comment(store, limit, "ANJE", "   ")
    with pytest.raises(StoreError, match="no invoice 999999"):
        manual.comment(store, 999999, "ANJE", "x")
    with pytest.raises(StoreError, match="say who"):
        manual.comment(store, limit, " ", "x")
    assert manual.assign(store, [limit, pdf, limit], "MOLA", "ANJE") == [limit, pdf]
    with pytest.raises(StoreError, match="no invoice 999999; nothing was assigned"):
        manual.assign(store, [pdf, 999999], "KAJE", "ANJE")
    manual.assign(store, [pdf], "", "ANJE")  # to no one
    kinds = [(k, d) for k, d in _after(store, LIMIT)["events"]]
    assert kinds == [("comment", {"by": "ANJE", "text": "Ringet til <b>leverandøren</b>"}),
                     ("assigned", {"by": "ANJE", "to": "MOLA"})]  # fmt: skip
    assert [d for k, d in _after(store, PDF)["events"]] == [
        {"by": "ANJE", "to": "MOLA"},
        {"by": "ANJE", "to": None},
    ]
    with store.sessions() as s:
        query = select(InvoiceRow.id, InvoiceRow.assigned_to, InvoiceRow.updated_at).where(
            InvoiceRow.id.in_([limit, pdf])
        )
        assigned = {invoice_id: to for invoice_id, to, _ in s.execute(query)}
        changed = {invoice_id: at for invoice_id, _, at in s.execute(query)}
    assert assigned == {limit: "MOLA", pdf: None}
    assert changed == updated  # an assignment is not a change of the invoice (how long it waits)
