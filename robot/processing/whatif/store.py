"""The store opened so that it cannot be written: SQLite read-only, PostgreSQL read-only transactions.

A SQLite file is opened with ``mode=ro`` (SQLite refuses every write, and a read-only connection
never checkpoints, so the file's bytes stay as they were); PostgreSQL sessions run as
``SET TRANSACTION READ ONLY``. The schema is checked as every read-only command checks it
(:func:`robot.store.db.open_existing`: an older or unknown schema is refused, never upgraded).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from robot.store.db import StoreUnavailable, normalize, open_existing
from robot.store.repo import Store


def read_only_url(url: str) -> str:
    """``url`` with a SQLite file opened read-only (``file:...?mode=ro``); other URLs unchanged.

    >>> read_only_url("postgresql://robot@db/fr")
    'postgresql+psycopg://robot@db/fr'
    """
    url = normalize(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return url
    path = parsed.database
    if not path or path == ":memory:":
        raise StoreUnavailable(url, "an in-memory SQLite database holds no store to open")
    if path.startswith("file:"):
        return parsed.set(query={**parsed.query, "mode": "ro", "uri": "true"}).render_as_string(
            hide_password=False
        )
    if not Path(path).is_file():
        raise StoreUnavailable(url, f"the file {path} does not exist; nothing was created")
    query = {**parsed.query, "mode": "ro", "uri": "true"}
    return parsed.set(database="file:" + quote(path), query=query).render_as_string(hide_password=False)


def open_read_only(url: str) -> Store:
    """The store at ``url``, which this process cannot change. Raises StoreUnavailable."""
    engine = open_existing(read_only_url(url))
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(postgresql_readonly=True)  # type: ignore[assignment]
    return Store(engine)
