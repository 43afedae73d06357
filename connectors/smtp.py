"""Notices by e-mail over SMTP (stdlib :mod:`smtplib`), optionally with STARTTLS and login.

The password never sits in the configuration file: the settings name the environment variable that
holds it. The Message-ID is derived from the notice key, so a notice resent after a crash can be
recognised (and de-duplicated) by the receiving side. Failures are classified the way the robot
retries them:

- about this notice: a recipient refused with ``5xx`` (550 no such user, 553 ...) or the message
  refused at DATA with ``5xx`` is a :class:`~robot.errors.BusinessError` (the notice is held as
  ``refused`` for the creditor team); ``4xx`` (451 try later) is a
  :class:`~robot.errors.TransientError` (the next run tries again);
- about the server (no connection, timeout, ``421`` greeting, ``4xx`` to MAIL FROM) is
  :class:`~connectors.eml.NotifierDown`, a TransientError: the run stops sending and every notice
  waits for the next run;
- the server refusing the robot itself (login ``535``, ``530`` STARTTLS demanded, an untrusted
  certificate, the sender refused with ``5xx``) is :class:`~connectors.eml.NotifierMisconfigured`,
  a BusinessError that refuses no notice: they wait until the settings are fixed::

    >>> settings = Settings(host="smtp.example.dk", port=587, starttls=True,
    ...                     username="robot", password_env="FAKTURAROBOT_SMTP_PASSWORD",
    ...                     from_address="kreditor@example.dk")
    >>> env = {"FAKTURAROBOT_SMTP_PASSWORD": "s3"}
    >>> notifier = SmtpNotifier.from_settings(settings, Path("."), environ=env)
    >>> notifier.host, notifier.port, notifier.starttls
    ('smtp.example.dk', 587, True)
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path

from loguru import logger
from pydantic import BaseModel, ConfigDict, Field, model_validator

from connectors.base import Notifier, OutgoingNotice
from connectors.eml import NotifierDown, NotifierMisconfigured, build_message
from robot.errors import BusinessError, ConfigError, TransientError


class SmtpSettings(BaseModel):
    """``notifier: {kind: smtp, host: ..., port: 587, starttls: true, username: ..., password_env: ...}``.

    For SMTPS (TLS from the first byte, usually port 465) set ``implicit_tls: true`` instead.
    """

    model_config = ConfigDict(extra="forbid")

    host: str
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    implicit_tls: bool = False  # SMTPS: TLS from the first byte (usually port 465) instead of STARTTLS
    username: str | None = None
    password_env: str | None = None  # name of the environment variable holding the password
    from_address: str
    timeout: float = Field(default=30.0, gt=0)
    ca_file: Path | None = None  # extra CA certificate(s) to trust, e.g. an internal relay's own CA

    @model_validator(mode="after")
    def _one_tls_mode(self) -> SmtpSettings:
        if self.starttls and self.implicit_tls:
            raise ValueError("choose one of starttls (port 587) and implicit_tls (port 465), not both")
        return self


Settings = SmtpSettings  # the short name the docs and tests use


@dataclass(eq=False)
class SmtpNotifier(Notifier):
    """Sends each notice as one e-mail; implements :class:`connectors.base.Notifier`."""

    name = "smtp"
    Settings = SmtpSettings

    host: str
    port: int = 25
    _: KW_ONLY
    from_address: str
    starttls: bool = False
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(
        cls, settings: SmtpSettings, base_dir: Path, *, environ: Mapping[str, str] | None = None
    ) -> SmtpNotifier:
        """Build from settings; the password is read from the environment variable they name."""
        env = os.environ if environ is None else environ
        password: str | None = None
        if settings.username is not None:
            if not settings.password_env:
                raise ConfigError("smtp: 'username' is set but 'password_env' does not name a variable")
            password = env.get(settings.password_env)
            if password is None:
                raise ConfigError(
                    f"smtp: environment variable {settings.password_env} (password_env) is not set"
                )
        context = None
        if settings.starttls or settings.implicit_tls:
            cafile = base_dir / settings.ca_file if settings.ca_file else None
            context = ssl.create_default_context()
            if cafile is not None:
                context.load_verify_locations(cafile=str(cafile))
        return cls(
            settings.host,
            settings.port,
            from_address=settings.from_address,
            starttls=settings.starttls,
            implicit_tls=settings.implicit_tls,
            username=settings.username,
            password=password,
            timeout=settings.timeout,
            ssl_context=context,
        )

    def send(self, notice: OutgoingNotice) -> None:
        """Deliver one notice. Raises TransientError (retry later) or BusinessError (don't).

        A refusal of some recipients, not all, is logged: the others have the mail, so a retry
        would send it to them twice.
        """
        if not notice.to:
            raise BusinessError(f"notice {notice.notice_key} has no recipients")
        message = build_message(notice, self.from_address)
        where = f"SMTP {self.host}:{self.port}"
        smtp = self._open(where)
        try:
            with smtp:
                refused = smtp.send_message(message, from_addr=self.from_address, to_addrs=list(notice.to))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {addr: code for addr, (code, _) in exc.recipients.items()}
            detail = ", ".join(f"{a} ({c}) {_text(r)}" for a, (c, r) in exc.recipients.items())
            if all(400 <= c < 500 for c in codes.values()):
                raise TransientError(f"{where} refused every recipient for now: {detail}") from exc
            raise BusinessError(f"{where} refused every recipient: {detail}") from exc
        except smtplib.SMTPSenderRefused as exc:  # about the robot: every notice would be refused
            text = f"{where} refused the sender {self.from_address}: {_reply(exc)}"
            raise _by_code(exc, text, NotifierDown, NotifierMisconfigured) from exc
        except smtplib.SMTPResponseException as exc:  # DATA refused: about this message
            raise _by_code(exc, f"{where} answered {_reply(exc)}", TransientError, BusinessError) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"{where} unavailable: {type(exc).__name__}: {exc}") from exc
        if refused:
            logger.warning(
                "notice {} delivered, but {} refused some recipients: {}", notice.notice_key, where, refused
            )

    def _open(self, where: str) -> smtplib.SMTP:
        """A ready connection, or the notifier-level error: down (retry) or refusing the robot."""
        try:
            return self._connect()
        except smtplib.SMTPNotSupportedError as exc:
            raise NotifierMisconfigured(f"{where} does not support {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            text = f"{where} answered {_reply(exc)}"
            raise _by_code(exc, text, NotifierDown, NotifierMisconfigured) from exc
        except ssl.SSLCertVerificationError as exc:
            raise NotifierMisconfigured(
                f"{where}: the server's TLS certificate is not trusted ({exc})"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifierDown(f"{where} unavailable: {type(exc).__name__}: {exc}") from exc

    def probe(self) -> str:
        """Connect, EHLO, STARTTLS and login as configured, then quit: nothing is sent."""
        where = f"SMTP {self.host}:{self.port}"
        try:
            with self._connect() as smtp:
                smtp.noop()
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"{where}: {type(exc).__name__}: {exc}") from exc
        return (
            f"{where} reachable"
            + (", STARTTLS ok" if self.starttls else ", TLS ok" if self.implicit_tls else "")
            + (", login ok" if self.username is not None else "")
        )

    def _connect(self) -> smtplib.SMTP:
        """An open, secured and logged-in connection (the caller closes it with ``with``)."""
        context = self.ssl_context or ssl.create_default_context()
        smtp = (
            smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            if self.implicit_tls
            else smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        )
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username is not None:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Each send opens and closes its own connection: nothing to release."""


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _reply(exc: smtplib.SMTPResponseException) -> str:
    """The server's reply: ``550 no such user``."""
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def _by_code(
    exc: smtplib.SMTPResponseException, text: str, for_now: type[Exception], for_good: type[Exception]
) -> Exception:
    """A ``4xx`` reply is ``for_now`` (the server asks to try again later), any other ``for_good``."""
    return for_now(text) if 400 <= exc.smtp_code < 500 else for_good(text)
