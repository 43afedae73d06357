"""Notices as ``.eml`` files in an outbox folder: for demos, and for mail systems that pick files up.

Each :class:`~connectors.base.OutgoingNotice` becomes one RFC 5322 message (UTF-8, plain text with an
optional HTML alternative, attachments) named after its ``notice_key``. The message carries the
sha256 of its content (``X-Fakturarobot-Content-SHA256``: addresses, subject, bodies, attachments;
not the Date or MIME boundaries). A file is published with a hard link, so it never replaces
another:

- the same notice written again (our own earlier attempt that crashed before the outbox recorded
  it as sent) finds a file with the same content digest and is treated as written: no duplicate;
- a *different* notice under the same file name (another store or robot sharing the folder) is
  written beside it as ``<key>.<digest12>.eml`` and a warning is logged: nothing is skipped.

The notifier never reports a notice as written that is not in the folder::

    >>> import tempfile
    >>> outbox = Path(tempfile.mkdtemp())
    >>> notice = OutgoingNotice("run-1:ufst", ("kreditor@ufst.dk",), "Returnerede fakturaer", "Hej")
    >>> EmlNotifier(outbox).send(notice)
    >>> sorted(p.name for p in outbox.iterdir())
    ['run-1_ufst.eml']
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import formatdate, make_msgid
from hashlib import sha256
from pathlib import Path

from loguru import logger
from pydantic import BaseModel, ConfigDict

from connectors.base import Notifier, OutgoingNotice
from robot.errors import BusinessError, ConnectorError, TransientError

DEFAULT_FROM = "fakturarobot@localhost"
DIGEST_HEADER = "X-Fakturarobot-Content-SHA256"
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV}


class NotifierDown(TransientError):
    """The notifier can deliver nothing now (mail server unreachable, outbox folder not writable):
    every other notice would fail the same way, so the run stops trying until the next one."""


class NotifierMisconfigured(BusinessError):
    """The mail server refuses the robot itself (login, TLS certificate, STARTTLS, sender), not
    this notice: no notice is refused for it, they wait until the notifier settings are fixed."""


#: failures of the notifier as a whole, not of one notice (see robot.processing.returns.send_notices)
NOTIFIER_FAILURES: tuple[type[ConnectorError], ...] = (NotifierDown, NotifierMisconfigured)


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


def content_digest(notice: OutgoingNotice, from_address: str) -> str:
    """The sha256 of what a notice says and to whom: stable across attempts (no Date, no boundary)."""
    canonical = {
        "key": notice.notice_key,
        "from": from_address,
        "to": list(notice.to),
        "subject": notice.subject,
        "text": notice.text,
        "html": notice.html,
        "attachments": [[name, mime, sha256(data).hexdigest()] for name, data, mime in notice.attachments],
    }
    return sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


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
    msg[DIGEST_HEADER] = content_digest(notice, from_address)
    msg.set_content(notice.text, subtype="plain", charset="utf-8")
    if notice.html is not None:
        msg.add_alternative(notice.html, subtype="html", charset="utf-8")
    for filename, content, mime in notice.attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(
            content, maintype=maintype or "application", subtype=subtype or "octet-stream", filename=filename
        )
    return msg


def written_digest(path: Path) -> str | None:
    """The content digest recorded in an ``.eml`` file's headers (None for a file without one)."""
    with path.open("rb") as fh:
        value = BytesHeaderParser().parse(fh).get(DIGEST_HEADER)
    return str(value).strip() if value is not None else None


def eml_filename(notice_key: str) -> str:
    """A safe file name for a notice key: ``run-1:ufst`` → ``run-1_ufst.eml``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", notice_key).strip("._") + ".eml"


Settings = EmlSettings  # the short name the docs and tests use


class EmlNotifier(Notifier):
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
        """Write the notice atomically (temp file, then a hard link that never replaces a file).

        Raises :class:`NotifierDown` when the folder cannot be written.
        """
        target = self.path_for(notice.notice_key)
        message = build_message(notice, self.from_address)
        digest = str(message[DIGEST_HEADER])
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.outbox, prefix=".tmp-", suffix=".eml")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(bytes(message))
                    fh.flush()
                    os.fsync(fh.fileno())
                if self._publish(tmp, target, digest):
                    return
                beside = target.with_name(f"{target.stem}.{digest[:12]}.eml")
                logger.warning(
                    "outbox {}: {} holds another notice with key {}; writing this one as {}",
                    self.outbox,
                    target.name,
                    notice.notice_key,
                    beside.name,
                )
                if not self._publish(tmp, beside, digest):
                    raise BusinessError(
                        f"outbox {self.outbox}: {target.name} and {beside.name} hold other notices"
                    )
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as exc:
            raise NotifierDown(f"cannot write notice to {target}: {exc}") from exc

    @staticmethod
    def _publish(tmp: str, target: Path, digest: str) -> bool:
        """Make ``tmp`` appear as ``target`` unless it exists. True if ``target`` now holds this
        content (just written, or written by an earlier attempt); False if it holds another."""
        try:
            os.link(tmp, target)
            return True
        except FileExistsError:
            pass
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            if not target.exists():  # a file system without hard links: check, then rename
                os.replace(tmp, target)
                return True
        return written_digest(target) == digest

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
