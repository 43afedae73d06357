"""SmtpNotifier against a real aiosmtpd server on 127.0.0.1 (plain, STARTTLS + AUTH, refusals)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from connectors.base import Notifier, OutgoingNotice
from connectors.eml import NotifierDown, NotifierMisconfigured, message_id
from connectors.smtp import Settings, SmtpNotifier
from robot.errors import BusinessError, ConfigError, TransientError
from tests.support.servers import Mailbox, free_port, smtp_server


@pytest.fixture
def server() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    with smtp_server(handler) as port:
        yield handler, port


def _notice(to: tuple[str, ...] = ("kreditor@ufst.dk", "chef@ufst.dk")) -> OutgoingNotice:
    return OutgoingNotice(
        notice_key="run-42:ufst",
        to=to,
        subject="Returnerede fakturaer / Returned invoices (2)",
        text="Fakturaen mangler ordrenummer. Beløb: 1.234,50 kr.\n\n"
        "The invoice lacks an order number. Amount: DKK 1,234.50",
        html="<p>Beløb: <b>1.234,50 kr.</b></p>",
        attachments=(
            ("invoice-response-7.xml", b"<ApplicationResponse>RE</ApplicationResponse>", "text/xml"),
        ),
    )


def test_send_plain_delivers_text_html_and_attachment(server: tuple[Mailbox, int]) -> None:
    handler, port = server
    notifier = SmtpNotifier("127.0.0.1", port, from_address="robot@sam.dk", timeout=5)
    assert isinstance(notifier, Notifier)
    notifier.send(_notice())
    assert len(handler.messages) == 1
    rcpts, msg = handler.messages[0]
    assert rcpts == ["kreditor@ufst.dk", "chef@ufst.dk"]
    assert msg["Subject"] == "Returnerede fakturaer / Returned invoices (2)"
    assert msg["From"] == "robot@sam.dk"
    assert msg["Message-ID"] == message_id("run-42:ufst", "sam.dk")
    plain = msg.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "Beløb: 1.234,50 kr." in text and "Amount: DKK 1,234.50" in text
    assert text.index("Beløb") < text.index("Amount")  # Danish first
    html = msg.get_body(("html",))
    assert html is not None and "<b>1.234,50 kr.</b>" in html.get_content()
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == "invoice-response-7.xml"
    assert att.get_content_type() == "text/xml"
    assert att.get_payload(decode=True) == b"<ApplicationResponse>RE</ApplicationResponse>"


def test_resend_carries_the_same_message_id(server: tuple[Mailbox, int]) -> None:
    handler, port = server
    notifier = SmtpNotifier("127.0.0.1", port, from_address="robot@sam.dk", timeout=5)
    notifier.send(_notice())
    notifier.send(_notice())
    ids = {m["Message-ID"] for _, m in handler.messages}
    assert len(handler.messages) == 2 and len(ids) == 1


def test_recipient_refusals_are_classified(server: tuple[Mailbox, int]) -> None:
    handler, port = server
    notifier = SmtpNotifier("127.0.0.1", port, from_address="robot@sam.dk", timeout=5)
    handler.rcpt_reply = {"gone@ufst.dk": "550 5.1.1 no such user"}
    with pytest.raises(BusinessError, match=r"gone@ufst\.dk \(550\)"):
        notifier.send(_notice(("gone@ufst.dk",)))
    handler.rcpt_reply = {"busy@ufst.dk": "451 4.3.0 try again later"}
    with pytest.raises(TransientError, match="451"):
        notifier.send(_notice(("busy@ufst.dk",)))
    # one of two refused: delivered to the other, no error (a retry would duplicate it)
    handler.rcpt_reply = {"gone@ufst.dk": "550 5.1.1 no such user"}
    notifier.send(_notice(("gone@ufst.dk", "kreditor@ufst.dk")))
    assert [r for r, _ in handler.messages] == [["kreditor@ufst.dk"]]


def test_no_server_is_transient() -> None:
    notifier = SmtpNotifier("127.0.0.1", free_port(), from_address="robot@sam.dk", timeout=2)
    with pytest.raises(TransientError, match="unavailable"):
        notifier.send(_notice())


def test_no_server_is_the_notifier_down_not_this_notice() -> None:
    notifier = SmtpNotifier("127.0.0.1", free_port(), from_address="robot@sam.dk", timeout=2)
    with pytest.raises(NotifierDown, match="ConnectionRefusedError"):
        notifier.send(_notice())


class DataRefuser(Mailbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return self.data_reply

    data_reply = "554 5.6.0 message content rejected"


def test_refusals_name_code_and_reason_and_say_whose_fault(server: tuple[Mailbox, int]) -> None:
    handler, port = server
    notifier = SmtpNotifier("127.0.0.1", port, from_address="robot@sam.dk", timeout=5)
    handler.rcpt_reply = {"gone@ufst.dk": "553 5.1.3 bad address syntax"}
    with pytest.raises(BusinessError, match=r"gone@ufst\.dk \(553\) 5\.1\.3 bad address syntax") as refused:
        notifier.send(_notice(("gone@ufst.dk",)))
    assert not isinstance(refused.value, NotifierMisconfigured)  # this notice's recipient, not the robot
    handler.rcpt_reply = {"busy@ufst.dk": "452 4.2.2 mailbox full"}
    with pytest.raises(TransientError) as later:
        notifier.send(_notice(("busy@ufst.dk",)))
    assert not isinstance(later.value, NotifierDown)  # the server is up: the other notices go on


def test_message_refused_at_data_is_this_notice(tmp_path: Path) -> None:
    handler = DataRefuser()
    with smtp_server(handler) as port:
        notifier = SmtpNotifier("127.0.0.1", port, from_address="robot@sam.dk", timeout=5)
        with pytest.raises(BusinessError, match="554") as refused:
            notifier.send(_notice())
        assert not isinstance(refused.value, NotifierMisconfigured)
        handler.data_reply = "451 4.3.0 try later"
        with pytest.raises(TransientError, match="451"):
            notifier.send(_notice())


def test_settings_read_password_from_named_env(tmp_path: Path) -> None:
    settings = Settings(
        host="127.0.0.1", username="robot", password_env="FR_TEST_SMTP_PW", from_address="robot@sam.dk"
    )
    notifier = SmtpNotifier.from_settings(settings, tmp_path, environ={"FR_TEST_SMTP_PW": "hemmelig"})
    assert notifier.password == "hemmelig"
    with pytest.raises(ConfigError, match="FR_TEST_SMTP_PW"):
        SmtpNotifier.from_settings(settings, tmp_path, environ={})
    with pytest.raises(ValueError, match="extra"):
        Settings.model_validate({"host": "h", "from_address": "a@b", "password": "in-the-file"})


# --- STARTTLS + AUTH with a self-signed certificate made here ----------------------------------


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class Authenticator:
    def __init__(self) -> None:
        self.logins: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            self.logins.append((user, password))
            if (user, password) == ("robot", "hemmelig"):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@contextmanager
def _tls_server(tmp_path: Path, *, implicit: bool) -> Iterator[tuple[Mailbox, Authenticator, int, Settings]]:
    """A TLS SMTP server on 127.0.0.1 (STARTTLS, or TLS from the first byte) demanding login,
    and client settings trusting its self-signed certificate."""
    cert_path, key_path = _self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert_path, key_path)
    handler, auth, port = Mailbox(), Authenticator(), free_port()
    tls: dict[str, Any] = (
        # aiosmtpd only counts STARTTLS as TLS; an implicit-TLS socket is TLS throughout
        {"ssl_context": server_ctx, "auth_require_tls": False}
        if implicit
        else {"tls_context": server_ctx, "require_starttls": True, "auth_require_tls": True}
    )
    settings = Settings(
        host="127.0.0.1",
        port=port,
        starttls=not implicit,
        implicit_tls=implicit,
        username="robot",
        password_env="FR_TEST_SMTP_PW",
        from_address="robot@sam.dk",
        timeout=5,
        ca_file=Path("cert.pem"),
    )
    with smtp_server(handler, port, authenticator=auth, auth_required=True, **tls):
        yield handler, auth, port, settings


def test_starttls_and_login(tmp_path: Path) -> None:
    with _tls_server(tmp_path, implicit=False) as (handler, auth, port, settings):
        good = SmtpNotifier.from_settings(settings, tmp_path, environ={"FR_TEST_SMTP_PW": "hemmelig"})
        good.send(_notice())
        assert auth.logins == [("robot", "hemmelig")]
        assert handler.messages[0][1]["Subject"].startswith("Returnerede fakturaer")

        bad = SmtpNotifier.from_settings(settings, tmp_path, environ={"FR_TEST_SMTP_PW": "forkert"})
        with pytest.raises(NotifierMisconfigured, match="535"):  # the robot's login, not the notice
            bad.send(_notice())

        untrusted = SmtpNotifier.from_settings(
            settings.model_copy(update={"ca_file": None}), tmp_path, environ={"FR_TEST_SMTP_PW": "hemmelig"}
        )
        with pytest.raises(BusinessError, match="not trusted"):
            untrusted.send(_notice())

        no_tls = SmtpNotifier("127.0.0.1", port, from_address="robot@sam.dk", timeout=5)
        with pytest.raises(BusinessError, match="530"):  # the server demands STARTTLS first
            no_tls.send(_notice())
        assert len(handler.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_smtps_and_login(tmp_path: Path) -> None:
    with _tls_server(tmp_path, implicit=True) as (handler, auth, port, settings):
        notifier = SmtpNotifier.from_settings(settings, tmp_path, environ={"FR_TEST_SMTP_PW": "hemmelig"})
        assert notifier.probe().endswith("TLS ok, login ok")
        notifier.send(_notice())
        assert auth.logins[-1] == ("robot", "hemmelig") and len(handler.messages) == 1
        untrusted = SmtpNotifier.from_settings(
            settings.model_copy(update={"ca_file": None}), tmp_path, environ={"FR_TEST_SMTP_PW": "hemmelig"}
        )
        with pytest.raises(BusinessError, match="not trusted"):
            untrusted.send(_notice())
        plain = SmtpNotifier("127.0.0.1", port, from_address="robot@sam.dk", timeout=2)
        with pytest.raises(TransientError):  # a plain client cannot talk to an SMTPS port
            plain.send(_notice())
        assert len(handler.messages) == 1


def test_starttls_and_implicit_tls_are_exclusive() -> None:
    with pytest.raises(ValueError, match="choose one of starttls"):
        Settings(host="h", starttls=True, implicit_tls=True, from_address="robot@sam.dk")
