"""The status API's tokens (migration 0011): each bound to one customer, stored hashed, revocable.

A token is ``secrets.token_urlsafe(32)``, shown once when it is made; the store keeps only its
sha256, so a copy of the database opens nothing. A revoked token stays listed but opens nothing.

    >>> import tempfile
    >>> from robot.store.repo import Store
    >>> tmp = tempfile.TemporaryDirectory()
    >>> store = Store.open(f"sqlite:///{tmp.name}/fakturarobot.db")
    >>> tokens = ApiTokens(store.sessions)
    >>> made = tokens.add("5798000000001", "purchase system")
    >>> tokens.customer_of(made.token), tokens.customer_of("not a token")
    ('5798000000001', None)
    >>> tokens.revoke(made.token_id), tokens.customer_of(made.token)
    (True, None)
    >>> store.close(); tmp.cleanup()
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from robot.store.schema import ApiTokenRow, utcnow
from robot.store.users import token_hash

#: a token longer than this is no token of ours (not looked up)
MAX_TOKEN = 128


class TokenError(ValueError):
    """A token that cannot be made as asked (the message says why)."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``token`` is the only time its value is known."""

    token_id: int
    customer_id: str
    name: str
    token: str


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never its value or hash)."""

    token_id: int
    customer_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokens:
    """The ``api_tokens`` table, over the store's sessions."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def add(self, customer_id: str, name: str = "") -> NewToken:
        customer_id = customer_id.strip()
        if not customer_id or len(customer_id) > 64:
            raise TokenError("a token needs its customer (at most 64 characters): --customer ID")
        if len(name) > 128:
            raise TokenError("the token's name: at most 128 characters")
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as s:
            row = ApiTokenRow(token_hash=token_hash(token), customer_id=customer_id, name=name)
            s.add(row)
            s.flush()
            return NewToken(row.id, customer_id, name, token)

    def all(self) -> list[TokenInfo]:
        with self.sessions() as s:
            return [
                TokenInfo(r.id, r.customer_id, r.name, r.created_at, r.last_used_at, r.revoked_at)
                for r in s.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))
            ]

    def revoke(self, token_id: int) -> bool:
        """Revoke the token (at once); False if there is no such token or it was revoked already."""
        with self.sessions.begin() as s:
            row = s.get(ApiTokenRow, token_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            return True

    def customer_of(self, token: str) -> str | None:
        """The customer of a valid (not revoked) token, else None; notes its use (once a minute)."""
        if not token or len(token) > MAX_TOKEN:
            return None
        now = utcnow()
        with self.sessions.begin() as s:
            row = s.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash(token)))
            if row is None or row.revoked_at is not None:
                return None
            if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
                row.last_used_at = now
            return row.customer_id
