"""A bank file as JSON-ready data: the stable output of ``fakturarobot bank parse --json``.

One object per file, key ``file`` first, then ``message``; a camt file's ``entries``, a pain.002
file's ``statuses``. Amounts are decimal strings with the file's own digits, dates ISO, absent
values ``null``. The keys the issue names come first in each object, in its order; the ones after
them (``reversal``, ``status``; a transaction's ``currency`` and ``exchange``; a status's ``level``
and ``additional_info``) say what the others would hide (a reversed entry, a pending one, a
payment in another currency, a status of the whole file).

    >>> from robot.bank.model import BankFile, PaymentStatus
    >>> rejected = PaymentStatus("transaction", "RJCT", original_end_to_end_id="E2E-1", reason="AC04")
    >>> data = to_json(BankFile("sts.xml", "pain.002.001.03", "pain002", statuses=(rejected,)))
    >>> list(data), data["statuses"][0]["status"], data["statuses"][0]["reason"]
    (['file', 'message', 'statuses'], 'RJCT', 'AC04')
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from robot.bank.model import BankFile, Entry, Exchange, PaymentStatus, Transaction

JSON = dict[str, Any]


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _exchange(x: Exchange | None) -> JSON | None:
    if x is None:
        return None
    return {
        "source_currency": x.source_currency,
        "target_currency": x.target_currency,
        "unit_currency": x.unit_currency,
        "rate": _dec(x.rate),
        "instructed_amount": _dec(x.instructed_amount),
        "instructed_currency": x.instructed_currency,
    }


def transaction_to_json(t: Transaction) -> JSON:
    return {
        "amount": _dec(t.amount),
        "end_to_end_id": t.end_to_end_id,
        "creditor_reference": None if t.creditor_reference is None else t.creditor_reference.reference,
        "referred_document_number": t.referred_document_number,
        "remittance_text": t.remittance_text,
        "counterparty_name": t.counterparty_name,
        "counterparty_account": None if t.counterparty_account is None else t.counterparty_account.identifier,
        "currency": t.currency,
        "exchange": _exchange(t.exchange),
    }


def entry_to_json(e: Entry) -> JSON:
    return {
        "direction": e.direction,
        "amount": _dec(e.amount),
        "currency": e.currency,
        "booking_date": _day(e.booking_date),
        "value_date": _day(e.value_date),
        "bank_reference": e.bank_reference,
        "transactions": [transaction_to_json(t) for t in e.transactions],
        "reversal": e.reversal,
        "status": e.status,
    }


def status_to_json(s: PaymentStatus) -> JSON:
    return {
        "original_end_to_end_id": s.original_end_to_end_id,
        "status": s.status,
        "reason": s.reason,
        "level": s.level,
        "additional_info": s.additional_info,
    }


def to_json(bank_file: BankFile) -> JSON:
    data: JSON = {"file": bank_file.file, "message": bank_file.message}
    if bank_file.kind == "pain002":
        data["statuses"] = [status_to_json(s) for s in bank_file.statuses]
    else:
        data["entries"] = [entry_to_json(e) for e in bank_file.entries]
    return data
