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

from collections.abc import Iterable
from typing import Any

from robot.bank.model import BankFile, Entry, Exchange, PaymentStatus, Transaction
from robot.serialize import jsonable

JSON = dict[str, Any]

#: The keys of each object, in output order, that are the model's own field of that name; each
#: value made JSON-ready by :func:`robot.serialize.jsonable` (Decimals as strings, dates ISO).
EXCHANGE_KEYS = (
    "source_currency",
    "target_currency",
    "unit_currency",
    "rate",
    "instructed_amount",
    "instructed_currency",
)
ENTRY_KEYS = ("direction", "amount", "currency", "booking_date", "value_date", "bank_reference")
ENTRY_TRAILING_KEYS = ("reversal", "status")
STATUS_KEYS = ("original_end_to_end_id", "status", "reason", "level", "additional_info")


def _fields(obj: object, keys: Iterable[str]) -> JSON:
    return {key: jsonable(getattr(obj, key)) for key in keys}


def _exchange(x: Exchange | None) -> JSON | None:
    return None if x is None else _fields(x, EXCHANGE_KEYS)


def transaction_to_json(t: Transaction) -> JSON:
    return {
        **_fields(t, ("amount", "end_to_end_id")),
        "creditor_reference": None if t.creditor_reference is None else t.creditor_reference.reference,
        **_fields(t, ("referred_document_number", "remittance_text", "counterparty_name")),
        "counterparty_account": None if t.counterparty_account is None else t.counterparty_account.identifier,
        "currency": t.currency,
        "exchange": _exchange(t.exchange),
    }


def entry_to_json(e: Entry) -> JSON:
    return {
        **_fields(e, ENTRY_KEYS),
        "transactions": [transaction_to_json(t) for t in e.transactions],
        **_fields(e, ENTRY_TRAILING_KEYS),
    }


def status_to_json(s: PaymentStatus) -> JSON:
    return _fields(s, STATUS_KEYS)


def to_json(bank_file: BankFile) -> JSON:
    data: JSON = {"file": bank_file.file, "message": bank_file.message}
    if bank_file.kind == "pain002":
        data["statuses"] = [status_to_json(s) for s in bank_file.statuses]
    else:
        data["entries"] = [entry_to_json(e) for e in bank_file.entries]
    return data
