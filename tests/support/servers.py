"""Servers for tests, all on 127.0.0.1: ASGI apps with the package's own helper, SMTP with aiosmtpd."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from typing import Any

from connectors.testing.localserver import serve

__all__ = ["Mailbox", "free_port", "serve", "smtp_server"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler: keeps what arrives (recipients and message), every RCPT asked for, and
    refuses a recipient with the reply ``rcpt_reply`` has for it."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.asked: list[str] = []
        self.rcpt_reply: dict[str, str] = {}

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.asked.append(address)
        reply = self.rcpt_reply.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def received_by(self) -> dict[str, int]:
        """How many messages each recipient got."""
        out: dict[str, int] = {}
        for rcpts, _ in self.messages:
            for r in rcpts:
                out[r] = out.get(r, 0) + 1
        return out


@contextmanager
def smtp_server(handler: object, port: int | None = None, **options: Any) -> Iterator[int]:
    """An aiosmtpd server for ``handler`` on 127.0.0.1 (``port``, else a free one) while the block
    runs; yields its port. ``options`` go to the aiosmtpd ``Controller`` (TLS, authentication)."""
    from aiosmtpd.controller import Controller

    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
