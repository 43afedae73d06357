"""What the robot reads of a bank file: frozen data, amounts as :class:`~decimal.Decimal`.

    BankFile ─┬─ entries: Entry (one booking on the account) ── transactions: Transaction
              └─ statuses: PaymentStatus (pain.002: the bank's answer to a payment order)

A camt.054 debit/credit notification and a camt.053 statement give ``entries``; a pain.002
payment status report gives ``statuses``. Everything optional in ISO 20022 is ``None`` (or an
empty tuple) when the bank left it out; nothing is made up. Amounts keep the file's own digits
(``Decimal("1250.00")``), currencies come from the ``Ccy`` attribute of each amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

Kind = Literal["camt054", "camt053", "pain002"]
Direction = Literal["debit", "credit"]
#: ``iban``: ``Id/IBAN``; ``other``: ``Id/Othr/Id`` (a Danish creditor number, a BBAN, ...)
AccountScheme = Literal["iban", "other"]
#: ``rf``: an ISO 11649 RF creditor reference; ``fik``: a Danish FIK/OCR payment id (card 71, 73, 75);
#: ``giro``: a Danish giro (card 01, 04, 15); ``other``: any other structured creditor reference
ReferenceKind = Literal["rf", "fik", "giro", "other"]
#: ``group``: the whole payment file; ``payment``: one payment information block; ``transaction``: one payment
StatusLevel = Literal["group", "payment", "transaction"]


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the file names it: an IBAN, or another identifier with its scheme's name."""

    identifier: str
    scheme: AccountScheme
    scheme_name: str | None = None  # Othr/SchmeNm/Cd or Prtry (e.g. "BBAN", "OCR")
    currency: str | None = None  # Acct/Ccy, when given


@dataclass(frozen=True, slots=True)
class Exchange:
    """Currency exchange details (AmtDtls/…/CcyXchg) and the instructed amount before conversion."""

    source_currency: str | None
    target_currency: str | None
    rate: Decimal | None
    unit_currency: str | None = None
    instructed_amount: Decimal | None = None  # AmtDtls/InstdAmt/Amt
    instructed_currency: str | None = None


@dataclass(frozen=True, slots=True)
class CreditorReference:
    """A structured creditor reference (RmtInf/Strd/CdtrRefInf): an RF reference or a FIK payment id."""

    reference: str
    kind: ReferenceKind
    card: str | None = None  # FIK/giro card type ("71", "75", ...)
    type_code: str | None = None  # Tp/CdOrPrtry/Cd or Prtry as written ("SCOR", "71", ...)
    issuer: str | None = None  # Tp/Issr ("ISO", ...)


@dataclass(frozen=True, slots=True)
class Remittance:
    """One structured remittance block (RmtInf/Strd): one invoice of a payment that may pay several."""

    referred_document_number: str | None = None  # RfrdDocInf/Nb
    referred_document_amount: Decimal | None = None  # RfrdDocAmt/RmtdAmt (or DuePyblAmt)
    referred_document_currency: str | None = None
    creditor_reference: CreditorReference | None = None


@dataclass(frozen=True, slots=True)
class Transaction:
    """One payment inside an entry (NtryDtls/TxDtls). A batch booking has many.

    ``amount`` is the transaction's own (TxDtls/Amt, else AmtDtls/TxAmt, else AmtDtls/InstdAmt; for
    the only transaction of an entry, the entry's); ``None`` only for a transaction of a batch whose
    bank gave no amount per transaction. The counterparty is the creditor of money leaving the
    account (a debit, or the reversal of a credit) and the debtor of money coming in.
    """

    amount: Decimal | None
    currency: str | None
    end_to_end_id: str | None = None  # "NOTPROVIDED" is read as None
    instruction_id: str | None = None
    payment_information_id: str | None = None
    message_id: str | None = None
    bank_reference: str | None = None  # Refs/AcctSvcrRef
    creditor_reference: CreditorReference | None = None  # the first structured one
    referred_document_number: str | None = None  # the first RfrdDocInf/Nb
    remittances: tuple[Remittance, ...] = ()  # every RmtInf/Strd, in order
    remittance_text: str | None = None  # the RmtInf/Ustrd lines joined by a space
    counterparty_name: str | None = None
    counterparty_account: Account | None = None
    exchange: Exchange | None = None
    additional_info: str | None = None  # AddtlTxInf
    return_reason: str | None = None  # RtrInf/Rsn/Cd (or Prtry): a returned transfer


@dataclass(frozen=True, slots=True)
class Entry:
    """One booking on the account (Ntry): its amount is the total of its transactions."""

    direction: Direction
    amount: Decimal
    currency: str
    booking_date: date | None
    value_date: date | None
    bank_reference: str | None  # AcctSvcrRef, else NtryRef
    reversal: bool = False  # RvslInd: this entry reverses an earlier one (a bounced payment)
    status: str | None = None  # Sts: BOOK, PDNG, INFO
    entry_reference: str | None = None  # NtryRef
    account: Account | None = None  # our account the notification or statement is about
    batch_count: int | None = None  # NtryDtls/Btch/NbOfTxs: a batch booking
    exchange: Exchange | None = None
    additional_info: str | None = None  # AddtlNtryInf
    transactions: tuple[Transaction, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentStatus:
    """The bank's status of a payment order, a payment block or the whole file (pain.002)."""

    level: StatusLevel
    status: str  # ACCP, ACSC, ACSP, ACTC, ACWC, PDNG, PART, RCVD, RJCT, ...
    original_end_to_end_id: str | None = None
    original_instruction_id: str | None = None
    original_payment_information_id: str | None = None
    original_message_id: str | None = None
    reason: str | None = None  # StsRsnInf/Rsn/Cd (or Prtry): AC04, AM04, ...
    additional_info: str | None = None  # StsRsnInf/AddtlInf lines joined by a space
    amount: Decimal | None = None  # OrgnlTxRef/Amt/InstdAmt
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class BankFile:
    """One bank file as read: what it is, and its entries (camt) or statuses (pain.002)."""

    file: str
    message: str  # the message and version from the namespace, e.g. "camt.054.001.02"
    kind: Kind
    message_id: str | None = None  # GrpHdr/MsgId
    created_at: datetime | None = None  # GrpHdr/CreDtTm (as written; aware when the file says so)
    entries: tuple[Entry, ...] = ()
    statuses: tuple[PaymentStatus, ...] = field(default=())
