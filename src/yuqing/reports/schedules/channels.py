"""Carrying a scheduled report over the alert channels: the files attached to an e-mail,
a link in a group-robot message.

The alert notifiers keep their sending, signing and error sorting; these subclasses only
change what is said (a report is not an alert: no level label, no acknowledgement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING

from typing_extensions import override

from yuqing.alerts.channels import markup
from yuqing.alerts.channels.base import Delivery, Message, Notifier, Target
from yuqing.alerts.channels.dingtalk import MAX_TEXT_BYTES as DINGTALK_BYTES
from yuqing.alerts.channels.dingtalk import DingTalkNotifier
from yuqing.alerts.channels.email import EmailNotifier
from yuqing.alerts.channels.feishu import MAX_TEXT_BYTES as FEISHU_BYTES
from yuqing.alerts.channels.feishu import FeishuNotifier
from yuqing.alerts.channels.wecom import MAX_CONTENT_BYTES as WECOM_BYTES
from yuqing.alerts.channels.wecom import WeComNotifier
from yuqing.alerts.sending import RECORDED, ChannelSettings
from yuqing.core.clock import Clock
from yuqing.core.errors import ChannelError
from yuqing.core.i18n import _

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str  # e.g. application/pdf
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class ReportMessage(Message):
    """A report: its title, summary, files (for e-mail) and download links (for robots)."""

    run_id: int = 0
    attachments: tuple[Attachment, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (label, URL)


def _report(message: Message) -> ReportMessage:
    if not isinstance(message, ReportMessage):
        raise TypeError("report channels carry ReportMessage only")
    return message


def _markdown(message: ReportMessage, max_bytes: int) -> str:
    """Title, the summary cut to fit, then one link a format."""
    head = f"### {markup.neutral(message.title)}\n\n"
    links = [f"[{markup.neutral(label)}]({url})" for label, url in message.links]
    foot = "\n\n" + (" · ".join(links) if links else _("The files were sent by e-mail."))
    room = max_bytes - len((head + foot).encode("utf-8"))
    return head + markup.cut_bytes(markup.neutral(message.text), room) + foot


class ReportMailer(EmailNotifier):
    """E-mail with the report's files attached; the same SMTP handling as alerts."""

    @override
    def compose(self, message: Message, *, target: Target, idempotency_key: str) -> EmailMessage:
        report = _report(message)
        mail = super().compose(report, target=target, idempotency_key=idempotency_key)
        # An alert's subject, headers and body do not fit a report: say it plainly.
        del mail["Subject"], mail["X-YuQing-Alert"], mail["X-YuQing-Event"]
        mail["Subject"] = report.title
        mail["X-YuQing-Report-Run"] = str(report.run_id)
        mail.set_content(report.text + "\n", charset="utf-8")
        for item in report.attachments:
            main, _slash, sub = item.media_type.partition("/")
            mail.add_attachment(item.content, maintype=main, subtype=sub, filename=item.filename)
        return mail


class ReportWeCom(WeComNotifier):
    @override
    def body(self, message: Message) -> dict[str, object]:
        content = _markdown(_report(message), WECOM_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}


class ReportDingTalk(DingTalkNotifier):
    @override
    def body(self, message: Message) -> dict[str, object]:
        report = _report(message)
        title = markup.cut_bytes(report.title, 200)
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": _markdown(report, DINGTALK_BYTES)},
        }


class ReportFeishu(FeishuNotifier):
    @override
    def content(self, message: Message) -> dict[str, object]:
        text = _markdown(_report(message), FEISHU_BYTES).replace("### ", "", 1)
        return {"msg_type": "text", "content": {"text": text}}


class ReportSender:
    """Sends one report delivery over its channel; one notifier per kind, made on first use."""

    def __init__(self, *, settings: ChannelSettings, clock: Clock, http: httpx.Client) -> None:
        self.settings, self.clock, self.http = settings, clock, http
        self._notifiers: dict[str, Notifier] = {}

    def notifier(self, kind: str) -> Notifier:
        if kind not in self._notifiers:
            if kind == "email":
                if not self.settings.smtp.get("host"):
                    raise ChannelError("email: no smtp host in the channels file", retryable=False)
                self._notifiers[kind] = ReportMailer(clock=self.clock, **self.settings.smtp)
            elif kind == "wecom":
                self._notifiers[kind] = ReportWeCom(http=self.http, clock=self.clock)
            elif kind == "dingtalk":
                self._notifiers[kind] = ReportDingTalk(http=self.http, clock=self.clock)
            elif kind == "feishu":
                self._notifiers[kind] = ReportFeishu(http=self.http, clock=self.clock)
            else:
                raise ChannelError(f"{kind}: cannot carry a report", retryable=False)
        return self._notifiers[kind]

    def link_base(self) -> str | None:
        """Where the web app is (the channels file's `ack_base_url`), for download links."""
        base = self.settings.ack_base_url
        return base.rstrip("/") if base else None

    def send(
        self, message: ReportMessage, *, channel: str, address: str, recipient: str, key: str
    ) -> Delivery:
        if self.settings.record_only:  # a drill's sandbox without --notify
            return Delivery(ok=True, provider_id=None, detail=RECORDED)
        target = Target(
            kind=channel,
            address=address,
            recipient=recipient,
            secret=self.settings.secrets.get(address),
        )
        return self.notifier(channel).send(message, target=target, idempotency_key=key)
