"""The helpers the connectors share (connectors.base): what differs between a posting and the ERP's
document of its identity, and the probe's check of a folder to write in."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.base import check_writable, differences
from connectors.journal import JournalLedger
from connectors.testing.fakes import sample_posting
from robot.errors import ConnectorError


def test_differences_name_date_currency_and_amount_in_order() -> None:
    p = sample_posting()
    amounts = (p.net_amount, p.vat_amount)
    assert differences(p, invoice_date=p.invoice_date, currency=p.currency, amounts=amounts) == ()
    assert differences(p, invoice_date=None, currency="EUR", amounts=(p.net_amount + 1, p.vat_amount)) == (
        "date",
        "currency",
        "amount",
    )


def test_differences_leave_out_what_the_erp_does_not_say_and_allow_the_vat_tolerance() -> None:
    p = sample_posting()
    off_by_a_cent = (p.net_amount, p.vat_amount + Decimal("0.01"))
    assert differences(p, invoice_date=p.invoice_date, currency=None, amounts=None) == ()
    assert differences(p, invoice_date=p.invoice_date, currency="DKK", amounts=off_by_a_cent) == ("amount",)
    assert (
        differences(
            p,
            invoice_date=p.invoice_date,
            currency="DKK",
            amounts=off_by_a_cent,
            vat_tolerance=Decimal("0.01"),
        )
        == ()
    )


def test_a_folder_not_yet_made_is_checked_where_it_would_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def access(path: str | Path, mode: int) -> bool:
        asked.append(str(path))
        return False

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(ConnectorError, match=r"^journal folder .*/a/b is not writable$"):
        JournalLedger(tmp_path / "a" / "b" / "journal.jsonl").probe()
    assert asked == [str(tmp_path)]
    with pytest.raises(ConnectorError, match="outbox folder"):
        check_writable(tmp_path, "outbox folder")


def test_a_writable_journal_folder_probes_ok(tmp_path: Path) -> None:
    assert JournalLedger(tmp_path / "new" / "journal.jsonl").probe().endswith("writable (0 postings)")
    assert not (tmp_path / "new").exists()  # the probe writes nothing
