"""Cross-process, cross-machine locks so one schedule runs at most once at a time.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on its own connection;
the server drops it when that connection or the machine dies, so a crash never leaves it stuck.
SQLite (one machine by nature): an ``fcntl`` file lock beside the database file, which the kernel
drops when the process dies. Both are try-locks: they never wait::

    with try_lock(store.engine, "schedule:morning") as held:
        if held:
            robot.run(options)
        else:
            print("another machine is running 'morning'; skipped")

A second holder is refused at once, even in the same process:

    >>> import tempfile
    >>> from robot.store.repo import Store
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = Store.open(f"sqlite:///{tmp.name}/robot.db")
    >>> with try_lock(store.engine, "schedule:morning") as held:
    ...     with try_lock(store.engine, "schedule:morning") as again:
    ...         held, again
    (True, False)
    >>> store.close(); tmp.cleanup()
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` (the same on every machine)."""
    digest = hashlib.blake2b(f"fakturarobot:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_file(engine: Engine, name: str) -> Path:
    """Where the SQLite file lock for ``name`` lives: beside the database (temp dir for :memory:)."""
    database = engine.url.database
    folder = (
        Path(database).resolve().parent
        if database and database != ":memory:"
        else Path(tempfile.gettempdir())
    )
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return folder / f".fakturarobot-{safe}.lock"


class Lock:
    """A try-lock on ``name``; :meth:`acquire` returns False at once when someone else holds it."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._conn: Connection | None = None
        self._file: IO[bytes] | None = None
        self._key = 0

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def acquire(self) -> bool:
        if self.held:
            raise RuntimeError(f"lock {self.name!r} is already held by this object")
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            schema = conn.execute(text("SELECT current_schema()")).scalar()
            self._key = lock_key(f"{schema}:{self.name}")  # one database may hold several robots
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar())
            conn.commit()
            if got:
                self._conn = conn
            else:
                conn.close()
            return got
        path = lock_file(self.engine, self.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = path.open("a+b")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n".encode())
        fh.flush()
        self._file = fh
        return True

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                conn.commit()
            finally:
                conn.close()
        if self._file is not None:
            fh, self._file = self._file, None
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()


@contextmanager
def try_lock(engine: Engine, name: str) -> Iterator[bool]:
    """``with try_lock(engine, name) as held:`` — ``held`` is False when another holder has it."""
    lock = Lock(engine, name)
    held = lock.acquire()
    try:
        yield held
    finally:
        if held:
            lock.release()
