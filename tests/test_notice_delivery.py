"""Notices are sent per customer, each on its own, through a real SMTP server on 127.0.0.1.

A customer's address refused for good (550) holds that customer's notice for the creditor team and
the others are still sent in the same run; one refused for now (451) is retried by the next run;
a mail server that is down leaves every notice for the next run with the reason. Two stores
writing to one outbox folder both get their digests written.
"""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from connectors.base import OutgoingNotice
from connectors.eml import EmlNotifier, NotifierDown
from connectors.smtp import SmtpNotifier
from connectors.testing.fakes import MemoryLedger
from robot.cli.app import _register, app
from robot.pdftext import TemplateSet
from robot.processing.context import MasterData
from robot.running.run import Robot, RunOptions
from robot.store.repo import Store
from robot.store.schema import NoticeRow
from tests.conftest import SAMPLES, sample_source
from tests.support.servers import Mailbox, free_port, smtp_server

MANIFEST = yaml.safe_load((SAMPLES / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
CUSTOMERS = ("SFE", "ITD", "EKU", "MFP")  # the samples' customers with returned invoices, in notice order


def _address(customer: str) -> str:
    return f"kreditor@{customer.lower()}.example.dk"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    with smtp_server(handler) as port:
        yield handler, port


def _robot(url: str, notifier: Any) -> Robot:
    master = MasterData.load(SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "orders.yaml")
    return Robot(
        Store.open(url),
        master,
        source=sample_source(),
        ledger=MemoryLedger(),
        notifier=notifier,
        pdf_templates=TemplateSet.load([SAMPLES / "pdf-templates"]),
    )


def _notices(store: Store) -> dict[str, NoticeRow]:
    with store.sessions() as s:
        return {row.customer_id or "": row for row in s.scalars(select(NoticeRow).order_by(NoticeRow.id))}


def test_a_refused_address_holds_that_notice_and_the_others_are_sent(
    mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    handler, port = mailbox
    handler.rcpt_reply = {
        _address("SFE"): "550 5.1.1 <kreditor@sfe.example.dk>: no such user",
        _address("ITD"): "451 4.3.0 mailbox busy, try again later",
    }
    url = f"sqlite:///{tmp_path}/store.db"
    robot = _robot(url, SmtpNotifier("127.0.0.1", port, from_address="robot@sa.example.dk", timeout=5))
    try:
        first = robot.run(RunOptions())
        notices = _notices(robot.store)
        assert list(notices) == list(CUSTOMERS)  # SFE's notice is the first one tried
        # the other customers got their digests in the same run, although SFE's came first
        assert handler.received_by() == {_address("EKU"): 1, _address("MFP"): 1}
        assert notices["EKU"].state == notices["MFP"].state == "sent"
        # 550: held for the creditor team with the server's reason, visible in the run's problems
        sfe = notices["SFE"]
        assert sfe.state == "refused" and sfe.attempts == 1
        assert sfe.last_error is not None and "550" in sfe.last_error and "no such user" in sfe.last_error
        assert first.status == "partial"
        assert any("SFE" in p and "refused" in p and "550" in p for p in first.problems)
        # 451: waits for the next run, with its attempt and the error
        itd = notices["ITD"]
        assert itd.state == "pending" and itd.attempts == 1
        assert itd.last_error is not None and "451" in itd.last_error
        assert first.counts["notices_pending"] == 1

        handler.rcpt_reply = {_address("SFE"): "550 5.1.1 no such user"}
        asked_before = handler.asked.count(_address("SFE"))
        second = robot.run(RunOptions())
        third = robot.run(RunOptions())
        notices = _notices(robot.store)
    finally:
        robot.close()
    assert notices["ITD"].state == "sent" and notices["ITD"].attempts == 2
    assert handler.received_by() == {_address("EKU"): 1, _address("MFP"): 1, _address("ITD"): 1}
    # the refused notice is not retried: no run asks the server for that address again
    assert handler.asked.count(_address("SFE")) == asked_before == 1
    assert notices["SFE"].state == "refused" and notices["SFE"].attempts == 1
    assert second.status == "ok" and third.status == "ok" and second.counts["notices_pending"] == 0

    # the creditor team sees it: `held` lists the refused notice with the reason
    _register()
    out = CliRunner().invoke(app, ["held", "--database", url], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    assert "Refused notices: 1" in out.output and "kreditor@sfe.example.dk" in out.output
    assert "550" in out.output
    # and the invoices' journey says their notice was refused
    invoice_id = notices["SFE"].invoice_ids["ids"][0]
    shown = CliRunner().invoke(app, ["show", str(invoice_id), "--database", url, "--json"])
    events = [e["kind"] for e in json.loads(shown.output.splitlines()[0])["events"]]
    assert "notice-refused" in events and "notice-sent" not in events


def test_mail_server_down_leaves_every_notice_for_the_next_run_with_the_reason(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet
    robot = _robot(
        f"sqlite:///{tmp_path}/store.db",
        SmtpNotifier("127.0.0.1", port, from_address="robot@sa.example.dk", timeout=2),
    )
    handler = Mailbox()
    try:
        first = robot.run(RunOptions())
        notices = _notices(robot.store)
        assert first.status == "partial" and first.counts["notices_pending"] == len(CUSTOMERS)
        assert all(n.state == "pending" for n in notices.values())
        # the first one was tried and failed; the server being down, the rest were not tried,
        # and each says why
        assert [n.attempts for n in notices.values()] == [1, 0, 0, 0]
        assert all(n.last_error and "unavailable" in n.last_error for n in notices.values())
        assert all("not tried" in (n.last_error or "") for n in list(notices.values())[1:])

        with smtp_server(handler, port):
            second = robot.run(RunOptions())
        notices = _notices(robot.store)
    finally:
        robot.close()
    assert second.status == "ok" and second.counts["notices_pending"] == 0
    assert all(n.state == "sent" and n.last_error is None for n in notices.values())
    assert handler.received_by() == {_address(c): 1 for c in CUSTOMERS}


def test_two_stores_sharing_one_outbox_both_write_their_digests(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    written: dict[str, list[str]] = {}
    for name in ("a", "b"):
        robot = _robot(f"sqlite:///{tmp_path}/{name}.db", EmlNotifier(outbox, from_address="robot@sa.dk"))
        try:
            summary = robot.run(RunOptions())
            notices = _notices(robot.store)
        finally:
            robot.close()
        assert summary.status == "ok" and all(n.state == "sent" for n in notices.values())
        written[name] = [n.notice_key for n in notices.values()]
    # both stores numbered their run 1 and have the same customers: the keys still differ
    assert not set(written["a"]) & set(written["b"])
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2 * len(CUSTOMERS)
    keys = set()
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        keys.add(str(msg["X-Fakturarobot-Notice-Key"]))
    assert keys == set(written["a"]) | set(written["b"])  # every notice marked sent is in the folder


def _eml_notice(text: str, key: str = "run-7:SFE") -> OutgoingNotice:
    return OutgoingNotice(key, ("kreditor@sfe.example.dk",), "Returnerede fakturaer", text)


def test_eml_never_reports_a_notice_it_did_not_write(tmp_path: Path) -> None:
    notifier = EmlNotifier(tmp_path, from_address="robot@sa.dk")
    notifier.send(_eml_notice("Første robots digest"))
    first = (tmp_path / "run-7_SFE.eml").read_bytes()
    # the same notice again (a retry after a crash before it was marked sent): nothing new
    notifier.send(_eml_notice("Første robots digest"))
    assert [p.name for p in tmp_path.iterdir()] == ["run-7_SFE.eml"]
    assert (tmp_path / "run-7_SFE.eml").read_bytes() == first
    # another notice under the same key (another robot sharing the folder): written beside it
    notifier.send(_eml_notice("Anden robots digest"))
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2 and (tmp_path / "run-7_SFE.eml").read_bytes() == first
    texts = set()
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = msg.get_body(("plain",))
        assert body is not None
        texts.add(body.get_content().strip())
    assert texts == {"Første robots digest", "Anden robots digest"}
    notifier.send(_eml_notice("Anden robots digest"))  # and that one, again, is not duplicated
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_eml_outbox_not_writable_is_the_notifier_down(tmp_path: Path) -> None:
    (tmp_path / "outbox").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(NotifierDown, match="cannot write notice"):
        EmlNotifier(tmp_path / "outbox").send(_eml_notice("x"))
