"""The robot's tables. Alembic migrations (``robot/store/migrations``) create and evolve them.

    runs ─┐
          ├─ events (the journey: one row per step, per invoice and run)
    documents (raw bytes + sha256, stored before anything else) ─ invoices ─┬─ findings
                                                                            ├─ postings (ERP, exactly once)
    notices (the outbox: one digest per customer per run) ──────────────────┘

Times are stored in UTC (timezone-aware columns). Money is ``Numeric`` read back as ``Decimal``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from robot.codes import InvoiceState as InvoiceState  # the code lists are written once (robot.codes)

MONEY = Numeric(20, 4, asdecimal=True)
PK = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC on every engine (SQLite keeps no zone itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; times must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime()}


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|partial|failed
    trigger: Mapped[str] = mapped_column(String(64), default="manual")
    dry_run: Mapped[bool] = mapped_column(default=False)
    host: Mapped[str | None] = mapped_column(String(128), default=None)
    pid: Mapped[int | None] = mapped_column(default=None)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class ReceivedFile:
    """The columns of a file kept exactly as received (an invoice's document, a bank file): its
    bytes, their sha256 (unique: the same bytes are stored once), size, file name and when they
    were first seen."""

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    content: Mapped[bytes] = mapped_column(LargeBinary)
    filename: Mapped[str] = mapped_column(String(512))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(ReceivedFile, Base):
    """Raw bytes exactly as received. The same bytes are stored once (sha256 unique)."""

    __tablename__ = "documents"


def _where(condition: str) -> dict[str, Any]:
    """A partial index's condition, for PostgreSQL and SQLite alike (few rows of many qualify)."""
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}


def error_type_codes(joined: str | None) -> tuple[str, ...]:
    """The error type codes of ``invoices.error_types`` (comma-joined for display), in order."""
    return tuple(code for code in (joined or "").split(",") if code)


class InvoiceRow(Base):
    """One receipt of a document from a source, and everything the robot decided about it."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("source", "source_ref", "document_id", name="uq_invoice_receipt"),
        Index("ix_invoices_dup_number", "supplier_key", "number_normalised"),
        Index("ix_invoices_dup_amount", "supplier_key", "payable", "issue_date"),
        Index("ix_invoices_dup_canonical", "supplier_key", "number_canonical"),  # 0013
        Index("ix_invoices_document", "document_id"),  # the same bytes received again (0013)
        Index("ix_invoices_supplier_updated", "supplier_key", "updated_at"),  # workers' catch-up (0013)
        Index("ix_invoices_assigned_to", "assigned_to"),
        # the console's search and reports (migration 0006): keyset paging by id under each filter
        Index("ix_invoices_number", "number_normalised", "id"),
        Index("ix_invoices_customer", "customer_id", "id"),
        Index("ix_invoices_state_id", "state", "id"),
        Index("ix_invoices_supplier_id", "supplier_key", "id"),
        Index("ix_invoices_issue_date", "issue_date", "id"),
        Index("ix_invoices_received_at", "received_at", "id"),
        Index("ix_invoices_payable", "payable", "id"),
        # the hold queue (migration 0009): due first, held longest, how long holds wait
        Index("ix_invoices_state_due", "state", "due_date", "id"),
        Index("ix_invoices_state_received", "state", "received_at", "id"),
        Index("ix_invoices_state_updated", "state", "updated_at", "id"),
        Index("ix_invoices_state_customer", "state", "customer_id", "due_date", "id"),
        Index("ix_invoices_last_run", "last_run_id", "id"),  # a run's invoices (0009)
        # what a run looks for at its start and end among millions of decided invoices (0014)
        Index("ix_invoices_outcome_pending", "id", **_where("outcome_pending IS true")),
        Index("ix_invoices_notice_due", "id", **_where("state = 'returned' AND notice_id IS NULL")),
        # nothing on claimed_by or lease_until: a claim is a heap-only update on PostgreSQL (0015)
        {"postgresql_with": {"fillfactor": 75}},
    )

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    source: Mapped[str] = mapped_column(String(64))
    source_ref: Mapped[str] = mapped_column(String(512))
    source_meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)
    state: Mapped[str] = mapped_column(String(16), default=InvoiceState.RECEIVED)
    verdict: Mapped[str | None] = mapped_column(String(16), default=None)
    error_types: Mapped[str | None] = mapped_column(String(128), default=None)  # "REF,LEG"
    read_error: Mapped[str | None] = mapped_column(Text, default=None)
    customer_id: Mapped[str | None] = mapped_column(String(64), default=None)
    format: Mapped[str | None] = mapped_column(String(32), default=None)
    document_type: Mapped[str | None] = mapped_column(String(16), default=None)
    invoice_number: Mapped[str | None] = mapped_column(String(128), default=None)
    number_normalised: Mapped[str | None] = mapped_column(String(128), default=None)
    # folded for "nearly the same number" (classifiers.keys.canonical_invoice_number; 0013)
    number_canonical: Mapped[str | None] = mapped_column(String(128), default=None)
    supplier_key: Mapped[str | None] = mapped_column(String(128), default=None)
    supplier_name: Mapped[str | None] = mapped_column(String(256), default=None)
    issue_date: Mapped[date | None] = mapped_column(Date, default=None)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)  # BT-9 (the hold queue's order)
    payable: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    erp_document_no: Mapped[str | None] = mapped_column(String(64), default=None)
    invoice_response: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    outcome_pending: Mapped[bool] = mapped_column(default=False)  # outcome not yet written to source
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), default=None)
    attempts: Mapped[int] = mapped_column(default=0)  # application failures (a bug, a damaged file, ...)
    erp_unreachable: Mapped[int] = mapped_column(default=0)  # ERP down in a row; never exhausts attempts
    retry_after: Mapped[datetime | None] = mapped_column(default=None)  # ERP back-off: not claimed before
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    assigned_to: Mapped[str | None] = mapped_column(String(128), default=None)  # a console user's name


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_code_hold", "code", "disposition", "invoice_id"),)  # 0009

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    official_ids: Mapped[str] = mapped_column(String(256), default="")
    severity: Mapped[str] = mapped_column(String(16))
    disposition: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(8))
    field: Mapped[str | None] = mapped_column(String(32), default=None)
    message_da: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    found: Mapped[str | None] = mapped_column(Text, default=None)
    expected: Mapped[str | None] = mapped_column(Text, default=None)
    line_id: Mapped[str | None] = mapped_column(String(64), default=None)


class ErrorTypeRow(Base):
    """One error type (an OPStatusReason code) of an invoice (migration 0005), for an exact filter.

    ``invoices.error_types`` keeps the same codes comma-joined for display; this table is queried.
    """

    __tablename__ = "invoice_error_types"
    __table_args__ = (Index("ix_invoice_error_types_code", "code", "invoice_id"),)

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)


class Event(Base):
    """One step of an invoice's journey (or of a run)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_kind_invoice", "kind", "invoice_id"),  # decisions by kind (0006)
        Index("ix_events_kind_at", "kind", "at"),  # decisions per day (0009)
        Index("ix_events_run_kind", "run_id", "kind", "id"),  # a run's failures (0009)
    )

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True, default=None)
    # no index of its own: ix_events_run_kind (run_id, kind, id) serves what asks by run (0015)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PostingRow(Base):
    """An ERP posting. Created ``pending`` before the ERP is called; ``posted`` once confirmed."""

    __tablename__ = "postings"
    # a fifth of each page free: the completion (state, number) is a heap-only update (0015)
    __table_args__ = ({"postgresql_with": {"fillfactor": 80}},)

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(256), unique=True)
    ledger: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|posted
    erp_document_no: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class NoticeRow(Base):
    """The outbox: a notice is written here first and sent later, at most once."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    notice_key: Mapped[str] = mapped_column(String(256), unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)
    customer_id: Mapped[str | None] = mapped_column(String(64), default=None)
    kind: Mapped[str] = mapped_column(String(32), default="return-digest")
    recipients: Mapped[str] = mapped_column(Text)  # comma separated
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    invoice_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"ids": [...]}
    attachments: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"files": [{name, mime, b64}]}
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class StoreMeta(Base):
    """Facts about the store itself (migration 0004): ``store_id``, a random UUID made once per
    store. Notice keys carry it, so two stores writing to one outbox never share a key."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UserRow(Base):
    """A person of the creditor console (migration 0006): ``viewer``, ``creditor`` or ``admin``,
    optionally restricted to one customer's invoices. Only an argon2id hash of the password."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(64), default=None)
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSessionRow(Base):
    """A console login: only the sha256 of the cookie's token is kept, with the CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginAttemptRow(Base):
    """One try at the console's login (the throttle counts the failures per name and address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username", "username", "at"),
        Index("ix_login_attempts_address", "address", "at"),
    )

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    username: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(default=False)


class BankFileRow(ReceivedFile, Base):
    """A bank file (camt.054, camt.053, pain.002) exactly as received, stored before it is read.

    The same bytes are stored once (sha256 unique). ``message`` (``camt.054.001.02``) once it was
    read, or ``read_error`` saying why it could not be; both None until it was read."""

    __tablename__ = "bank_files"

    message: Mapped[str | None] = mapped_column(String(32), default=None)
    read_error: Mapped[str | None] = mapped_column(Text, default=None)


class ApiTokenRow(Base):
    """A status API token (migration 0011): bound to one customer, only its sha256 kept.

    ``revoked_at`` set: the token opens nothing any more (the row stays, for the record)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class PaymentRow(Base):
    """One payment read from a bank file (a camt transaction or a pain.002 status) and what it matched.

    ``status``: ``matched`` (paid invoices in ``payment_matches``), ``unmatched`` or ``ambiguous``
    (``candidates`` names the invoices it could be), ``rejected`` (a returned or rejected payment:
    the invoices it reopened in ``payment_matches``), ``repeat`` (a payment another file recorded
    already: a statement repeating a notification). Unique per bank file, entry and transaction,
    so the same file twice records nothing new (migration 0010).
    """

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("bank_file_id", "entry_index", "transaction_index", name="uq_payment_in_file"),
        Index("ix_payments_status", "status", "id"),
        Index("ix_payments_end_to_end", "end_to_end_id"),
        Index("ix_payments_bank_reference", "bank_reference"),
    )

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    bank_file_id: Mapped[int] = mapped_column(ForeignKey("bank_files.id"))
    entry_index: Mapped[int] = mapped_column()
    transaction_index: Mapped[int] = mapped_column()
    direction: Mapped[str] = mapped_column(String(8))  # debit | credit | status (pain.002)
    amount: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    booking_date: Mapped[date | None] = mapped_column(Date, default=None)
    value_date: Mapped[date | None] = mapped_column(Date, default=None)
    bank_reference: Mapped[str | None] = mapped_column(String(128), default=None)
    end_to_end_id: Mapped[str | None] = mapped_column(String(128), default=None)
    creditor_reference: Mapped[str | None] = mapped_column(String(128), default=None)
    referred_document_number: Mapped[str | None] = mapped_column(String(128), default=None)
    remittance_text: Mapped[str | None] = mapped_column(Text, default=None)
    counterparty_name: Mapped[str | None] = mapped_column(String(256), default=None)
    counterparty_account: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16))  # matched | unmatched | ambiguous | rejected | repeat
    evidence: Mapped[str | None] = mapped_column(String(32), default=None)  # what matched it
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # why unmatched, or the bank's reason
    candidates: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"invoices": [{id, why}, ...]}
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentMatchRow(Base):
    """An invoice a payment paid (or, for a rejected payment, reopened), with the amount for it."""

    __tablename__ = "payment_matches"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id", name="uq_payment_match"),)

    id: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
