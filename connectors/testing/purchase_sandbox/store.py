"""The purchase-system sandbox's data: documents from a folder, outcomes in ``.outcomes.json``.

A document is any file in the folder (not hidden, not a sidecar). Its metadata comes from a
sidecar ``<file>.meta.json`` or ``<stem>.meta.json`` (keys ``customer``, ``approver``, ``remark``,
``account``), like ``samples/inbox``::

    >>> store = InvoiceStore(Path("samples/inbox"))
    >>> store.invoice(store.documents()["0001-peppol-clean.xml"])["customer"]
    'SFE'

The id is the file name with anything outside ``[A-Za-z0-9._-]`` replaced by ``_``. Outcomes and
"fetched" marks live in memory and are written through to ``folder/.outcomes.json`` (atomically),
so a restarted sandbox remembers what the robot reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loguru import logger

OUTCOMES_FILE = ".outcomes.json"
META_SUFFIX = ".meta.json"
METADATA_KEYS = ("customer", "approver", "remark", "account")
CONTENT_TYPES = {".xml": "application/xml", ".pdf": "application/pdf"}
MAX_SIDECAR_BYTES = 64 * 1024


class OutcomeConflict(Exception):
    """A different outcome is already stored for the invoice."""


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    path: Path
    content_type: str


def _invoice_id(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return cleaned if cleaned[:1].isalnum() else f"x{cleaned}"


def _text(value: object) -> str | None:
    """A sidecar value as the contract's ``string | null`` (a number as its text; a list, object or
    boolean is not metadata)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat()


class InvoiceStore:
    """Documents in ``folder`` plus the outcomes the robot wrote back (thread-safe)."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise FileNotFoundError(f"sandbox folder does not exist: {folder}")
        self.folder = folder
        self._lock = threading.Lock()
        self._outcomes: dict[str, dict[str, Any]] = {}
        self._fetched: dict[str, str] = {}
        state_file = folder / OUTCOMES_FILE
        if state_file.exists():
            state = json.loads(state_file.read_text(encoding="utf-8"))
            self._outcomes = dict(state.get("outcomes", {}))
            self._fetched = dict(state.get("fetched", {}))

    def documents(self) -> dict[str, Document]:
        """Every document in the folder by id (the folder is rescanned: new files show up)."""
        found: dict[str, Document] = {}
        for path in sorted(self.folder.iterdir()):
            name = path.name
            if name.startswith(".") or name.endswith(META_SUFFIX) or path.is_symlink() or not path.is_file():
                continue  # hidden, a sidecar, a symlink (never served) or not a file
            doc_id = _invoice_id(name)
            if doc_id in found:
                logger.warning("sandbox: {} has the same id as another file; skipped", name)
                continue
            content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
            found[doc_id] = Document(doc_id, path, content_type)
        return found

    def _metadata(self, path: Path) -> dict[str, str | None]:
        """The sidecar's metadata; a sidecar that cannot be read or is not a JSON object of strings
        is logged and its invoice listed without metadata (one bad sidecar never fails the list)."""
        for sidecar in (path.with_name(path.name + META_SUFFIX), path.with_name(path.stem + META_SUFFIX)):
            try:
                if sidecar.is_symlink() or not sidecar.is_file():
                    continue
                if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
                    raise ValueError(f"more than {MAX_SIDECAR_BYTES} bytes")
                raw = json.loads(sidecar.read_bytes().decode("utf-8-sig"))
                if not isinstance(raw, dict):
                    raise ValueError(f"a JSON {type(raw).__name__}, not an object")
            except (OSError, ValueError, RecursionError) as exc:
                name = sidecar.name.encode("unicode_escape", "backslashreplace").decode("ascii")[:160]
                logger.warning("sandbox: sidecar {} unusable ({}); listed without metadata", name, exc)
                return dict.fromkeys(METADATA_KEYS)
            return {k: _text(raw.get(k)) for k in METADATA_KEYS}
        return dict.fromkeys(METADATA_KEYS)

    def invoice(self, doc: Document) -> dict[str, Any]:
        """The invoice as the API shows it (schema ``Invoice``)."""
        content = doc.path.read_bytes()
        stat = doc.path.stat()
        outcome = self._outcomes.get(doc.id)
        return {
            "id": doc.id,
            "filename": doc.path.name,
            "content_type": doc.content_type,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            **self._metadata(doc.path),
            "received_at": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
            "fetched_at": self._fetched.get(doc.id),
            "status": outcome["outcome"] if outcome else "ready",
        }

    def status(self, doc_id: str) -> str:
        outcome = self._outcomes.get(doc_id)
        return str(outcome["outcome"]) if outcome else "ready"

    def is_fetched(self, doc_id: str) -> bool:
        return doc_id in self._fetched

    def mark_fetched(self, doc_id: str) -> None:
        with self._lock:
            self._fetched.setdefault(doc_id, _now())
            self._save()

    def outcome(self, doc_id: str) -> dict[str, Any] | None:
        return self._outcomes.get(doc_id)

    def record_outcome(self, doc_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Store ``body`` (a validated Outcome); the same outcome again returns the stored one."""
        with self._lock:
            stored = self._outcomes.get(doc_id)
            candidate = {
                "invoice_id": doc_id,
                "outcome": body["outcome"],
                "erp_document_number": body.get("erp_document_number"),
                "reasons": body.get("reasons", []),
                "invoice_response": body.get("invoice_response"),
            }
            if stored is not None:
                same = all(stored[k] == v for k, v in candidate.items())
                if not same:
                    raise OutcomeConflict(
                        f"invoice {doc_id} already has outcome '{stored['outcome']}' "
                        f"recorded at {stored['recorded_at']}; a different outcome cannot replace it"
                    )
                return stored
            stored = {**candidate, "recorded_at": _now()}
            self._outcomes[doc_id] = stored
            self._save()
            return stored

    def _save(self) -> None:
        target = self.folder / OUTCOMES_FILE
        tmp = target.with_name(f"{OUTCOMES_FILE}.{os.getpid()}.tmp")
        state = {"version": 1, "outcomes": self._outcomes, "fetched": self._fetched}
        tmp.write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(target)
