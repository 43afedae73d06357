"""In-memory connectors for tests, shipped in the package (like httpx's ``MockTransport``).

They keep everything they were given in plain attributes so a test can assert on it, and they can
be told to fail the way real systems do: :class:`MemoryLedger` raises
:class:`~robot.errors.TransientError` on chosen calls, refuses chosen invoices with
:class:`~robot.errors.BusinessError`, or "crashes" *after* posting but before returning (the
process dies with the invoice in the ERP, the robot's store not yet knowing it)::

    >>> ledger = MemoryLedger(crash_after={1})
    >>> try:
    ...     ledger.post(sample_posting())
    ... except SimulatedCrash:
    ...     pass
    >>> ledger.find(sample_posting())          # the resumed run finds it instead of posting again
    'MEM-000001'
    >>> ledger.post(sample_posting()), len(ledger.posted)
    ('MEM-000001', 1)

Like every connector they keep the contract of :mod:`connectors.base`: a ``Settings`` model (their
keyword arguments), ``from_settings``, ``close`` and ``with``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from connectors.base import (
    IncomingDocument,
    Ledger,
    Notifier,
    OutgoingNotice,
    Posting,
    PostingLine,
    Source,
    differences,
    ledger_conflict,
)
from robot.errors import BusinessError, TransientError


class SimulatedCrash(BaseException):
    """The process "dies" here. A BaseException, so ``except Exception`` in the run does not catch it."""


class MemorySourceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    down: bool = False


@dataclass(slots=True)
class MemorySource(Source):
    """A source holding documents in a list. ``fetch`` repeats everything not yet acknowledged."""

    Settings = MemorySourceSettings

    documents: list[IncomingDocument] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    outcomes: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    down: bool = False
    closed: bool = False
    name: str = "memory"

    @classmethod
    def from_settings(cls, settings: MemorySourceSettings, base_dir: Path) -> MemorySource:
        return cls(down=settings.down)

    def add(
        self, filename: str, content: bytes, metadata: Mapping[str, str] | None = None
    ) -> IncomingDocument:
        """Queue a document; its ``source_ref`` is the file name."""
        doc = IncomingDocument(filename, filename, content, dict(metadata or {}))
        self.documents.append(doc)
        return doc

    def fetch(self) -> Iterator[IncomingDocument]:
        if self.down:
            raise TransientError("memory source is down")
        done = set(self.acknowledged)
        yield from [d for d in self.documents if d.source_ref not in done]

    def acknowledge(self, doc: IncomingDocument) -> None:
        if doc.source_ref not in self.acknowledged:
            self.acknowledged.append(doc.source_ref)

    def report_outcome(self, source_ref: str, outcome: str, detail: Mapping[str, str]) -> None:
        if self.down:
            raise TransientError("memory source is down")
        self.outcomes.append((source_ref, outcome, dict(detail)))

    def close(self) -> None:
        self.closed = True


class MemoryLedgerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    fail_on: tuple[int, ...] = ()
    crash_after: tuple[int, ...] = ()
    refuse: dict[str, str] = {}
    prefix: str = "MEM-"


class MemoryLedger(Ledger):
    """An ERP in a dict, with failures on demand.

    ``fail_on``: numbers (1-based) of ``post`` calls that raise TransientError before posting.
    ``crash_after``: numbers of ``post`` calls that post, then raise :class:`SimulatedCrash`.
    ``refuse``: idempotency key → message; those posts raise BusinessError.
    ``down``: every call raises TransientError.

    Like the real ledgers, a posting is found by its idempotency key (vendor, type, number, year)
    and cross-checked: a kept posting of that key with another date, currency or amount raises
    :class:`~robot.errors.LedgerConflict` instead of being taken for this one.
    """

    name = "memory"
    Settings = MemoryLedgerSettings

    def __init__(
        self,
        *,
        fail_on: Iterable[int] = (),
        crash_after: Iterable[int] = (),
        refuse: Mapping[str, str] | None = None,
        prefix: str = "MEM-",
    ) -> None:
        self.fail_on = set(fail_on)
        self.crash_after = set(crash_after)
        self.refuse = dict(refuse or {})
        self.prefix = prefix
        self.down = False
        self.closed = False
        self.posted: dict[str, tuple[str, Posting]] = {}  # idempotency key -> (number, posting)
        self.post_calls = 0
        self.find_calls = 0

    @classmethod
    def from_settings(cls, settings: MemoryLedgerSettings, base_dir: Path) -> MemoryLedger:
        return cls(
            fail_on=settings.fail_on,
            crash_after=settings.crash_after,
            refuse=settings.refuse,
            prefix=settings.prefix,
        )

    def find(self, posting: Posting) -> str | None:
        self.find_calls += 1
        if self.down:
            raise TransientError("memory ledger is down")
        return self._ours(posting)

    def _ours(self, posting: Posting) -> str | None:
        hit = self.posted.get(posting.idempotency_key)
        if hit is None:
            return None
        number, kept = hit
        differs = differences(
            posting,
            invoice_date=kept.invoice_date,
            currency=kept.currency,
            amounts=(kept.net_amount, kept.vat_amount),
        )
        if not differs:
            return number
        raise ledger_conflict(
            posting,
            ledger=self.name,
            kind=posting.document_type.replace("_", " "),
            erp_document=f"document {number}",
            erp_date=kept.invoice_date,
            erp_amount=kept.net_amount + kept.vat_amount,
            erp_currency=kept.currency,
            differs=differs,
        )

    def post(self, posting: Posting) -> str:
        self.post_calls += 1
        call = self.post_calls
        if self.down or call in self.fail_on:
            raise TransientError(f"memory ledger unavailable (post call {call})")
        message = self.refuse.get(posting.idempotency_key)
        if message is not None:
            raise BusinessError(message)
        existing = self._ours(posting)
        if existing is not None:
            return existing
        number = f"{self.prefix}{len(self.posted) + 1:06d}"
        self.posted[posting.idempotency_key] = (number, posting)
        if call in self.crash_after:
            raise SimulatedCrash(f"simulated crash after posting {posting.idempotency_key} as {number}")
        return number

    def close(self) -> None:
        self.closed = True


class MemoryNotifierSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    fail_on: tuple[int, ...] = ()


class MemoryNotifier(Notifier):
    """Keeps every notice it is asked to send. ``down`` (or a call number in ``fail_on``) fails it."""

    name = "memory"
    Settings = MemoryNotifierSettings

    def __init__(self, *, fail_on: Iterable[int] = ()) -> None:
        self.fail_on = set(fail_on)
        self.down = False
        self.closed = False
        self.sent: list[OutgoingNotice] = []
        self.calls = 0

    @classmethod
    def from_settings(cls, settings: MemoryNotifierSettings, base_dir: Path) -> MemoryNotifier:
        return cls(fail_on=settings.fail_on)

    def send(self, notice: OutgoingNotice) -> None:
        self.calls += 1
        if self.down or self.calls in self.fail_on:
            raise TransientError(f"memory notifier is down (send call {self.calls})")
        self.sent.append(notice)

    def by_key(self) -> dict[str, list[OutgoingNotice]]:
        """Notices grouped by key: a key with two entries was sent twice."""
        out: dict[str, list[OutgoingNotice]] = {}
        for notice in self.sent:
            out.setdefault(notice.notice_key, []).append(notice)
        return out

    def close(self) -> None:
        self.closed = True


def sample_posting(key: str = "V-1000:INV-1", **changes: object) -> Posting:
    """A small valid posting (one 25% line, DKK) for doctests and tests."""
    line = PostingLine(
        description="Kontorartikler",
        quantity=Decimal("2"),
        unit_cost=Decimal("500.00"),
        net_amount=Decimal("1000.00"),
        vat_rate=Decimal("25"),
        vat_amount=Decimal("250.00"),
        account="1234",
        dimensions={"AFDELING": "100"},
    )
    vendor, _, number = key.partition(":")
    values: dict[str, object] = {
        "idempotency_key": key,
        "vendor_number": vendor,
        "vendor_invoice_number": number or key,
        "document_type": "invoice",
        "invoice_date": date(2025, 3, 1),
        "due_date": date(2025, 3, 31),
        "currency": "DKK",
        "net_amount": Decimal("1000.00"),
        "vat_amount": Decimal("250.00"),
        "gross_amount": Decimal("1250.00"),
        "customer_id": "ufst",
        "account_string": "1234-100",
        "lines": (line,),
        "document_sha256": "0" * 64,
        "document": b"<Invoice/>",
        "filename": "inv-1.xml",
    }
    values.update(changes)
    return Posting(**values)  # type: ignore[arg-type]
