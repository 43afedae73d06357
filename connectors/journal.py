"""A journal file as the ERP: one JSON line per posted invoice, for demos and for ERPs fed by file.

Each line carries the fields a Business Central purchase invoice has (``vendorNumber``,
``vendorInvoiceNumber``, ``invoiceDate``, ``dueDate``, ``currencyCode``, amounts as strings, lines
with account, dimensions and VAT), the idempotency key, the document's sha256 and the ERP document
number the journal assigns (``PI-000001``, ``PI-000002``, ...). Every line is flushed and fsync'ed
before :meth:`JournalLedger.post` returns, or, inside :meth:`JournalLedger.posting_batch`, written
at once and fsync'ed together when the block is left (one disk flush for a batch's invoices).
An entry is found by the idempotency key (vendor,
document type, vendor's number, year: the same number in another year is another invoice), with
the date, currency and amounts as a cross-check: an entry of the same key whose date or amount
differs is another document, and :class:`~robot.errors.LedgerConflict` names both. Posting the
same invoice twice returns the existing number and writes nothing::

    >>> import tempfile
    >>> from connectors.testing.fakes import sample_posting
    >>> ledger = JournalLedger(Path(tempfile.mkdtemp()) / "journal.jsonl")
    >>> ledger.post(sample_posting())
    'PI-000001'
    >>> ledger.post(sample_posting()), ledger.find(sample_posting())
    ('PI-000001', 'PI-000001')

A crash while writing leaves at most a torn last line; it is ignored on load and cut off before the
next write (the robot never saw that post succeed, so it retries it). Several processes may share a
journal: ``find`` and ``post`` hold an exclusive ``flock`` on ``<journal>.lock`` (POSIX) and first
read the lines others appended, so numbers stay consecutive and a posting made by a worker that
then died is found by the worker that takes the invoice over.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from connectors.base import Ledger, Posting, check_writable, differences, ledger_conflict
from robot.errors import ConnectorError, TransientError
from robot.serialize import jsonable

#: the fields of a journal line the cross-check compares (and the conflict message names)
CHECKED = ("number", "documentType", "invoiceDate", "currencyCode", "netAmount", "vatAmount")


class JournalSettings(BaseModel):
    """``ledger: {kind: journal, path: var/journal.jsonl, prefix: PI-}``."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    prefix: str = "PI-"


def posting_record(posting: Posting, number: str) -> dict[str, Any]:
    """The journal line for ``posting`` (Business Central field names; amounts as their digits and
    dates in ISO form, by :func:`robot.serialize.jsonable`)."""
    record: dict[str, Any] = jsonable(
        {
            "number": number,
            "postedAt": datetime.now(UTC),
            "idempotency_key": posting.idempotency_key,
            "document_sha256": posting.document_sha256,
            "documentType": posting.document_type,
            "vendorNumber": posting.vendor_number,
            "vendorInvoiceNumber": posting.vendor_invoice_number,
            "invoiceDate": posting.invoice_date,
            "dueDate": posting.due_date,
            "currencyCode": posting.currency,
            "netAmount": posting.net_amount,
            "vatAmount": posting.vat_amount,
            "grossAmount": posting.gross_amount,
            "customerId": posting.customer_id,
            "accountString": posting.account_string,
            "filename": posting.filename,
            "appliesToInvoiceNumbers": posting.credits,
            "lines": [
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    "unitCost": line.unit_cost,
                    "netAmount": line.net_amount,
                    "vatRate": line.vat_rate,
                    "vatAmount": line.vat_amount,
                    "account": line.account,
                    "dimensions": line.dimensions,
                }
                for line in posting.lines
            ],
        }
    )
    return record


Settings = JournalSettings  # the short name the docs and tests use


class JournalLedger(Ledger):
    """Posts to an append-only JSON Lines journal; implements :class:`connectors.base.Ledger`."""

    name = "journal"
    Settings = JournalSettings

    def __init__(self, path: Path, *, prefix: str = "PI-") -> None:
        self.path = Path(path)
        self.prefix = prefix
        self._lock = threading.Lock()
        self._index: dict[str, dict[str, Any]] | None = None  # idempotency key -> CHECKED fields
        self._good_size = 0  # bytes up to the end of the last complete line
        self._count = 0
        self._batch = threading.local()  # .open: inside posting_batch; .unsynced: lines to fsync
        self._lock_fd: tuple[int, int] | None = None  # (pid, descriptor) of the lock file, per process
        self._lock_closer: weakref.finalize[Any, Any] | None = None

    @classmethod
    def from_settings(cls, settings: JournalSettings, base_dir: Path) -> JournalLedger:
        return cls(base_dir / settings.path, prefix=settings.prefix)

    def _lock_file(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, Any]]]:
        """Hold the thread lock and an exclusive ``fcntl`` lock on ``<journal>.lock``; yield the index.

        Several worker processes may append to one journal: under the file lock each first reads
        the lines others appended since it last looked, so numbers stay consecutive and an invoice
        posted by a worker that then died is found by the one that takes it over.
        """
        with self._lock:
            fd = self._lock_handle()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield self._refresh()
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock_handle(self) -> int:
        """The lock file's descriptor, opened once per process (a ``flock`` belongs to an open
        file, which a forked child would share: a child opens its own); closed with the ledger."""
        held = self._lock_fd
        if held is not None and held[0] == os.getpid():
            return held[1]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._lock_file(), os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise TransientError(f"cannot lock journal {self.path}: {exc}") from exc
        self._lock_fd = (os.getpid(), fd)
        self._lock_closer = weakref.finalize(self, _close_in, os.getpid(), fd)
        return fd

    def _refresh(self) -> dict[str, dict[str, Any]]:
        """Read the complete lines appended after ``_good_size`` (all of them the first time)."""
        if self._index is None:
            self._index, self._good_size, self._count = {}, 0, 0
        index = self._index
        try:
            if os.stat(self.path).st_size == self._good_size:
                return index  # nothing appended since
        except FileNotFoundError:
            return index
        with self.path.open("rb") as fh:
            fh.seek(self._good_size)
            data = fh.read()
        pos = 0
        while pos < len(data):
            end = data.find(b"\n", pos)
            if end < 0:
                break  # torn last line: no newline, the write never finished
            raw = data[pos:end]
            pos = end + 1
            if not raw.strip():
                self._good_size += len(raw) + 1
                continue
            try:
                record = json.loads(raw)
            except ValueError as exc:
                if pos >= len(data):
                    break  # a torn last line that happens to end in a newline
                raise ConnectorError(
                    f"{self.path}: line {self._count + 1} is not JSON ({exc}); the journal is damaged"
                ) from exc
            index[str(record["idempotency_key"])] = {k: record.get(k) for k in CHECKED}
            self._count += 1
            self._good_size += len(raw) + 1
        return index

    def find(self, posting: Posting) -> str | None:
        with self._locked() as index:
            return self._ours(posting, index.get(posting.idempotency_key))

    def _ours(self, posting: Posting, entry: dict[str, Any] | None) -> str | None:
        """The entry's number if it is this invoice; LedgerConflict if its date or amount differs."""
        if entry is None:
            return None
        net, vat = Decimal(str(entry["netAmount"])), Decimal(str(entry["vatAmount"]))
        erp_date = date.fromisoformat(entry["invoiceDate"]) if entry["invoiceDate"] else None
        currency = str(entry["currencyCode"] or "")
        differs = differences(posting, invoice_date=erp_date, currency=currency, amounts=(net, vat))
        if not differs:
            return str(entry["number"])
        label = "credit note" if posting.document_type == "credit_note" else posting.document_type
        raise ledger_conflict(
            posting,
            ledger=f"journal {self.path.name}",
            kind=label,
            erp_document=f"journal entry {entry['number']}",
            erp_date=erp_date,
            erp_amount=net + vat,
            erp_currency=entry["currencyCode"],
            differs=differs,
        )

    def post(self, posting: Posting) -> str:
        with self._locked() as index:
            existing = self._ours(posting, index.get(posting.idempotency_key))
            if existing is not None:
                return existing
            number = f"{self.prefix}{self._count + 1:06d}"
            record = posting_record(posting, number)
            line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
            try:
                with self.path.open("ab") as fh:
                    if fh.tell() > self._good_size:
                        fh.truncate(self._good_size)  # cut a torn line left by a crash
                    fh.write(line)
                    fh.flush()
                    if getattr(self._batch, "open", False):
                        self._batch.unsynced = True  # fsync'ed when the batch ends
                    else:
                        os.fsync(fh.fileno())
            except OSError as exc:
                raise TransientError(f"cannot write journal {self.path}: {exc}") from exc
            self._good_size += len(line)
            self._count += 1
            index[posting.idempotency_key] = {k: record.get(k) for k in CHECKED}
            return number

    @contextmanager
    def posting_batch(self) -> Iterator[None]:
        """Posts inside are written at once and fsync'ed together when the block is left; a
        failing fsync is a TransientError (the robot then records none of them as posted)."""
        if getattr(self._batch, "open", False):  # nested: the outer block syncs
            yield
            return
        self._batch.open, self._batch.unsynced = True, False
        try:
            yield
        finally:
            self._batch.open = False
        if self._batch.unsynced:
            try:
                with self.path.open("rb") as fh:
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise TransientError(f"cannot make journal {self.path} durable: {exc}") from exc
            self._batch.unsynced = False

    def entries(self) -> list[dict[str, Any]]:
        """Every complete journal line (for the CLI and tests)."""
        if not self.path.exists():
            return []
        lines = self.path.read_bytes().split(b"\n")[:-1]
        out: list[dict[str, Any]] = []
        for raw in lines:
            if raw.strip():
                try:
                    out.append(json.loads(raw))
                except ValueError:
                    continue
        return out

    def probe(self) -> str:
        """The journal's folder exists (or can be made) and is writable; nothing is written."""
        check_writable(self.path.parent, "journal folder")
        return f"journal {self.path} writable ({len(self.entries()) if self.path.exists() else 0} postings)"

    def close(self) -> None:
        """Forget the in-memory index (the next call reloads it) and close the lock file (opened
        again if the journal is used after)."""
        with self._lock:
            self._index = None
            if self._lock_closer is not None:
                self._lock_closer()
            self._lock_fd = self._lock_closer = None


def _close_in(pid: int, fd: int) -> None:
    """Close ``fd`` if this is the process that opened it (a forked child leaves its parent's)."""
    if os.getpid() == pid:
        os.close(fd)
