"""A journal file as the ERP: one JSON line per posted invoice, for demos and for ERPs fed by file.

Each line carries the fields a Business Central purchase invoice has (``vendorNumber``,
``vendorInvoiceNumber``, ``invoiceDate``, ``dueDate``, ``currencyCode``, amounts as strings, lines
with account, dimensions and VAT), the idempotency key, the document's sha256 and the ERP document
number the journal assigns (``PI-000001``, ``PI-000002``, ...). Every line is flushed and fsync'ed
before :meth:`JournalLedger.post` returns. Posting the same idempotency key twice returns the
existing number and writes nothing::

    >>> import tempfile
    >>> from connectors.fakes import sample_posting
    >>> ledger = JournalLedger(Path(tempfile.mkdtemp()) / "journal.jsonl")
    >>> ledger.post(sample_posting())
    'PI-000001'
    >>> ledger.post(sample_posting()), ledger.find(sample_posting())
    ('PI-000001', 'PI-000001')

A crash while writing leaves at most a torn last line; it is ignored on load and cut off before the
next write (the robot never saw that post succeed, so it retries it). Several processes may share a
journal: ``post`` holds an exclusive ``flock`` on it (POSIX) and re-reads lines others appended.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from connectors.base import Posting
from robot.errors import ConnectorError, TransientError

try:  # POSIX: serialise writers across processes
    import fcntl
except ImportError:  # pragma: no cover - Windows: one writer process at a time
    fcntl = None  # type: ignore[assignment]


class JournalSettings(BaseModel):
    """``ledger: {kind: journal, path: var/journal.jsonl, prefix: PI-}``."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    prefix: str = "PI-"


def posting_record(posting: Posting, number: str) -> dict[str, Any]:
    """The journal line for ``posting`` (Business Central field names, amounts as strings)."""
    return {
        "number": number,
        "postedAt": datetime.now(UTC).isoformat(),
        "idempotency_key": posting.idempotency_key,
        "document_sha256": posting.document_sha256,
        "documentType": posting.document_type,
        "vendorNumber": posting.vendor_number,
        "vendorInvoiceNumber": posting.vendor_invoice_number,
        "invoiceDate": posting.invoice_date.isoformat() if posting.invoice_date else None,
        "dueDate": posting.due_date.isoformat() if posting.due_date else None,
        "currencyCode": posting.currency,
        "netAmount": str(posting.net_amount),
        "vatAmount": str(posting.vat_amount),
        "grossAmount": str(posting.gross_amount),
        "customerId": posting.customer_id,
        "accountString": posting.account_string,
        "filename": posting.filename,
        "lines": [
            {
                "description": line.description,
                "quantity": str(line.quantity),
                "unitCost": str(line.unit_cost),
                "netAmount": str(line.net_amount),
                "vatRate": str(line.vat_rate),
                "vatAmount": str(line.vat_amount),
                "account": line.account,
                "dimensions": dict(line.dimensions),
            }
            for line in posting.lines
        ],
    }


Settings = JournalSettings  # the conventional name config loaders look for


class JournalLedger:
    """Posts to an append-only JSON Lines journal; implements :class:`connectors.base.Ledger`."""

    name = "journal"
    Settings = JournalSettings

    def __init__(self, path: Path, *, prefix: str = "PI-") -> None:
        self.path = Path(path)
        self.prefix = prefix
        self._lock = threading.Lock()
        self._index: dict[str, str] | None = None
        self._good_size = 0  # bytes up to the end of the last complete line
        self._count = 0

    @classmethod
    def from_settings(cls, settings: JournalSettings, base_dir: Path) -> JournalLedger:
        return cls(base_dir / settings.path, prefix=settings.prefix)

    def _load(self) -> dict[str, str]:
        if self._index is not None:
            return self._index
        index: dict[str, str] = {}
        good = 0
        count = 0
        if self.path.exists():
            data = self.path.read_bytes()
            pos = 0
            while pos < len(data):
                end = data.find(b"\n", pos)
                if end < 0:
                    break  # torn last line: no newline, the write never finished
                raw = data[pos:end]
                pos = end + 1
                if not raw.strip():
                    good = pos
                    continue
                try:
                    record = json.loads(raw)
                except ValueError as exc:
                    if pos >= len(data):
                        break  # a torn last line that happens to end in a newline
                    raise ConnectorError(
                        f"{self.path}: line {count + 1} is not JSON ({exc}); the journal is damaged"
                    ) from exc
                index[str(record["idempotency_key"])] = str(record["number"])
                count += 1
                good = pos
        self._index, self._good_size, self._count = index, good, count
        return index

    def find(self, posting: Posting) -> str | None:
        with self._lock:
            return self._load().get(posting.idempotency_key)

    def post(self, posting: Posting) -> str:
        with self._lock:
            existing = self._load().get(posting.idempotency_key)
            if existing is not None:
                return existing
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("ab") as fh:
                    if fcntl is not None:
                        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # released when the file closes
                    if fh.tell() != self._good_size:
                        self._index = None  # another process appended, or a torn line: re-read
                        existing = self._load().get(posting.idempotency_key)
                        if existing is not None:
                            return existing
                    if fh.tell() > self._good_size:
                        fh.truncate(self._good_size)  # cut a torn line left by a crash
                    number = f"{self.prefix}{self._count + 1:06d}"
                    line = (json.dumps(posting_record(posting, number), ensure_ascii=False) + "\n").encode()
                    fh.write(line)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise TransientError(f"cannot write journal {self.path}: {exc}") from exc
            self._good_size += len(line)
            self._count += 1
            assert self._index is not None
            self._index[posting.idempotency_key] = number
            return number

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

    def close(self) -> None:
        """Forget the in-memory index (the next call reloads it)."""
        with self._lock:
            self._index = None
