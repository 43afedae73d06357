"""The connector contracts, written once: where invoices come from, where they are posted,
how customers are told. Each has an in-memory fake in :mod:`connectors.testing.fakes`.

    Source  ──fetch()──► IncomingDocument ──(robot stores it)──► source.acknowledge(doc)
    Ledger  ◄──post(Posting)── robot       (find() first: a retry never posts twice)
    Notifier ◄──send(OutgoingNotice)── robot's outbox

Connectors raise :class:`robot.errors.TransientError` for failures worth retrying and
:class:`robot.errors.BusinessError` when the other side refuses on business grounds.

Every connector, whatever its role, is a :class:`Connector`: a ``name``, a pydantic ``Settings``
model (its section of the configuration file, without ``kind``), ``from_settings(settings,
base_dir)``, an optional ``probe()`` and ``close()``; it is a context manager that closes. A
connector class derives from its role (``class AcmeLedger(Ledger)``), which gives it the
defaults, and is registered under the role's entry-point group (:mod:`connectors.registry`),
the built-in ones exactly like a plugin's::

    [project.entry-points."fakturarobot.ledgers"]
    acme = "acme_erp.ledger:AcmeLedger"
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, runtime_checkable

from robot.errors import ConnectorError, LedgerConflict

if TYPE_CHECKING:  # the data classes here are imported widely and need no pydantic
    from pydantic import BaseModel

#: metadata key a source sets when it could not take a document over whole (an unreadable sidecar,
#: a file over the size limit): the robot stores the receipt and holds it with this reason.
INTAKE_PROBLEM = "intake_problem"


@dataclass(frozen=True, slots=True)
class IncomingDocument:
    """A document as the source hands it over, with the purchase system's metadata."""

    source_ref: str  # the source's own id (file name, purchase-system id): unique per source
    filename: str
    content: bytes
    metadata: Mapping[str, str] = field(default_factory=dict)  # customer, approver, remark, account


@dataclass(frozen=True, slots=True)
class IntakeFailure:
    """An item the source could not hand over at all (a symlink, a name or id that is not plain,
    a download failing every time). The robot records it as an ``intake-failed`` event and a run
    problem, and goes on with the next item; the item itself is left where it is.

    Both fields are already made safe for logs and terminals (see :func:`shown`).
    """

    source_ref: str
    reason: str


def shown(text: object, limit: int = 160) -> str:
    r"""Supplier text made safe to show: control and other unprintable characters escaped, bounded.

    >>> shown("a\r\nb")
    'a\\r\\nb'
    >>> len(shown("x" * 500))
    160
    """
    value = str(text)
    out = "".join(
        c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
        for c in value
    )
    return out if len(out) <= limit else out[: limit - 1] + "…"


def too_big(size: int, limit: int) -> str:
    """The intake problem of a document over the size limit: ``file is 210 MB; the limit is 50 MB``."""
    mib = 1024 * 1024
    if round(size / mib) != round(limit / mib):
        return f"file is {size / mib:.0f} MB; the limit is {limit / mib:.0f} MB"
    return f"file is {size:,} bytes; the limit is {limit:,} bytes"


def check_writable(folder: Path, what: str) -> None:
    """A probe's check that ``folder`` exists, or can be made, and is writable (nothing is written):
    the nearest folder that exists must be writable, else :class:`~robot.errors.ConnectorError`
    names ``what`` (``journal folder``, ``outbox folder``) and the folder."""
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not os.access(existing, os.W_OK):
        raise ConnectorError(f"{what} {folder} is not writable")


@runtime_checkable
class Connector(Protocol):
    """What every connector is, whatever its role; :class:`Source`, :class:`Ledger` and
    :class:`Notifier` add what the role does. A class deriving from one of them inherits ``probe``
    (nothing to probe) and the context manager (``with`` closes it)."""

    name: str  # how the connector is shown: "folder", "business-central"
    Settings: ClassVar[type[BaseModel]]  # its section of the configuration (unknown keys: errors)

    @classmethod
    def from_settings(cls, settings: Any, base_dir: Path) -> Self:
        """The connector of validated ``settings`` (an instance of ``cls.Settings``); relative
        paths in them start at ``base_dir``, secrets come from the environment variables they
        name. Raises :class:`robot.errors.ConfigError` when the settings cannot be used."""
        raise NotImplementedError

    def probe(self) -> str | None:
        """Reachability and auth, changing nothing (``check-config --probe``): one line saying what
        was tried, or None when there is nothing to probe. Raises when the other side cannot be used."""
        return None

    def close(self) -> None:
        """Let go of connections and handles; a closed connector is not used again."""
        ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@runtime_checkable
class Source(Connector, Protocol):
    """Where invoices come from (a folder, the purchase system's API)."""

    def fetch(self) -> Iterator[IncomingDocument | IntakeFailure]:
        """Documents ready for the robot, each item isolated: one the source cannot hand over is an
        :class:`IntakeFailure` (or a document with ``metadata[INTAKE_PROBLEM]`` when it could be
        taken over only in part), never an exception that stops the others.
        Fetching again before acknowledge() repeats them."""
        ...

    def acknowledge(self, doc: IncomingDocument) -> None:
        """Called only after the document is safely stored: the source may forget it."""
        ...

    def report_outcome(self, source_ref: str, outcome: str, detail: Mapping[str, str]) -> None:
        """Write the result back (``transferred`` with the ERP number, or ``returned`` with reasons)."""
        ...


@dataclass(frozen=True, slots=True)
class PostingLine:
    description: str
    quantity: Decimal
    unit_cost: Decimal
    net_amount: Decimal
    vat_rate: Decimal
    vat_amount: Decimal
    account: str | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Posting:
    """What the ERP needs to book one purchase invoice. VAT is computed per rate by the robot."""

    idempotency_key: str  # stable per invoice: vendor number + invoice number
    vendor_number: str
    vendor_invoice_number: str
    document_type: str  # invoice | credit_note
    invoice_date: date | None
    due_date: date | None
    currency: str
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal
    customer_id: str | None
    account_string: str | None
    lines: tuple[PostingLine, ...]
    document_sha256: str
    document: bytes = b""
    filename: str = ""
    credits: tuple[str, ...] = ()  # a credit note: the invoice numbers it credits (BT-25)


def differences(
    posting: Posting,
    *,
    invoice_date: date | None,
    currency: str | None,
    amounts: tuple[Decimal, Decimal] | None,
    vat_tolerance: Decimal = Decimal(0),
) -> tuple[str, ...]:
    """What of date, currency and amount an ERP document with the posting's identity (vendor,
    document type, number, year) does not share with it, in that order. ``currency`` None is not
    compared (the ERP does not say), nor are ``amounts`` (net, VAT) None (a draft still being
    filled); VAT within ``vat_tolerance`` of the posting's is the same.

    >>> from connectors.testing.fakes import sample_posting
    >>> p = sample_posting()
    >>> differences(p, invoice_date=p.invoice_date, currency="EUR", amounts=(p.net_amount, Decimal(1)))
    ('currency', 'amount')
    """
    out: list[str] = []
    if invoice_date != posting.invoice_date:
        out.append("date")
    if currency is not None and currency != posting.currency:
        out.append("currency")
    if amounts is not None:
        net, vat = amounts
        if net != posting.net_amount or abs(vat - posting.vat_amount) > vat_tolerance:
            out.append("amount")
    return tuple(out)


def ledger_conflict(
    posting: Posting,
    *,
    ledger: str,
    kind: str,
    erp_document: str,
    erp_date: date | None,
    erp_amount: Decimal | None,
    erp_currency: str | None,
    differs: tuple[str, ...],
) -> LedgerConflict:
    """The :class:`~robot.errors.LedgerConflict` of ``posting`` (ours: vendor, number, date, net +
    VAT, currency) against the ERP's document, naming what ``differs``."""
    return LedgerConflict(
        ledger=ledger,
        kind=kind,
        vendor=posting.vendor_number,
        number=posting.vendor_invoice_number,
        invoice_date=posting.invoice_date,
        amount=posting.net_amount + posting.vat_amount,
        currency=posting.currency,
        erp_document=erp_document,
        erp_date=erp_date,
        erp_amount=erp_amount,
        erp_currency=erp_currency,
        differs=differs,
    )


@runtime_checkable
class Ledger(Connector, Protocol):
    """The ERP. ``find`` and ``post`` together make posting idempotent."""

    def find(self, posting: Posting) -> str | None:
        """The ERP document number if this invoice is already there, else None."""
        ...

    def post(self, posting: Posting) -> str:
        """Create and post the invoice; returns the ERP document number."""
        ...

    def posting_batch(self) -> AbstractContextManager[None]:
        """Several posts in a row, made durable together: inside, ``post`` may return before its
        posting is durable, and leaving the block makes every one durable (or raises
        :class:`robot.errors.TransientError`, and the robot records none of them as posted). The
        robot records a batch's ERP numbers only after the block is left. An ERP whose ``post`` is
        durable when it returns (an HTTP API) keeps this default, which does nothing."""
        return nullcontext()


@dataclass(frozen=True, slots=True)
class OutgoingNotice:
    """A message from the outbox: one per customer per run (a digest) or one per invoice."""

    notice_key: str  # unique: a notice is sent at most once
    to: tuple[str, ...]
    subject: str
    text: str  # Danish first, then English
    html: str | None = None
    attachments: tuple[tuple[str, bytes, str], ...] = ()  # (filename, content, mime type)


@runtime_checkable
class Notifier(Connector, Protocol):
    """How customers are told (e-mail, .eml files)."""

    def send(self, notice: OutgoingNotice) -> None: ...
