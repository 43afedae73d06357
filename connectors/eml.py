"""Notices as ``.eml`` files in an outbox folder: for demos, and for mail systems that pick files up.

Each :class:`~connectors.base.OutgoingNotice` becomes one RFC 5322 message (UTF-8, plain text with an
optional HTML alternative, attachments) named after its ``notice_key``. Writing the same key twice is
a no-op, so a resent outbox never duplicates a file::

    >>> import tempfile
    >>> outbox = Path(tempfile.mkdtemp())
    >>> notice = OutgoingNotice("run-1:ufst", ("kreditor@ufst.dk",), "Returnerede fakturaer", "Hej")
    >>> EmlNotifier(outbox).send(notice)
    >>> sorted(p.name for p in outbox.iterdir())
    ['run-1_ufst.eml']
"""

from __future__ import annotations

import os
import re
import tempfile
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from hashlib import sha256
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from connectors.base import OutgoingNotice
from robot.errors import ConnectorError, TransientError

DEFAULT_FROM = "fakturarobot@localhost"


class EmlSettings(BaseModel):
    """``notifier: {kind: eml, outbox: var/outbox, from_address: kreditor@example.dk}``."""

    model_config = ConfigDict(extra="forbid")

    outbox: Path
    from_address: str = DEFAULT_FROM


def message_id(notice_key: str, domain: str = "fakturarobot") -> str:
    """A stable Message-ID for a notice: the same notice always gets the same id.

    >>> message_id("run-1:ufst")
    '<notice.run-1.ufst.f8302cc5dcd6@fakturarobot>'
    """
    digest = sha256(notice_key.encode()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9.-]+", ".", notice_key).strip(".")[:60]
    return f"<notice.{safe}.{digest}@{domain}>"


def build_message(notice: OutgoingNotice, from_address: str) -> EmailMessage:
    """The RFC 5322 message for ``notice`` (text first, HTML alternative, then attachments)."""
    msg = EmailMessage()
    msg["From"] = from_address
    msg["To"] = ", ".join(notice.to)
    msg["Subject"] = notice.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = from_address.rpartition("@")[2] or "fakturarobot"
    msg["Message-ID"] = message_id(notice.notice_key, domain) if notice.notice_key else make_msgid()
    msg["X-Fakturarobot-Notice-Key"] = notice.notice_key
    msg.set_content(notice.text, subtype="plain", charset="utf-8")
    if notice.html is not None:
        msg.add_alternative(notice.html, subtype="html", charset="utf-8")
    for filename, content, mime in notice.attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(
            content, maintype=maintype or "application", subtype=subtype or "octet-stream", filename=filename
        )
    return msg


def eml_filename(notice_key: str) -> str:
    """A safe file name for a notice key: ``run-1:ufst`` → ``run-1_ufst.eml``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", notice_key).strip("._") + ".eml"


Settings = EmlSettings  # the conventional name config loaders look for


class EmlNotifier:
    """Writes notices as ``.eml`` files; implements :class:`connectors.base.Notifier`."""

    name = "eml"
    Settings = EmlSettings

    def __init__(self, outbox: Path, *, from_address: str = DEFAULT_FROM) -> None:
        self.outbox = Path(outbox)
        self.from_address = from_address

    @classmethod
    def from_settings(cls, settings: EmlSettings, base_dir: Path) -> EmlNotifier:
        return cls(base_dir / settings.outbox, from_address=settings.from_address)

    def path_for(self, notice_key: str) -> Path:
        return self.outbox / eml_filename(notice_key)

    def send(self, notice: OutgoingNotice) -> None:
        """Write the notice atomically (temp file + rename); an existing file for the key is kept."""
        target = self.path_for(notice.notice_key)
        if target.exists():
            return
        data = bytes(build_message(notice, self.from_address))
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.outbox, prefix=".tmp-", suffix=".eml")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as exc:
            raise TransientError(f"cannot write notice to {target}: {exc}") from exc

    def probe(self) -> str:
        """The outbox folder exists (or can be made) and is writable; nothing is written."""
        existing = self.outbox
        while not existing.exists():
            existing = existing.parent
        if not os.access(existing, os.W_OK):
            raise ConnectorError(f"outbox folder {self.outbox} is not writable")
        return f"outbox {self.outbox} writable"

    def close(self) -> None:
        """Nothing to release."""
