"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records mail, plus bad endpoints.

`FakeSmtp` speaks real SMTP with optional AUTH and STARTTLS; `fail_next("451 4.3.0 ...")`
makes the next DATA answer with that reply after recording the attempt. `SilentSmtp`
accepts connections and never greets (a hung server); `closed_port()` refuses.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    accepted: bool

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)  # policy.default builds EmailMessage
        return parsed

    @property
    def idempotency_key(self) -> str | None:
        """The Message-ID, which the e-mail channel derives from the idempotency key."""
        return cast("str | None", self.message["Message-ID"])


class RecordingHandler:
    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self._failures: deque[str] = deque()
        self._lock = threading.Lock()

    def fail_next(self, reply: str, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([reply] * times)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
            content = envelope.original_content or envelope.content or b""
            self.received.append(
                ReceivedMail(
                    str(envelope.mail_from),
                    list(envelope.rcpt_tos),
                    content if isinstance(content, bytes) else content.encode(),
                    failure is None,
                )
            )
        return failure or "250 2.0.0 OK queued"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting is refused."""
    return free_port()


class FakeSmtp:
    """aiosmtpd on 127.0.0.1 with AUTH (LOGIN/PLAIN) for `username`/`password`."""

    def __init__(
        self,
        *,
        username: str = "duty@yuqing.test",
        password: str = "s3cret-pw-42",  # noqa: S107
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.username, self.password = username, password
        self.handler = RecordingHandler()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="smtp.yuqing.test",  # no getfqdn(): nothing leaves loopback
            authenticator=self._authenticate,
            auth_require_tls=tls_context is not None,
            **kwargs,
        )
        self._controller.start()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received

    @property
    def accepted(self) -> list[ReceivedMail]:
        return [m for m in self.handler.received if m.accepted]

    def fail_next(self, reply: str, times: int = 1) -> None:
        self.handler.fail_next(reply, times)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)

    def close(self) -> None:
        self._controller.stop()


class SilentSmtp:
    """Listens but never accepts or greets: a client waits for its timeout."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port = int(self._sock.getsockname()[1])

    def close(self) -> None:
        self._sock.close()


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server, client) contexts for a throw-away certificate for 127.0.0.1."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client
