"""camt.054 (debit/credit notification) and camt.053 (statement): the entries and their payments.

Both messages share the entry (``Ntry``) and its transaction details (``NtryDtls/TxDtls``); they
differ in the block around the entries (``Ntfctn`` or ``Stmt``, each naming our account). Version
differences read here: the entry status is a code (``<Sts>BOOK</Sts>``, .02) or a choice
(``<Sts><Cd>BOOK</Cd></Sts>``, .08); a transaction's amount is in ``AmtDtls`` only (.02) or also in
``TxDtls/Amt`` (.08); a party is named directly (``Cdtr/Nm``, .02) or through a choice
(``Cdtr/Pty/Nm``, .08). Optional blocks that are missing are ``None``.
"""

from __future__ import annotations

from decimal import Decimal

from robot.bank.model import Account, BankFile, Direction, Entry, Exchange, Kind, Transaction
from robot.bank.nodes import Doc, Element
from robot.bank.remittance import creditor_reference_of, remittances_of

_DIRECTIONS: dict[str, Direction] = {"DBIT": "debit", "CRDT": "credit"}
_BLOCK = {"camt054": "Ntfctn", "camt053": "Stmt"}
_NOT_PROVIDED = "NOTPROVIDED"


def read_camt(doc: Doc, body: Element, message: str, kind: Kind) -> BankFile:
    entries: list[Entry] = []
    for block in doc.children(body, _BLOCK[kind]):
        account = account_of(doc, block, "Acct")
        entries.extend(_entry(doc, ntry, account) for ntry in doc.children(block, "Ntry"))
    return BankFile(
        file=doc.file,
        message=message,
        kind=kind,
        message_id=doc.text(body, "GrpHdr/MsgId"),
        created_at=doc.moment(body, "GrpHdr/CreDtTm"),
        entries=tuple(entries),
    )


def account_of(doc: Doc, el: Element, path: str) -> Account | None:
    """The account at ``path`` (``Id/IBAN`` or ``Id/Othr/Id``), with ``Ccy`` when given."""
    holder = doc.child(el, path)
    if holder is None:
        return None
    currency = doc.currency(holder, "Ccy")
    iban = doc.text(holder, "Id/IBAN")
    if iban is not None:
        return Account("".join(iban.split()).upper(), "iban", currency=currency)
    other = doc.text(holder, "Id/Othr/Id")
    if other is not None:
        return Account(other, "other", doc.code(holder, "Id/Othr/SchmeNm"), currency)
    return None


def _direction(doc: Doc, el: Element) -> Direction:
    code = doc.required(el, "CdtDbtInd")
    if code not in _DIRECTIONS:
        node = doc.child(el, "CdtDbtInd")
        raise doc.error(
            node if node is not None else el, f"{code!r} is neither DBIT nor CRDT", "DBIT or CRDT"
        )
    return _DIRECTIONS[code]


def _flag(doc: Doc, el: Element, path: str) -> bool:
    value = doc.text(el, path)
    if value is None:
        return False
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    node = doc.child(el, path)
    raise doc.error(node if node is not None else el, f"{value!r} is not a boolean", "true or false")


def _entry(doc: Doc, ntry: Element, account: Account | None) -> Entry:
    amount, currency = doc.amount(ntry, "Amt")
    direction = _direction(doc, ntry)
    reversal = _flag(doc, ntry, "RvslInd")
    details = [tx for block in doc.children(ntry, "NtryDtls") for tx in doc.children(block, "TxDtls")]
    batches = [doc.text(block, "Btch/NbOfTxs") for block in doc.children(ntry, "NtryDtls")]
    counted = [int(n) for n in batches if n is not None and n.isdigit()]
    # money leaves the account on a debit, and when a credit is reversed
    outgoing = (direction == "debit") != reversal
    only = (amount, currency) if len(details) == 1 else None
    return Entry(
        direction=direction,
        amount=amount,
        currency=currency,
        booking_date=doc.day(ntry, "BookgDt"),
        value_date=doc.day(ntry, "ValDt"),
        bank_reference=doc.text(ntry, "AcctSvcrRef") or doc.text(ntry, "NtryRef"),
        reversal=reversal,
        status=doc.code(ntry, "Sts"),
        entry_reference=doc.text(ntry, "NtryRef"),
        account=account,
        batch_count=sum(counted) if counted else None,
        exchange=exchange_of(doc, ntry),
        additional_info=doc.text(ntry, "AddtlNtryInf"),
        transactions=tuple(_transaction(doc, tx, outgoing, only) for tx in details),
    )


def exchange_of(doc: Doc, el: Element) -> Exchange | None:
    """The exchange details in ``el``'s ``AmtDtls``: the first ``CcyXchg`` and the instructed amount."""
    details = doc.child(el, "AmtDtls")
    if details is None:
        return None
    instructed = doc.optional_amount(details, "InstdAmt/Amt")
    xchg = next(
        (
            found
            for path in ("InstdAmt/CcyXchg", "TxAmt/CcyXchg", "CntrValAmt/CcyXchg", "AnncdAmt/CcyXchg")
            if (found := doc.child(details, path)) is not None
        ),
        None,
    )
    if xchg is None and instructed is None:
        return None
    return Exchange(
        source_currency=None if xchg is None else doc.currency(xchg, "SrcCcy"),
        target_currency=None if xchg is None else doc.currency(xchg, "TrgtCcy"),
        rate=None if xchg is None else doc.rate(xchg, "XchgRate"),
        unit_currency=None if xchg is None else doc.currency(xchg, "UnitCcy"),
        instructed_amount=None if instructed is None else instructed[0],
        instructed_currency=None if instructed is None else instructed[1],
    )


def _tx_amount(doc: Doc, tx: Element) -> tuple[Decimal, str] | None:
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        found = doc.optional_amount(tx, path)
        if found is not None:
            return found
    return None


def _party_name(doc: Doc, tx: Element, role: str) -> str | None:
    return doc.text(tx, f"RltdPties/{role}/Nm") or doc.text(tx, f"RltdPties/{role}/Pty/Nm")


def _transaction(
    doc: Doc, tx: Element, outgoing: bool, entry_amount: tuple[Decimal, str] | None
) -> Transaction:
    amount = _tx_amount(doc, tx) or entry_amount
    party, account = ("Cdtr", "CdtrAcct") if outgoing else ("Dbtr", "DbtrAcct")
    remittances = remittances_of(doc, tx)
    end_to_end = doc.text(tx, "Refs/EndToEndId")
    return Transaction(
        amount=None if amount is None else amount[0],
        currency=None if amount is None else amount[1],
        end_to_end_id=None if end_to_end == _NOT_PROVIDED else end_to_end,
        instruction_id=doc.text(tx, "Refs/InstrId"),
        payment_information_id=doc.text(tx, "Refs/PmtInfId"),
        message_id=doc.text(tx, "Refs/MsgId"),
        bank_reference=doc.text(tx, "Refs/AcctSvcrRef"),
        creditor_reference=creditor_reference_of(remittances),
        referred_document_number=next(
            (r.referred_document_number for r in remittances if r.referred_document_number), None
        ),
        remittances=remittances,
        remittance_text=" ".join(doc.texts(tx, "RmtInf/Ustrd")) or None,
        counterparty_name=_party_name(doc, tx, party),
        counterparty_account=account_of(doc, tx, f"RltdPties/{account}"),
        exchange=exchange_of(doc, tx),
        additional_info=doc.text(tx, "AddtlTxInf"),
        return_reason=doc.code(tx, "RtrInf/Rsn"),
    )
