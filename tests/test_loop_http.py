"""Issue 4 end to end through the run: the HTTP loop, an unreliable ERP, mail down, official IR rules."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path
from typing import Any

import yaml

from robot.configuration.settings import load_config
from robot.configuration.wiring import build_robot
from robot.demo.sandbox_demo import sandbox
from robot.running.run import RunOptions
from robot.store.schema import InvoiceState
from tests.conftest import SAMPLES
from tests.support.servers import free_port, smtp_server

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
CLEAN_INVOICES = [e for e in MANIFEST if e["verdict"] == "post" and e["document_type"] == "invoice"]
CLEAN_CREDIT_NOTES = [e for e in MANIFEST if e["verdict"] == "post" and e["document_type"] == "credit_note"]


def _exactly_once(invoices: list[dict[str, Any]], credit_memos: list[dict[str, Any]]) -> None:
    """Every clean invoice and every clean credit note of the manifest is in the ERP exactly once."""
    numbers = sorted((i["vendorNumber"], i["vendorInvoiceNumber"]) for i in invoices)
    assert len(numbers) == len(set(numbers)) == len(CLEAN_INVOICES)
    credits = sorted((c["vendorNumber"], c["vendorCreditMemoNumber"]) for c in credit_memos)
    assert len(credits) == len(set(credits)) == len(CLEAN_CREDIT_NOTES) > 0
    assert all(c["totalAmountIncludingTax"] > 0 and c["status"] == "Open" for c in credit_memos)


class Inbox:
    """An aiosmtpd handler keeping every message that arrives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _with_smtp(config: Path, port: int) -> None:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["notifier"] = {
        "kind": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "timeout": 2,
        "from_address": "kreditor@example.dk",
    }
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_full_loop_over_http_with_real_smtp(tmp_path: Path) -> None:
    port = free_port()
    with sandbox(SAMPLES, tmp_path / "box") as box:
        _with_smtp(box.config, port)
        robot, _ = build_robot(box.config)
        # the mail server is down during the first run: notices wait in the outbox
        first = robot.run(RunOptions())
        assert first.status == "partial" and first.counts["notices_pending"] > 0
        with smtp_server(inbox := Inbox(), port):
            second = robot.run(RunOptions())
            third = robot.run(RunOptions())
        erp, credit_memos = box.erp_invoices(), box.erp_credit_memos()
        outcomes = box.outcomes()
        rows = robot.store.invoices_of_run(first.run_id)
        robot.close()
    assert second.status == "ok" and third.status == "ok" and second.counts["notices_pending"] == 0
    # every clean invoice and every clean credit note is in the ERP exactly once
    _exactly_once(erp, credit_memos)
    # outcomes were written back to the purchase system for every posted and returned invoice
    decided = [r for r in rows if r.state in (InvoiceState.POSTED, InvoiceState.RETURNED)]
    assert len(outcomes) >= len(decided) > 0
    # one digest per customer with returns, each sent once, Danish and English, naming field and fix
    keys = [m["Message-ID"] for m in inbox.messages]
    assert len(keys) == len(set(keys)) > 0
    body = inbox.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert ("BT-" in body and "Dear" in body) or "English" in body or "Invoice" in body


def test_unreliable_erp_posts_each_clean_invoice_exactly_once(tmp_path: Path) -> None:
    with sandbox(SAMPLES, tmp_path / "box", fail_rate=0.3) as box:
        data = yaml.safe_load(box.config.read_text(encoding="utf-8"))
        data["ledger"].update(
            timeout_seconds=0.3, max_attempts=2, backoff_base_seconds=0.01, backoff_max_seconds=0.05
        )
        data["max_attempts"] = 50
        data["erp_backoff_seconds"] = 0  # a flaky ERP, not an outage: retry on the next run
        box.config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        robot, _ = build_robot(box.config)
        statuses = []
        for _ in range(25):
            summary = robot.run(RunOptions())
            statuses.append(summary.status)
            if summary.status == "ok":
                break
        erp, credit_memos = box.erp_invoices(), box.erp_credit_memos()
        robot.close()
    assert statuses[-1] == "ok", statuses
    assert all(s == "partial" for s in statuses[:-1])
    _exactly_once(erp, credit_memos)


def test_every_invoice_response_of_the_demo_passes_the_official_rules(tmp_path: Path) -> None:
    from tests.support.oracle import oracle_fired

    with sandbox(SAMPLES, tmp_path / "box") as box:
        robot, _ = build_robot(box.config)
        robot.run(RunOptions())
        responses = [
            (r.source_ref, r.format, r.invoice_response)
            for r in robot.store.invoices_of_run(1)
            if r.invoice_response
        ]
        robot.close()
    assert responses
    for ref, fmt, xml in responses:
        assert xml is not None
        rules = "oioubl3-ir" if fmt == "oioubl-3" else "t111"
        fired = oracle_fired(xml, rules=rules, severity="error")
        assert fired == set(), f"{ref}: {sorted(fired)}"
    assert load_config(box.config).cfg.ledger.kind == "business-central"
