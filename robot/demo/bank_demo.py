"""``fakturarobot demo``'s bank step: after the run, the bank's files for it are imported.

    bank = import_demo_bank(samples, Path("var/demo"), url)   # None: no bank: connector configured
    print_bank(console, bank)                                # paid, partly paid, bounced, unmatched

The sample generator writes ``samples/bank/`` (:mod:`robot.demo.samplegen.bank`): a camt.054 debit
notification paying the demo's posted invoices and a pain.002 rejecting one payment. They are
copied into the demo's bank folder (the configuration's ``bank:`` connector, beside the inbox) and
imported through the same :class:`~robot.bank.importer.PaymentImporter` as ``fakturarobot bank
import``: each payment matched and recorded in the invoices' journeys, the rejected one reopening
its invoice with an alert to ``alerts.to`` queued in the notice outbox.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console

from robot.cli.safe_text import safe

ZERO, CENT = Decimal(0), Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """``amount`` with two decimals when that loses nothing (the store keeps four)."""
    return amount.quantize(CENT) if amount == amount.quantize(CENT) else amount


@dataclass(frozen=True, slots=True)
class InvoicePaid:
    """A posted invoice and what the bank paid of it."""

    invoice_id: int
    number: str | None
    supplier: str | None
    paid: Decimal
    payable: Decimal | None
    currency: str | None
    booked: date | None = None
    reason: str | None = None  # payment failed: the bank's reason (AC04, ...)


@dataclass(frozen=True, slots=True)
class Unmatched:
    amount: Decimal | None
    currency: str | None
    counterparty: str | None
    status: str
    reason: str | None


@dataclass(slots=True)
class BankDemo:
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    paid: list[InvoicePaid] = field(default_factory=list)
    partly_paid: list[InvoicePaid] = field(default_factory=list)
    payment_failed: list[InvoicePaid] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    alerts: int = 0

    def to_json(self) -> dict[str, Any]:
        def plain(value: object) -> object:
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            if isinstance(value, Decimal):
                return str(cents(value))
            return value.isoformat() if isinstance(value, date) else value

        data = plain(asdict(self))
        assert isinstance(data, dict)
        return data


def import_demo_bank(samples: Path, var: Path, url: str) -> BankDemo | None:
    """Copy ``samples/bank/*.xml`` into ``var/bank`` (once: an existing folder is kept, as the
    inbox is) and import the configured bank connector's files into the store at ``url``."""
    from robot.bank.importer import PaymentImporter
    from robot.bank.source import build_bank
    from robot.configuration.settings import load_config
    from robot.store.repo import Store

    loaded = load_config(samples / "fakturarobot.yaml")
    spec = loaded.cfg.bank
    if spec is None or not (samples / "bank").is_dir():
        return None
    folder = var / "bank"
    if not folder.exists():
        folder.mkdir(parents=True)
        for item in sorted((samples / "bank").glob("*.xml")):
            shutil.copy2(item, folder / item.name)
    source = build_bank(spec.kind, spec.settings(), loaded.base_dir)
    store = Store.open(url, existing=True)
    try:
        importer = PaymentImporter(store, alert_to=tuple(loaded.cfg.alerts.to))
        outcomes = importer.import_source(source)
        demo = outcome_of(store)
    finally:
        store.close()
    demo.files = [o.file for o in outcomes]
    demo.errors = [f"{o.file}: {o.error}" for o in outcomes if o.error]
    demo.alerts = sum(o.alerts for o in outcomes)
    return demo


def outcome_of(store: Any) -> BankDemo:
    """The store's posted invoices by what the bank did with them, and the payments matched to none."""
    from robot.store.payments import AMBIGUOUS, MATCHED, REJECTED, UNMATCHED, Payments

    book = Payments(store.sessions)
    booked: dict[int, date | None] = {}
    failed: dict[int, str | None] = {}
    demo = BankDemo()
    for row in reversed(book.listed((MATCHED, REJECTED, UNMATCHED, AMBIGUOUS), limit=10_000)):
        if row.status in (UNMATCHED, AMBIGUOUS):
            demo.unmatched.append(
                Unmatched(row.amount, row.currency, row.counterparty_name, row.status, row.reason)
            )
            continue
        for invoice_id, _ in book.matches_of(row.id):
            if row.status == MATCHED:
                booked[invoice_id] = row.booking_date
            else:
                failed[invoice_id] = row.reason
    for inv in book.open_invoices():
        line = InvoicePaid(
            inv.id, inv.invoice_number, inv.supplier_name, inv.paid, inv.payable, inv.currency,
            booked.get(inv.id), failed.get(inv.id),
        )  # fmt: skip
        if inv.paid > ZERO and inv.payable is not None and inv.paid < inv.payable:
            demo.partly_paid.append(line)
        elif inv.paid > ZERO:
            demo.paid.append(line)
        elif inv.id in failed:
            demo.payment_failed.append(line)
    return demo


def _money(amount: Decimal | None, currency: str | None) -> str:
    return f"{'-' if amount is None else cents(amount)} {currency or ''}".strip()


def print_bank(console: Console, bank: BankDemo) -> None:
    """The bank step in a few lines (supplier text made safe for the terminal)."""
    console.print(
        f"\n[bold]Bank[/bold]: {len(bank.files)} files imported; {len(bank.paid)} invoices paid, "
        f"{len(bank.partly_paid)} partly paid, {len(bank.payment_failed)} payment failed, "
        f"{len(bank.unmatched)} payment(s) matched to no invoice"
    )
    for error in bank.errors:
        console.print(f"  [red]not imported[/red] {safe(error)}")
    for label, lines in (("paid", bank.paid), ("partly paid", bank.partly_paid)):
        for p in lines:
            of = "" if label == "paid" else f" of {_money(p.payable, p.currency)}"
            console.print(
                f"  [green]{label:<14}[/green] {safe(p.number or '-'):<16} "
                f"{_money(p.paid, p.currency):>14}{of}  booked {p.booked or '-'}  {safe(p.supplier or '')}"
            )
    for p in bank.payment_failed:
        console.print(
            f"  [red]{'payment failed':<14}[/red] {safe(p.number or '-'):<16} "
            f"{_money(p.payable, p.currency):>14}  the bank: {safe(p.reason or '-')}  "
            f"{safe(p.supplier or '')}"
        )
    for u in bank.unmatched:
        console.print(
            f"  [yellow]{u.status:<14}[/yellow] {'':<16} {_money(u.amount, u.currency):>14}  "
            f"to {safe(u.counterparty or '-')}: {safe(u.reason or '-')}"
        )
    if bank.alerts:
        console.print(f"  {bank.alerts} payment alert(s) queued for alerts.to (sent by the next run)")
