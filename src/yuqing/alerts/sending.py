"""Sending one delivery: channel settings, secrets, and the channel that carries it.

Secrets and server settings live in a channels file beside the store
(`$YUQING_HOME/channels.yaml`, or the path in `YUQING_CHANNELS`), never in the plan,
which is versioned and shown to many people:

```yaml
smtp: {host: smtp.example.cn, port: 587, starttls: true, sender: yuqing@example.cn,
       username: yuqing, password: "…"}
sms: {endpoint: https://sms.example.cn/api/send, api_key: "…", sender: 明德县}
secrets:            # signing secrets of group robots and webhooks, by their URL
  "https://oapi.dingtalk.com/robot/send?access_token=abc": "SEC…"
ack_base_url: https://yuqing.example.cn   # links in alerts: {ack_base_url}/ack/{token}?d={delivery}
```
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yuqing.alerts.channels import Message, Notifier, Target, get_notifier
from yuqing.alerts.dispatcher import SendFn, Sent
from yuqing.alerts.models import Alert, Delivery, ack_path, message_in
from yuqing.core.clock import Clock
from yuqing.core.errors import ChannelError, InvalidInput
from yuqing.core.i18n import _, current_locale, use_locale
from yuqing.drills import MARKER

if TYPE_CHECKING:
    import httpx  # only annotations: `yuqing ingest` without channels never loads it

COLOURS = {1: "red", 2: "orange", 3: "yellow", 4: "blue"}  # by severity rank


@dataclass(frozen=True)
class ChannelSettings:
    smtp: dict[str, Any] = field(default_factory=dict)
    sms: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    ack_base_url: str | None = None
    # A drill's sandbox without `--notify` (docs/drills.md): deliveries are recorded as
    # sent, and nothing leaves the machine.
    record_only: bool = False


RECORDED = "drill: recorded, not sent"  # the detail of a delivery a drill kept to itself


def _drill_keeps_quiet(home: Path) -> bool:
    """Whether `home` is a drill's sandbox started without `--notify` (an unreadable
    drill file keeps quiet too: a drill must not page people by mistake)."""
    import json

    marker = home / MARKER
    if not marker.is_file():
        return False
    try:
        return json.loads(marker.read_text("utf-8")).get("notify") is not True
    except (OSError, ValueError, AttributeError):
        return True


def channels_path(home: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where the channels file is: `YUQING_CHANNELS`, else `channels.yaml` in the home."""
    env = os.environ if environ is None else environ
    return Path(env.get("YUQING_CHANNELS") or home / "channels.yaml")


def load_channel_settings(home: Path, environ: Mapping[str, str] | None = None) -> ChannelSettings:
    """The channels file, or empty settings when there is none. A problem is one line
    naming the file and the line (or the key): YAML errors, duplicate keys, nesting and
    aliases as watch files have them checked, and sections of the wrong shape.
    In a drill's sandbox started without `--notify`: settings that send nothing."""
    if _drill_keeps_quiet(home):
        return ChannelSettings(record_only=True)
    path = channels_path(home, environ)
    if not path.exists():
        return ChannelSettings()
    from yuqing.core.yamlguard import load_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        error = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise InvalidInput(
            _("cannot read the channels file: {error}").format(error=error), where=str(path)
        ) from None
    data = load_yaml(text, str(path), typ="safe") or {}
    if not isinstance(data, dict):
        raise InvalidInput(_("the channels file must be a mapping"), where=str(path))
    unknown = set(data) - {"smtp", "sms", "secrets", "ack_base_url"}
    if unknown:
        raise InvalidInput(_("unknown keys {keys}").format(keys=sorted(unknown)), where=str(path))
    for key in ("smtp", "sms", "secrets"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise InvalidInput(
                _("{key!r} must be a mapping of settings").format(key=key), where=str(path)
            )
    secrets = data.get("secrets") or {}
    if any(not isinstance(v, str | int) or isinstance(v, bool) for v in secrets.values()):
        raise InvalidInput(
            _("'secrets' maps each webhook address to its secret, as text"), where=str(path)
        )
    ack_base_url = data.get("ack_base_url")
    if ack_base_url is not None and not (
        isinstance(ack_base_url, str) and ack_base_url.startswith(("http://", "https://"))
    ):
        raise InvalidInput(
            _("'ack_base_url' must be an http:// or https:// address, not {value!r}").format(
                value=ack_base_url
            ),
            where=str(path),
        )
    return ChannelSettings(
        smtp=dict(data.get("smtp") or {}),
        sms=dict(data.get("sms") or {}),
        secrets={str(k): str(v) for k, v in secrets.items()},
        ack_base_url=ack_base_url,
    )


class Sender:
    """Sends a delivery over its channel; one notifier per channel kind, made on first use."""

    def __init__(self, *, settings: ChannelSettings, clock: Clock, http: httpx.Client) -> None:
        self.settings = settings
        self.clock = clock
        self.http = http
        self._notifiers: dict[str, Notifier] = {}

    def _notifier(self, kind: str) -> Notifier:
        if kind not in self._notifiers:
            if kind == "email":
                if not self.settings.smtp.get("host"):
                    raise _misconfigured("email", _("no smtp host in the channels file"))
                self._notifiers[kind] = get_notifier(
                    "email", clock=self.clock, **self.settings.smtp
                )
            elif kind == "sms":
                if not self.settings.sms.get("endpoint"):
                    raise _misconfigured("sms", _("no sms endpoint in the channels file"))
                from yuqing.alerts.channels.sms import HttpSmsProvider

                provider = HttpSmsProvider(http=self.http, **self.settings.sms)
                self._notifiers[kind] = get_notifier("sms", provider=provider)
            else:
                self._notifiers[kind] = get_notifier(kind, http=self.http, clock=self.clock)
        return self._notifiers[kind]

    def __call__(self, delivery: Delivery, alert: Alert | None) -> Sent:
        # The recipient's language (a user's setting), else the deployment's: the text,
        # and the words the channel adds around it (labels, the acknowledge button).
        with use_locale(delivery.language):
            return self._send(delivery, alert)

    def _send(self, delivery: Delivery, alert: Alert | None) -> Sent:
        if self.settings.record_only:
            return Sent(provider_id=None, detail=RECORDED)
        base = self.settings.ack_base_url
        if alert is None:  # a notice: its words are the delivery's, nothing to acknowledge
            message = Message(
                title=delivery.subject or "", text=delivery.body or "", level="",
                event_id="", alert_id=None,
            )  # fmt: skip
        else:
            title, text = message_in(alert, current_locale())
            message = Message(
                title=title,
                text=text,
                level=alert.level,
                event_id=alert.event_id,
                alert_id=alert.id,
                level_colour=COLOURS.get(alert.level_rank),
                url=f"{base.rstrip('/')}{ack_path(alert, delivery)}" if base else None,
            )
        target = Target(
            kind=delivery.channel,
            address=delivery.address,
            recipient=delivery.recipient,
            secret=self.settings.secrets.get(delivery.address),
        )
        result = self._notifier(delivery.channel).send(
            message, target=target, idempotency_key=delivery.idempotency_key
        )
        return Sent(provider_id=result.provider_id, detail=result.detail, code=result.code)


def _misconfigured(channel: str, reason: str) -> ChannelError:
    return ChannelError(f"{channel}: {reason}", retryable=False)


def make_sender(*, settings: ChannelSettings, clock: Clock, http: httpx.Client) -> SendFn:
    return Sender(settings=settings, clock=clock, http=http)
