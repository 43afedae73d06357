"""The creditor console's people, their sessions and the login throttle (migration 0006).

Passwords are kept as argon2id hashes (argon2-cffi's defaults, RFC 9106's low-memory profile);
a session cookie's token only as its sha256, so a copy of the database opens no session. All
state lives in the database: several console processes behind a load balancer share it.

    >>> import tempfile
    >>> from robot.store.repo import Store
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = Store.open(f"sqlite:///{tmp.name}/fakturarobot.db")
    >>> people = Users(store.sessions)
    >>> people.add("anna", "creditor", "correct horse battery")
    >>> people.check_password("anna", "correct horse battery").role, people.check_password("anna", "x")
    ('creditor', None)
    >>> store.close(); tmp.cleanup()
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from robot.store.schema import LoginAttemptRow, UserRow, WebSessionRow, utcnow

#: the roles, least to most: a customer sees only its own institution's invoices (customer pages),
#: a viewer reads, a creditor also decides, an admin also manages people
ROLES = ("customer", "viewer", "creditor", "admin")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")

HASHER = PasswordHasher()  # argon2id, 64 MiB, 3 passes, 4 lanes
#: verified against when the name is unknown, so an unknown name costs the same time as a known one
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Person:
    """A console user as the store knows them (never the hash)."""

    name: str
    role: str
    customer_id: str | None
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class LiveSession:
    """A valid session: who, and the CSRF token its forms must carry."""

    session_id: int
    person: Person
    csrf_token: str


@dataclass(frozen=True)
class Failures:
    """Failed logins inside the throttle window: per name, per address, and the oldest of them."""

    by_name: int
    by_address: int
    oldest: datetime | None


class UserError(ValueError):
    """A user that cannot be added or changed as asked (the message says why)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _person(row: UserRow) -> Person:
    return Person(row.name, row.role, row.customer_id, row.disabled, row.created_at)


class Users:
    """The ``users``, ``web_sessions`` and ``login_attempts`` tables, over the store's sessions."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # --- people -----------------------------------------------------------------------------

    def add(self, name: str, role: str, password: str, customer_id: str | None = None) -> None:
        if not NAME.fullmatch(name):
            raise UserError(f"user name {name!r}: letters, digits and . _ @ - only (at most 128)")
        if role not in ROLES:
            raise UserError(f"role {role!r}: one of {', '.join(ROLES)}")
        if role == "customer" and not customer_id:
            raise UserError("a customer user needs the customer (institution) it belongs to: --customer ID")
        if len(password) < 12:
            raise UserError("the password must have at least 12 characters")
        with self.sessions.begin() as s:
            if s.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
                raise UserError(f"user {name!r} exists already")
            s.add(UserRow(name=name, role=role, customer_id=customer_id, password_hash=HASHER.hash(password)))

    def all(self) -> list[Person]:
        with self.sessions() as s:
            return [_person(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def get(self, name: str) -> Person | None:
        with self.sessions() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            return None if row is None else _person(row)

    def disable(self, name: str) -> bool:
        """Disable the user and end every session of theirs; False if there is no such user."""
        with self.sessions.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                return False
            row.disabled = True
            s.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
            return True

    def set_password(self, name: str, password: str) -> bool:
        """A new password for the user (their sessions end); False if there is no such user."""
        if len(password) < 12:
            raise UserError("the password must have at least 12 characters")
        with self.sessions.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                return False
            row.password_hash = HASHER.hash(password)
            s.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
            return True

    def stored_hash(self, name: str) -> str | None:
        with self.sessions() as s:
            return s.scalar(select(UserRow.password_hash).where(UserRow.name == name))

    def check_password(self, name: str, password: str) -> Person | None:
        """The enabled user whose password this is, else None (same work for an unknown name)."""
        with self.sessions.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            try:
                HASHER.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                return None
            if row is None or row.disabled:
                return None
            if HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = HASHER.hash(password)
            return _person(row)

    def enabled(self, name: str) -> Person | None:
        """The user by name if they exist and are enabled (single sign-on maps to them)."""
        person = self.get(name)
        return person if person is not None and not person.disabled else None

    # --- sessions ---------------------------------------------------------------------------

    def open_session(self, name: str) -> tuple[str, str]:
        """A new session for the user: (the cookie's token, the session's CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utcnow()
        with self.sessions.begin() as s:
            user_id = s.scalar(select(UserRow.id).where(UserRow.name == name, UserRow.disabled.is_(False)))
            if user_id is None:
                raise UserError(f"no enabled user {name!r}")
            s.add(
                WebSessionRow(
                    token_hash=token_hash(token),
                    user_id=user_id,
                    csrf_token=csrf,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return token, csrf

    def session(self, token: str, *, idle: timedelta, lifetime: timedelta) -> LiveSession | None:
        """The session of the cookie's token, if it is valid now; an expired one is deleted.

        Valid: the row exists, its user is enabled, it was used within ``idle`` and opened within
        ``lifetime``. ``last_seen_at`` is renewed (at most once a minute, to spare writes).
        """
        now = utcnow()
        with self.sessions.begin() as s:
            found = s.execute(
                select(WebSessionRow, UserRow)
                .join(UserRow, UserRow.id == WebSessionRow.user_id)
                .where(WebSessionRow.token_hash == token_hash(token))
            ).one_or_none()
            if found is None:
                return None
            row, user = found
            if user.disabled or now - row.last_seen_at > idle or now - row.created_at > lifetime:
                s.delete(row)
                return None
            if now - row.last_seen_at > timedelta(minutes=1):
                row.last_seen_at = now
            return LiveSession(row.id, _person(user), row.csrf_token)

    def close_session(self, token: str) -> None:
        with self.sessions.begin() as s:
            s.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash(token)))

    def purge_sessions(self, *, idle: timedelta, lifetime: timedelta) -> int:
        """Delete the sessions that can no longer be used; returns how many."""
        now = utcnow()
        with self.sessions.begin() as s:
            gone = s.execute(
                delete(WebSessionRow).where(
                    (WebSessionRow.last_seen_at < now - idle) | (WebSessionRow.created_at < now - lifetime)
                )
            )
            return int(getattr(gone, "rowcount", 0) or 0)

    # --- the login throttle -----------------------------------------------------------------

    def record_attempt(self, name: str, address: str, *, ok: bool) -> None:
        with self.sessions.begin() as s:
            s.add(LoginAttemptRow(at=utcnow(), username=name.lower()[:128], address=address[:64], ok=ok))

    def failures(self, name: str, address: str, *, window: timedelta) -> Failures:
        """The failed logins within ``window`` for the name (since its last success) and the address."""
        since = utcnow() - window
        key = name.lower()[:128]
        with self.sessions() as s:
            last_ok = s.scalar(
                select(func.max(LoginAttemptRow.at)).where(
                    LoginAttemptRow.username == key, LoginAttemptRow.ok.is_(True), LoginAttemptRow.at >= since
                )
            )
            start = max(since, last_ok) if last_ok is not None else since
            by_name, oldest_name = s.execute(
                select(func.count(), func.min(LoginAttemptRow.at)).where(
                    LoginAttemptRow.username == key, LoginAttemptRow.ok.is_(False), LoginAttemptRow.at > start
                )
            ).one()
            by_address, oldest_address = s.execute(
                select(func.count(), func.min(LoginAttemptRow.at)).where(
                    LoginAttemptRow.address == address[:64],
                    LoginAttemptRow.ok.is_(False),
                    LoginAttemptRow.at >= since,
                )
            ).one()
        oldest = [t for t in (oldest_name, oldest_address) if t is not None]
        return Failures(int(by_name), int(by_address), min(oldest) if oldest else None)

    def forget_attempts(self, *, older_than: timedelta) -> None:
        with self.sessions.begin() as s:
            s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < utcnow() - older_than))
