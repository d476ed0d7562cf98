"""One case per channel for the contract suite: how to build it, break it, and read it back.

Each case hands out (notifier, target) pairs for the situations the contract checks:
working, wrong credentials, nothing listening, and a receiver that never answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fakes.robots import Fail, FakeRobots, Received
from tests.fakes.smtp import FakeSmtp, ReceivedMail, SilentSmtp, closed_port
from yuqing.alerts.channels import Notifier, Target, get_notifier
from yuqing.alerts.channels.sms import HttpSmsProvider
from yuqing.core.clock import FrozenClock

SHORT = 0.3  # seconds: the timeout against a receiver that never answers
KINDS = ["email", "wecom", "dingtalk", "feishu", "webhook", "sms"]
SMTP_REPLIES = {
    Fail.SERVER_ERROR: "451 4.3.0 Temporary local problem",
    Fail.RATE_LIMIT: "421 4.7.0 Too many messages, slow down",
}


@dataclass(frozen=True)
class Seen:
    """One attempt as the receiver saw it."""

    key: str | None  # idempotency key (Message-ID for e-mail)
    text: str  # the alert text as the receiver will show it
    accepted: bool


def _robot_text(kind: str, data: dict[str, Any]) -> str:
    if kind == "wecom":
        return str(data["markdown"]["content"])
    if kind == "dingtalk":
        return str(data["markdown"]["text"])
    if kind == "feishu":
        if data["msg_type"] == "text":
            return str(data["content"]["text"])
        return str(data["card"]["elements"][0]["text"]["content"])
    return str(data["text"])  # webhook, sms


@dataclass
class HttpCase:
    kind: str
    robots: FakeRobots
    http: httpx.Client
    clock: FrozenClock
    cleanup: list[Any] = field(default_factory=list)

    @property
    def secrets(self) -> list[str]:
        r = self.robots
        return [r.wecom_key, r.dingtalk_token, r.dingtalk_secret, r.feishu_hook, r.feishu_secret,
                r.webhook_secret, r.sms_api_key]  # fmt: skip

    def _notifier(self, *, timeout: float | None = None, base: str | None = None,
                  api_key: str | None = None) -> Notifier:  # fmt: skip
        if self.kind == "sms":
            provider = HttpSmsProvider(
                http=self.http,
                endpoint=(base or self.robots.base) + "/v1/sms",
                api_key=api_key or self.robots.sms_api_key,
                sender="YuQing",
                timeout=timeout,
            )
            return get_notifier("sms", provider=provider)
        return get_notifier(self.kind, http=self.http, clock=self.clock, timeout=timeout)

    def _target(self, *, base: str | None = None, secret: str | None = None) -> Target:
        r = self.robots
        if self.kind == "sms":
            return Target(kind="sms", address="+86 138 0013 8000", recipient="值班员张三")
        url = {
            "wecom": r.wecom_url,
            "dingtalk": r.dingtalk_url,
            "feishu": r.feishu_url,
            "webhook": r.webhook_url,
        }[self.kind]
        secrets = {
            "dingtalk": r.dingtalk_secret,
            "feishu": r.feishu_secret,
            "webhook": r.webhook_secret,
        }
        if base is not None:
            url = url.replace(r.base, base)
        return Target(kind=self.kind, address=url, recipient="应急值班群",
                      secret=secret or secrets.get(self.kind))  # fmt: skip

    def ok(self) -> tuple[Notifier, Target]:
        return self._notifier(), self._target()

    def bad_credentials(self) -> tuple[Notifier, Target]:
        if self.kind == "sms":
            return self._notifier(api_key="sk-wrong-key"), self._target()
        if self.kind == "wecom":  # the key in the URL is WeCom's only credential
            url = self.robots.wecom_url.replace(self.robots.wecom_key, "0" * 36)
            return self._notifier(), Target(kind="wecom", address=url, recipient="应急值班群")
        return self._notifier(), self._target(secret="SEC-not-the-right-secret")

    def unreachable(self) -> tuple[Notifier, Target]:
        base = f"http://127.0.0.1:{closed_port()}"
        return self._notifier(base=base), self._target(base=base)

    def hanging(self) -> tuple[Notifier, Target]:
        self.fail_next(Fail.HANG)
        return self._notifier(timeout=SHORT), self._target()

    def fail_next(self, mode: Fail) -> None:
        getattr(self.robots, self.kind).fail_next(mode)

    def attempts(self) -> list[Seen]:
        received: list[Received] = getattr(self.robots, self.kind).received
        return [
            Seen(r.idempotency_key, _robot_text(self.kind, r.json), r.accepted) for r in received
        ]


@dataclass
class EmailCase:
    server: FakeSmtp
    clock: FrozenClock
    kind: str = "email"
    cleanup: list[Any] = field(default_factory=list)

    @property
    def secrets(self) -> list[str]:
        return [self.server.password]

    def _notifier(self, *, port: int | None = None, password: str | None = None,
                  timeout: float = 5.0) -> Notifier:  # fmt: skip
        return get_notifier(
            "email",
            clock=self.clock,
            host=self.server.host,
            port=port or self.server.port,
            sender="yuqing@alerts.yuqing.test",
            username=self.server.username,
            password=password or self.server.password,
            local_hostname="yuqing.test",  # no getfqdn(): nothing leaves loopback
            timeout=timeout,
        )

    def _target(self) -> Target:
        return Target(kind="email", address="zhangsan@school.yuqing.test", recipient="张三")

    def ok(self) -> tuple[Notifier, Target]:
        return self._notifier(), self._target()

    def bad_credentials(self) -> tuple[Notifier, Target]:
        return self._notifier(password="wrong-password"), self._target()

    def unreachable(self) -> tuple[Notifier, Target]:
        return self._notifier(port=closed_port()), self._target()

    def hanging(self) -> tuple[Notifier, Target]:
        silent = SilentSmtp()
        self.cleanup.append(silent)
        return self._notifier(port=silent.port, timeout=SHORT), self._target()

    def fail_next(self, mode: Fail) -> None:
        self.server.fail_next(SMTP_REPLIES[mode])

    def attempts(self) -> list[Seen]:
        return [Seen(m.idempotency_key, _mail_text(m), m.accepted) for m in self.server.received]


def _mail_text(mail: ReceivedMail) -> str:
    part = mail.message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


Case = HttpCase | EmailCase
