"""Where the store lives, and bringing its schema up to date with Alembic.

Two ways to open it. Commands that write the store's first rows (``run``, ``scheduler``,
``worker``, ``demo``) use :func:`open_engine`, which creates a SQLite file and migrates the schema
to the latest revision. Everything else uses :func:`open_existing`, which never creates a file or a
schema: a missing SQLite file, a database without the robot's schema (empty, or another
application's) or a schema of an unknown revision raises :class:`StoreUnavailable` naming the URL.
Any SQLAlchemy URL works; PostgreSQL is tested in CI. Which URL a command uses is decided in
``robot.cli.store_lookup``; a SQLite path in the configuration is relative to the configuration
file (:func:`relative_to`)::

    engine = open_engine("sqlite:///var/fakturarobot.db")      # creates and migrates
    engine = open_existing("sqlite:///var/fakturarobot.db")    # or StoreUnavailable
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from robot.configuration.envvars import DEFAULT_URL as DEFAULT_URL
from robot.configuration.envvars import ENV_URL as ENV_URL
from robot.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreUnavailable(ConfigError):
    """No usable store at the URL: missing file, no or a foreign schema, or no connection.

    ``url`` is the URL with its password hidden; the message names it.
    """

    def __init__(self, url: str, reason: str, *, source: str | None = None) -> None:
        self.url = shown(url)
        self.reason = reason
        self.source = source
        chosen = f" (from {source})" if source else ""
        super().__init__(f"no fakturarobot store at {self.url}{chosen}: {reason}")


def normalize(url: str) -> str:
    """``postgresql://`` means psycopg 3 (SQLAlchemy's default driver for it is psycopg2)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def shown(url: str) -> str:
    """The URL for messages: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return url


def resolve_url(configured: str | None = None) -> str:
    """The environment wins over the configuration; SQLite under ./var/ is the default."""
    return normalize(os.environ.get(ENV_URL) or configured or DEFAULT_URL)


def relative_to(url: str, base: Path) -> str:
    """A SQLite URL with a relative path made absolute under ``base``; other URLs unchanged.

    >>> relative_to("sqlite:///../var/demo/robot.db?timeout=5", Path("/srv/robot/conf"))
    'sqlite:////srv/robot/var/demo/robot.db?timeout=5'
    >>> relative_to("sqlite:////data/robot.db", Path("/srv"))
    'sqlite:////data/robot.db'
    >>> relative_to("postgresql://robot@db/fakturarobot", Path("/srv"))
    'postgresql://robot@db/fakturarobot'
    """
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return url
    if Path(path).is_absolute():
        return url
    return parsed.set(database=str((base / path).resolve())).render_as_string(hide_password=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_engine(url: str | URL, parsed: URL, *, set_wal: bool) -> Engine:
    # busy timeout: 30 s unless the URL says otherwise (``sqlite:///robot.db?timeout=5``)
    engine = create_engine(url, connect_args={} if "timeout" in parsed.query else {"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        if set_wal:  # persistent in the file: set when the store is created, never on a foreign file
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL, not NORMAL: a receipt is committed before the source forgets the document, so
        # it must survive a power cut too (NORMAL in WAL mode may lose the last commits). Cost
        # measured: ~15 % on a 200-invoice run on local disk (3.7-4.0 s → 4.4-4.5 s).
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    return engine


def create(url: str) -> Engine:
    """An engine for the URL (SQLite gets WAL, synchronous=FULL, foreign keys and a busy timeout)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return _sqlite_engine(url, parsed, set_wal=True)
    # No pre-ping: it costs a round trip per transaction; a dropped connection fails one step,
    # which the run retries like any application failure. Connections are recycled hourly.
    return create_engine(url, pool_recycle=3600)


def _head(url: str) -> tuple[ScriptDirectory, str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    assert head is not None
    return script, head


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the latest revision (a no-op when it is current)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_engine(url: str | None = None) -> Engine:
    """Create the store if needed and migrate it (``FAKTURAROBOT_DATABASE_URL`` wins over ``url``)."""
    engine = create(resolve_url(url))
    migrate(engine)
    return engine


def _existing_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_recycle=3600)
    path = parsed.database
    if not path or path == ":memory:":
        raise StoreUnavailable(url, "an in-memory SQLite database holds no store to open")
    if not path.startswith("file:"):
        if not Path(path).is_file():
            raise StoreUnavailable(url, f"the file {path} does not exist; nothing was created")
        # mode=rw: SQLite opens the file or fails, never creates it (even if it vanished meanwhile)
        query = {**parsed.query, "mode": "rw", "uri": "true"}
        return _sqlite_engine(parsed.set(database="file:" + quote(path), query=query), parsed, set_wal=False)
    return _sqlite_engine(url, parsed, set_wal=False)


def _revision(engine: Engine, url: str) -> str:
    """The store's schema revision, or StoreUnavailable when it is not a fakturarobot store."""
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            tables = [] if current else sorted(inspect(conn).get_table_names())
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreUnavailable(url, f"cannot read it ({reason})") from None
    if current is None:
        if not tables:
            raise StoreUnavailable(url, "the database is empty (no fakturarobot schema); nothing was created")
        listed = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreUnavailable(url, f"no fakturarobot schema (another application's tables: {listed})")
    return current


def open_existing(url: str, *, upgrade: bool = False) -> Engine:
    """An engine for the store at exactly ``url``, which must exist with the robot's schema.

    Never creates a file or a schema. A store of an older revision is upgraded if ``upgrade``
    (commands that record decisions), else refused (read-only commands never change the store).
    Raises :class:`StoreUnavailable`.
    """
    url = normalize(url)
    try:
        engine = _existing_engine(url)
    except (SQLAlchemyError, ValueError) as exc:  # pragma: no cover - a URL SQLAlchemy cannot use
        raise StoreUnavailable(url, str(exc)) from None
    try:
        current = _revision(engine, url)
        script, head = _head(url)
        if current != head:
            if current not in {rev.revision for rev in script.walk_revisions()}:
                raise StoreUnavailable(
                    url, f"schema revision {current!r} is unknown to this version (a newer fakturarobot?)"
                )
            if not upgrade:
                raise StoreUnavailable(
                    url,
                    f"schema revision {current} is older than this version's {head}; "
                    "the next run (fakturarobot run, scheduler or worker) upgrades it",
                )
            migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
