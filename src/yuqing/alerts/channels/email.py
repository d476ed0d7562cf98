"""E-mail over SMTP (smtplib): UTF-8 subject and body, one message per recipient.

The Message-ID is derived from the idempotency key, so a delivery sent again after a
crash carries the same Message-ID and mail systems and people can tell it is a repeat
(RFC 5322 §3.6.4). SMTP reply codes decide retrying (RFC 5321 §4.2.1): 4yz replies are
transient, 5yz permanent; 535 is bad credentials (RFC 4954 §6).
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import ClassVar, NoReturn

from yuqing.alerts.channels import markup
from yuqing.alerts.channels.base import Delivery, Message, Target
from yuqing.alerts.channels.errors import (
    ChannelMisconfigured,
    ChannelRejected,
    ChannelUnavailable,
    fail,
)
from yuqing.core.clock import Clock


def message_id(idempotency_key: str, domain: str) -> str:
    """`<yuqing.HASH@domain>`: the same key always gives the same Message-ID."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<yuqing.{digest}@{domain}>"


class EmailNotifier:
    """Sends alerts by SMTP, with optional STARTTLS and login."""

    kind: ClassVar[str] = "email"

    def __init__(
        self,
        *,
        clock: Clock,
        host: str,
        sender: str,
        port: int = 25,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.clock, self.host, self.port, self.sender = clock, host, port, sender
        self.starttls, self.username, self.timeout = starttls, username, timeout
        self._password = password
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname
        self.domain = sender.rpartition("@")[2] or "yuqing.invalid"

    def compose(self, message: Message, *, target: Target, idempotency_key: str) -> EmailMessage:
        """The e-mail for one recipient."""
        mail = EmailMessage()
        mail["Subject"] = markup.bracketed(markup.label(message.level), message.title)
        mail["From"] = self.sender
        mail["To"] = Address(display_name=target.recipient, addr_spec=target.address)
        mail["Date"] = format_datetime(self.clock.now())
        mail["Message-ID"] = message_id(idempotency_key, self.domain)
        lines = [message.text]
        if message.alert_id is not None:  # else a notice: no alert or event to name
            mail["X-YuQing-Alert"] = str(message.alert_id)
            mail["X-YuQing-Event"] = message.event_id
            lines += ["", markup.ids_line(message.event_id, message.alert_id)]
        if message.url:
            lines += ["", markup.ack_line(message.url)]
        mail.set_content("\n".join(lines), charset="utf-8")
        return mail

    def send(self, message: Message, *, target: Target, idempotency_key: str) -> Delivery:
        """Send once to the mailbox in `target.address`."""
        try:
            mail = self.compose(message, target=target, idempotency_key=idempotency_key)
        except (ValueError, IndexError, MessageError) as exc:  # the header parser's verdict
            fail(ChannelMisconfigured, f"bad address: {exc}", channel=self.kind, target=target)
        secrets = [self._password] if self._password else []
        try:
            with smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
            ) as smtp:
                if self.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                if self.username is not None:
                    smtp.login(self.username, self._password or "")
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            reason = f"login refused ({exc.smtp_code})"
            fail(ChannelRejected, reason, channel=self.kind, target=target, code=exc.smtp_code)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b""))
            self._reply_failed(code, text, target, secrets)
        except smtplib.SMTPResponseException as exc:
            self._reply_failed(exc.smtp_code, exc.smtp_error, target, secrets)
        except smtplib.SMTPNotSupportedError as exc:
            fail(ChannelRejected, str(exc), channel=self.kind, target=target, extra_secrets=secrets)
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, TLS
            reason = f"{type(exc).__name__}: {exc}"
            fail(
                ChannelUnavailable, reason, channel=self.kind, target=target, extra_secrets=secrets
            )
        # smtplib raises unless the server answered the message's data with 250.
        return Delivery(
            ok=True,
            provider_id=str(mail["Message-ID"]),
            detail=f"accepted by {self.host}",
            code="250",
        )

    def _reply_failed(
        self, code: int, text: bytes | str, target: Target, secrets: list[str]
    ) -> NoReturn:
        said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        error = ChannelUnavailable if 400 <= code < 500 else ChannelRejected
        fail(
            error,
            f"SMTP {code} {said}",
            channel=self.kind,
            target=target,
            code=code,
            extra_secrets=secrets,
        )
