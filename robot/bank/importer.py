"""Bank files in, payments matched: stored first, read, matched to the posted invoices, recorded.

    importer = PaymentImporter(store, alert_to=("kreditor@example.dk",))
    outcomes = importer.import_files([Path("camt054.xml")])        # or importer.import_source(bank)

Each file on its own (one that cannot be read or fails to match never stops the others): stored
(:func:`robot.bank.source.take_in`), read, then every booked debit (a payment to a supplier), every
returned transfer (a reversal, or a credit carrying a return reason) and every ``pain.002``
rejection is matched (:mod:`robot.bank.matching`) and recorded (:class:`robot.store.payments.Payments`).
What is recorded already is skipped, so a file imported again changes nothing, and a file whose
import stopped halfway is completed. A returned or rejected payment reopens its invoices (event
``payment-failed``) and queues an alert to the creditor team in the notice outbox, sent by the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger
from sqlalchemy import select

from connectors.base import IntakeFailure, OutgoingNotice
from robot.bank.alert import payment_failed_alert
from robot.bank.matching import (
    Candidate,
    Result,
    account_forms,
    invoice_accounts,
    invoice_references,
    match_status,
    match_transaction,
)
from robot.bank.model import BankFile, Entry, Transaction
from robot.bank.responses import payment_responses
from robot.bank.source import BankSource, TakenIn, import_from, take_in
from robot.readers.sandbox import read_bounded
from robot.store.bank import BankFiles
from robot.store.outbox import Outbox
from robot.store.payments import REPEAT, NewPayment, OpenInvoice, Payments
from robot.store.repo import Store
from robot.store.schema import Document

if TYPE_CHECKING:
    from robot.configuration.settings import ResponderSettings
    from robot.pdftext import TemplateSet


@dataclass(slots=True)
class FileOutcome:
    """What importing one bank file did."""

    file: str
    new: bool = False
    error: str | None = None
    recorded: int = 0
    matched: int = 0
    unmatched: int = 0
    ambiguous: int = 0
    rejected: int = 0
    repeat: int = 0  # payments another file recorded already
    alerts: int = 0


class PaymentImporter:
    def __init__(
        self,
        store: Store,
        *,
        alert_to: tuple[str, ...] = (),
        supplier_accounts: Mapping[str, Iterable[str | None]] | None = None,
        pdf_templates: TemplateSet | None = None,
        responder: ResponderSettings | None = None,
        known_eans: Collection[str] | None = None,
    ) -> None:
        """``supplier_accounts``: the vendor master's accounts per supplier key (CVR), as written;
        a supplier's payments may go to them as well as to the accounts on its invoice.
        ``responder``: with ``payment_responses`` on, a matched payment gets a Peppol Invoice
        Response PD per invoice it paid (robot.bank.responses; ``known_eans`` the customers' EANs,
        who answer for themselves as for a return)."""
        self.store = store
        self.responder = responder
        self.known_eans = known_eans
        self.pdf_templates = pdf_templates  # to read a printed PDF invoice's account again
        self.supplier_accounts = {
            key: frozenset().union(*(account_forms(a) for a in accounts))
            for key, accounts in (supplier_accounts or {}).items()
        }
        self.files = BankFiles(store.sessions)
        self.payments = Payments(store.sessions)
        self.alert_to = alert_to
        self._candidates: dict[int, Candidate] | None = None

    def import_files(self, paths: Iterable[Path]) -> list[FileOutcome]:
        out: list[FileOutcome] = []
        for path in paths:
            try:
                content = path.read_bytes()
            except OSError as exc:
                out.append(FileOutcome(str(path), error=f"cannot read the file: {exc.strerror or exc}"))
                continue
            out.append(self._each(str(path), partial(take_in, self.files, path.name, content)))
        return out

    def import_source(self, source: BankSource) -> list[FileOutcome]:
        out: list[FileOutcome] = []
        taken: Iterator[TakenIn | IntakeFailure] = import_from(source, self.files)
        for item in taken:
            if isinstance(item, IntakeFailure):
                out.append(FileOutcome(item.source_ref, error=item.reason))
            else:
                out.append(self._each(item.stored.filename, _given(item)))
        return out

    def _each(self, name: str, take: Callable[[], TakenIn]) -> FileOutcome:
        try:
            return self.process(take())
        except Exception as exc:  # one bad file never stops the others
            logger.exception("bank file {} not imported", name)
            return FileOutcome(name, error=f"{type(exc).__name__}: {exc}")

    def process(self, taken: TakenIn) -> FileOutcome:
        """Match and record the payments of one stored file (those not recorded yet)."""
        outcome = FileOutcome(taken.stored.filename, new=taken.new)
        if taken.bank_file is None:
            outcome.error = str(taken.error) if taken.error else "not read"
            return outcome
        done = self.payments.recorded(taken.stored.id)
        for key, entry, tx, result in self._results(taken.bank_file, done):
            self._record(taken, key, entry, tx, result, outcome)
        return outcome

    def _results(
        self, bank_file: BankFile, done: set[tuple[int, int]]
    ) -> Iterator[tuple[tuple[int, int], Entry | None, Transaction | None, Result]]:
        for ei, entry in enumerate(bank_file.entries):
            if entry.status not in (None, "BOOK"):
                continue  # pending or for information: not booked yet
            txs = entry.transactions or (
                Transaction(entry.amount, entry.currency, bank_reference=entry.bank_reference),
            )
            returned = entry.reversal or any(t.return_reason for t in txs)
            if (entry.direction == "credit") != returned:
                continue  # money in, or a debit undoing money in: not a payment of an invoice
            for ti, tx in enumerate(txs):
                if (ei, ti) not in done:
                    yield (ei, ti), entry, tx, match_transaction(tx, self.open(), returned=returned)
        for si, status in enumerate(bank_file.statuses):
            if (si, -1) not in done and (result := match_status(status, self.open())) is not None:
                reason = status.reason or status.additional_info
                tx = Transaction(
                    status.amount, status.currency, status.original_end_to_end_id, additional_info=reason
                )
                yield (si, -1), None, tx, result

    def _record(
        self,
        taken: TakenIn,
        key: tuple[int, int],
        entry: Entry | None,
        tx: Transaction | None,
        result: Result,
        outcome: FileOutcome,
    ) -> None:
        assert tx is not None
        bank_file = taken.bank_file
        assert bank_file is not None
        failed = result.status == "rejected" or (entry is None or entry.reversal or bool(tx.return_reason))
        reason = result.reason
        bank_status = None
        if failed:
            bank_status = "RJCT" if entry is None else "returned"
            reason = (tx.additional_info if entry is None else tx.return_reason) or result.reason
        booking = entry.booking_date if entry is not None else (
            bank_file.created_at.date() if bank_file.created_at else None
        )  # fmt: skip
        candidates = self.candidates()
        payment = NewPayment(
            bank_file_id=taken.stored.id,
            entry_index=key[0],
            transaction_index=key[1],
            direction="status" if entry is None else entry.direction,
            status=result.status,
            amount=tx.amount,
            currency=tx.currency,
            booking_date=booking,
            value_date=None if entry is None else entry.value_date,
            bank_reference=tx.bank_reference or (None if entry is None else entry.bank_reference),
            end_to_end_id=tx.end_to_end_id,
            creditor_reference=tx.creditor_reference.reference if tx.creditor_reference else None,
            referred_document_number=tx.referred_document_number,
            remittance_text=tx.remittance_text,
            counterparty_name=tx.counterparty_name,
            counterparty_account=tx.counterparty_account.identifier if tx.counterparty_account else None,
            evidence=result.evidence,
            reason=reason,
            bank_status=bank_status,
            matches=tuple((a.invoice_id, a.amount) for a in result.allocations),
            candidates=tuple(_described(candidates[c.invoice_id], c.why) for c in result.candidates),
        )
        first = self.payments.recorded_elsewhere(payment)
        if first is not None:  # the same payment in another file: recorded, nothing done again
            payment = replace(payment, status=REPEAT, matches=(), candidates=(), reason=f"payment {first}")
            result = replace(result, allocations=())
            failed = False
        alert = self._alert(taken, key, payment) if failed else None
        payment_id = self.payments.record(payment, alert=alert)
        if payment_id is None:
            return  # another import recorded it meanwhile
        if payment.status == "matched" and self.responder is not None:
            payment_responses(self.store, payment_id, self.responder, known_eans=self.known_eans)
        outcome.recorded += 1
        setattr(outcome, payment.status, getattr(outcome, payment.status) + 1)
        outcome.alerts += alert is not None
        for a in result.allocations:
            c = candidates[a.invoice_id]
            if result.status == "matched":
                e2e = c.end_to_end_ids | ({tx.end_to_end_id} if tx.end_to_end_id else set())
                candidates[a.invoice_id] = replace(c, paid=c.paid + (a.amount or 0), end_to_end_ids=e2e)
            else:
                paid = Decimal(0) if a.amount is None else max(Decimal(0), c.paid - a.amount)
                candidates[a.invoice_id] = replace(c, paid=paid)

    def _alert(self, taken: TakenIn, key: tuple[int, int], p: NewPayment) -> OutgoingNotice | None:
        if not self.alert_to:
            logger.warning(
                "a payment in {} was returned or rejected, but alerts.to is empty", taken.stored.filename
            )
            return None
        store_id = Outbox(self.store.sessions).store_id()
        notice_key = f"{store_id}:payment-failed:{taken.stored.sha256[:16]}:{key[0]}:{key[1]}"
        return payment_failed_alert(notice_key, self.alert_to, taken.stored.filename, p)

    def open(self) -> list[Candidate]:
        return list(self.candidates().values())

    def candidates(self) -> dict[int, Candidate]:
        """The posted invoices, read once per importer (their accounts and references from the
        stored documents), kept up to date as payments are recorded."""
        if self._candidates is None:
            self._candidates = {inv.id: self._candidate(inv) for inv in self.payments.open_invoices()}
        return self._candidates

    def _candidate(self, inv: OpenInvoice) -> Candidate:
        accounts: frozenset[str] = frozenset()
        references: frozenset[str] = frozenset()
        with self.store.sessions() as s:
            content = s.scalar(select(Document.content).where(Document.id == inv.document_id))
        try:
            # read as a run reads it: a printed PDF (perhaps OCR'd) in the bounded reader child
            means = read_bounded(bytes(content or b""), f"invoice {inv.id}", self.pdf_templates).payment_means
            accounts, references = invoice_accounts(means), invoice_references(means)
        except Exception as exc:  # a document the readers cannot read again: matched by number only
            logger.warning("invoice {}: payment details not read: {}", inv.id, exc)
        accounts |= self.supplier_accounts.get(inv.supplier_key or "", frozenset())
        return Candidate(
            inv.id,
            inv.invoice_number,
            inv.payable,
            inv.currency,
            inv.supplier_key,
            inv.supplier_name,
            accounts,
            references,
            inv.erp_document_no,
            inv.end_to_end_ids,
            inv.paid,
        )


def _given(taken: TakenIn) -> Callable[[], TakenIn]:
    return lambda: taken


def _described(c: Candidate, why: str) -> dict[str, object]:
    """A candidate as the creditor team is shown it (a snapshot at matching time)."""
    return {
        "invoice_id": c.invoice_id,
        "why": why,
        "invoice_number": c.invoice_number,
        "supplier_name": c.supplier_name,
        "payable": None if c.payable is None else str(c.payable),
        "remaining": None if c.remaining is None else str(c.remaining),
        "currency": c.currency,
    }
