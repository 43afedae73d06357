"""Bank files in the store: each file's bytes stored before anything else happens to it.

    >>> import tempfile
    >>> from robot.store.repo import Store
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = Store.open(f"sqlite:///{tmp.name}/fakturarobot.db")
    >>> files = BankFiles(store.sessions)
    >>> first = files.store("ntf-1.xml", b"<Document/>")
    >>> again = files.store("ntf-1-copy.xml", b"<Document/>")  # the same bytes under another name
    >>> first.new, again.new, again.id == first.id, again.filename
    (True, False, True, 'ntf-1.xml')
    >>> files.record_read(first.id, message="camt.054.001.02")
    >>> files.get(first.id).message
    'camt.054.001.02'
    >>> store.close(); tmp.cleanup()

The same bytes arriving again (under any name, from any source) are recognised by their sha256
and not stored again: the file keeps its first name and time. What reading it gave is recorded
on the row (``message``, or ``read_error``); a file stored but never read (the process stopped in
between) is listed by :meth:`BankFiles.unread`, so nothing is lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, sessionmaker
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from robot.errors import StoreError
from robot.store.schema import BankFileRow

MAX_ERROR = 2000  # characters of a read error kept
NO_CONTENT = defer(BankFileRow.content)  # rows read for what they say, not their bytes


@dataclass(frozen=True, slots=True)
class StoredBankFile:
    id: int
    sha256: str
    size: int
    filename: str
    first_seen_at: datetime
    message: str | None
    read_error: str | None
    new: bool = False  # True only for the call that stored these bytes first

    @property
    def read(self) -> bool:
        """Whether reading it was recorded (as a message or as an error)."""
        return self.message is not None or self.read_error is not None


def _stored(row: BankFileRow, new: bool = False) -> StoredBankFile:
    return StoredBankFile(
        row.id, row.sha256, row.size, row.filename, row.first_seen_at, row.message, row.read_error, new
    )


class BankFiles:
    """The bank files of one store (``BankFiles(store.sessions)``)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def store(self, filename: str, content: bytes) -> StoredBankFile:
        """Store ``content`` (once per sha256) and say whether it was new; safe to repeat."""
        digest = hashlib.sha256(content).hexdigest()
        # a concurrent worker stored the same bytes: look again, three tries in all
        again_if_raced = Retrying(
            retry=retry_if_exception_type(IntegrityError), stop=stop_after_attempt(3), reraise=True
        )
        return again_if_raced(self._store_once, filename, bytes(content), digest)

    def _store_once(self, filename: str, content: bytes, digest: str) -> StoredBankFile:
        with self.sessions.begin() as s:
            row = s.scalars(
                select(BankFileRow).options(NO_CONTENT).where(BankFileRow.sha256 == digest)
            ).one_or_none()
            if row is not None:
                return _stored(row)
            row = BankFileRow(sha256=digest, size=len(content), content=content, filename=filename[:512])
            s.add(row)
            s.flush()
            return _stored(row, new=True)

    def record_read(self, file_id: int, *, message: str | None = None, error: str | None = None) -> None:
        """Record what reading the file gave: its message, or why it could not be read."""
        if (message is None) == (error is None):
            raise ValueError("record_read takes a message or an error, exactly one")
        with self.sessions.begin() as s:
            done = s.execute(
                update(BankFileRow)
                .where(BankFileRow.id == file_id)
                .values(message=message, read_error=None if error is None else error[:MAX_ERROR])
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise StoreError(f"no bank file {file_id} in the store")

    def get(self, file_id: int) -> StoredBankFile:
        with self.sessions() as s:
            row = s.get(BankFileRow, file_id, options=[NO_CONTENT])
            if row is None:
                raise StoreError(f"no bank file {file_id} in the store")
            return _stored(row)

    def content(self, file_id: int) -> bytes:
        """The file's bytes exactly as received."""
        with self.sessions() as s:
            content = s.scalar(select(BankFileRow.content).where(BankFileRow.id == file_id))
            if content is None:
                raise StoreError(f"no bank file {file_id} in the store")
            return bytes(content)

    def by_sha256(self, digest: str) -> StoredBankFile | None:
        with self.sessions() as s:
            row = s.scalars(
                select(BankFileRow).options(NO_CONTENT).where(BankFileRow.sha256 == digest)
            ).one_or_none()
            return None if row is None else _stored(row)

    def unread(self) -> list[StoredBankFile]:
        """Files stored whose reading was never recorded, oldest first."""
        with self.sessions() as s:
            rows = s.scalars(
                select(BankFileRow)
                .options(NO_CONTENT)
                .where(BankFileRow.message.is_(None), BankFileRow.read_error.is_(None))
                .order_by(BankFileRow.id)
            )
            return [_stored(row) for row in rows]

    def listed(self, limit: int = 100) -> list[StoredBankFile]:
        """The newest ``limit`` bank files, newest first (no contents loaded)."""
        with self.sessions() as s:
            rows = s.scalars(
                select(BankFileRow).options(NO_CONTENT).order_by(BankFileRow.id.desc()).limit(limit)
            )
            return [_stored(row) for row in rows]
