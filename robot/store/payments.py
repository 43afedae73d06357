"""Payments in the store: what each bank file's payments matched, recorded once.

    payments = Payments(store.sessions)
    payments.recorded(bank_file_id)            # {(entry, transaction), ...} already recorded
    payments.record(new_payment, alert=notice)   # the row, its matches and the journey, at once
    payments.open_invoices()                   # posted invoices with what is paid of them

A payment is recorded with its matches, the ``paid`` / ``payment-failed`` events in each invoice's
journey and (for a rejection) the alert in the notice outbox in one transaction: either all of it
is there or none. The row is unique per bank file, entry and transaction, so a file imported twice
(or by two processes at once) records each payment once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import OutgoingNotice
from robot.store.schema import (
    Event,
    InvoiceRow,
    InvoiceState,
    NoticeRow,
    PaymentMatchRow,
    PaymentRow,
    utcnow,
)

MATCHED, UNMATCHED, AMBIGUOUS, REJECTED = "matched", "unmatched", "ambiguous", "rejected"
REPEAT = "repeat"  # recorded from another file already (a statement repeating a notification)
OPEN = (UNMATCHED, AMBIGUOUS)  # what the creditor team looks at
ALERT_KIND = "payment-alert"
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class NewPayment:
    """One payment as read, and what matching made of it (``matches``: invoice id, amount)."""

    bank_file_id: int
    entry_index: int
    transaction_index: int
    direction: str
    status: str
    amount: Decimal | None = None
    currency: str | None = None
    booking_date: date | None = None
    value_date: date | None = None
    bank_reference: str | None = None
    end_to_end_id: str | None = None
    creditor_reference: str | None = None
    referred_document_number: str | None = None
    remittance_text: str | None = None
    counterparty_name: str | None = None
    counterparty_account: str | None = None
    evidence: str | None = None
    reason: str | None = None
    bank_status: str | None = None  # a rejection: RJCT, or "returned"
    matches: tuple[tuple[int, Decimal | None], ...] = ()
    candidates: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """A posted invoice a payment may pay, with what is paid of it so far."""

    id: int
    document_id: int
    invoice_number: str | None
    payable: Decimal | None
    currency: str | None
    supplier_key: str | None
    supplier_name: str | None
    erp_document_no: str | None
    paid: Decimal = ZERO
    end_to_end_ids: frozenset[str] = field(default_factory=frozenset)


def _cut(text: str | None, size: int) -> str | None:
    return None if text is None else text[:size]


class Payments:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def recorded(self, bank_file_id: int) -> set[tuple[int, int]]:
        with self.sessions() as s:
            rows = s.execute(
                select(PaymentRow.entry_index, PaymentRow.transaction_index).where(
                    PaymentRow.bank_file_id == bank_file_id
                )
            )
            return {(int(e), int(t)) for e, t in rows}

    def recorded_elsewhere(self, p: NewPayment) -> int | None:
        """The payment another bank file recorded as ``p`` (the same bank reference, transaction,
        end-to-end id, amount, direction and booking date): a camt.053 statement repeats the
        entries of the day's camt.054 notifications. None without a bank reference (nothing to go by)."""
        if p.bank_reference is None or p.direction == "status":
            return None
        with self.sessions() as s:
            return s.scalar(
                select(PaymentRow.id)
                .where(
                    PaymentRow.bank_reference == p.bank_reference[:128],
                    PaymentRow.bank_file_id != p.bank_file_id,
                    PaymentRow.transaction_index == p.transaction_index,
                    PaymentRow.direction == p.direction,
                    PaymentRow.amount == p.amount,
                    PaymentRow.booking_date == p.booking_date,
                    PaymentRow.status != REPEAT,
                    (PaymentRow.end_to_end_id.is_(None) if p.end_to_end_id is None
                     else PaymentRow.end_to_end_id == p.end_to_end_id[:128]),
                )
                .order_by(PaymentRow.id)
                .limit(1)
            )  # fmt: skip

    def record(self, p: NewPayment, *, alert: OutgoingNotice | None = None) -> int | None:
        """Record ``p`` with its matches, journey events and alert; None if it was recorded before."""
        try:
            with self.sessions.begin() as s:
                return self._record(s, p, alert)
        except IntegrityError:  # recorded by another import of the same file meanwhile
            return None

    def _record(self, s: Session, p: NewPayment, alert: OutgoingNotice | None) -> int:
        row = PaymentRow(
            bank_file_id=p.bank_file_id,
            entry_index=p.entry_index,
            transaction_index=p.transaction_index,
            direction=p.direction,
            status=p.status,
            amount=p.amount,
            currency=_cut(p.currency, 3),
            booking_date=p.booking_date,
            value_date=p.value_date,
            bank_reference=_cut(p.bank_reference, 128),
            end_to_end_id=_cut(p.end_to_end_id, 128),
            creditor_reference=_cut(p.creditor_reference, 128),
            referred_document_number=_cut(p.referred_document_number, 128),
            remittance_text=p.remittance_text,
            counterparty_name=_cut(p.counterparty_name, 256),
            counterparty_account=_cut(p.counterparty_account, 64),
            evidence=p.evidence,
            reason=p.reason,
            candidates={"invoices": list(p.candidates)},
        )
        s.add(row)
        s.flush()
        now = utcnow()
        paid_before = self._paid(s, [i for i, _ in p.matches]) if p.status == MATCHED else {}
        for invoice_id, amount in p.matches:
            s.add(PaymentMatchRow(payment_id=row.id, invoice_id=invoice_id, amount=amount))
            if p.status == MATCHED:
                payable = s.scalar(select(InvoiceRow.payable).where(InvoiceRow.id == invoice_id))
                paid = paid_before.get(invoice_id, ZERO) + (amount or ZERO)
                remaining = None if payable is None else payable - paid
                detail: dict[str, Any] = {
                    "booking_date": None if p.booking_date is None else p.booking_date.isoformat(),
                    "amount": None if amount is None else str(amount),
                    "currency": p.currency,
                    "bank_reference": p.bank_reference,
                    "payment_id": row.id,
                    "remaining": None if remaining is None else str(remaining),
                    "partly": remaining is not None and remaining > 0,
                }
                kind = "paid"
            else:
                detail = {
                    "status": p.bank_status,
                    "reason": p.reason,
                    "bank_reference": p.bank_reference,
                    "payment_id": row.id,
                }
                kind = "payment-failed"
            s.add(Event(invoice_id=invoice_id, kind=kind, detail=detail, at=now))
        if alert is not None:
            s.add(
                NoticeRow(
                    notice_key=alert.notice_key,
                    kind=ALERT_KIND,
                    recipients=",".join(alert.to),
                    subject=alert.subject,
                    body_text=alert.text,
                    invoice_ids={"ids": [i for i, _ in p.matches]},
                )
            )
        return row.id

    @staticmethod
    def _paid(s: Session, invoice_ids: list[int]) -> dict[int, Decimal]:
        """What is paid of each invoice: its matched payments, less the rejected ones (oldest first;
        a rejection naming no amount undoes everything paid before it)."""
        paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
        if not invoice_ids:
            return paid
        rows = s.execute(
            select(PaymentMatchRow.invoice_id, PaymentMatchRow.amount, PaymentRow.status)
            .join(PaymentRow, PaymentRow.id == PaymentMatchRow.payment_id)
            .where(PaymentMatchRow.invoice_id.in_(invoice_ids))
            .order_by(PaymentMatchRow.payment_id)
        )
        for invoice_id, amount, status in rows:
            if status == MATCHED:
                paid[invoice_id] += amount or ZERO
            elif status == REJECTED:
                paid[invoice_id] = ZERO if amount is None else max(ZERO, paid[invoice_id] - amount)
        return paid

    def open_invoices(self) -> list[OpenInvoice]:
        """The posted invoices (not credit notes), with what is paid and the end-to-end ids known
        for each: those of the payments matched to it (no ledger gives one back at posting yet)."""
        with self.sessions() as s:
            rows = s.execute(
                select(
                    InvoiceRow.id,
                    InvoiceRow.document_id,
                    InvoiceRow.invoice_number,
                    InvoiceRow.payable,
                    InvoiceRow.currency,
                    InvoiceRow.supplier_key,
                    InvoiceRow.supplier_name,
                    InvoiceRow.erp_document_no,
                )
                .where(InvoiceRow.state == InvoiceState.POSTED, InvoiceRow.document_type != "credit_note")
                .order_by(InvoiceRow.id)
            ).all()
            ids = [r[0] for r in rows]
            paid = self._paid(s, ids)
            e2e: dict[int, set[str]] = defaultdict(set)
            for invoice_id, e2e_id in s.execute(
                select(PaymentMatchRow.invoice_id, PaymentRow.end_to_end_id)
                .join(PaymentRow, PaymentRow.id == PaymentMatchRow.payment_id)
                .where(PaymentRow.status == MATCHED, PaymentRow.end_to_end_id.is_not(None))
            ):
                e2e[invoice_id].add(str(e2e_id))
        return [
            OpenInvoice(*r, paid=paid.get(r[0], ZERO), end_to_end_ids=frozenset(e2e.get(r[0], ())))
            for r in rows
        ]

    def listed(self, statuses: tuple[str, ...] = OPEN, *, limit: int = 100) -> list[PaymentRow]:
        """The newest payments of ``statuses`` (default: unmatched and ambiguous), newest first."""
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(PaymentRow)
                    .where(PaymentRow.status.in_(statuses))
                    .order_by(PaymentRow.id.desc())
                    .limit(limit)
                )
            )

    def matches_of(self, payment_id: int) -> list[tuple[int, Decimal | None]]:
        with self.sessions() as s:
            rows = s.execute(
                select(PaymentMatchRow.invoice_id, PaymentMatchRow.amount)
                .where(PaymentMatchRow.payment_id == payment_id)
                .order_by(PaymentMatchRow.invoice_id)
            )
            return [(int(i), a) for i, a in rows]
