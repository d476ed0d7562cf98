"""Alert channels: e-mail, WeCom, DingTalk, Feishu, generic webhooks and SMS.

Each implements `Notifier` (`base.py`); `get_notifier(kind, **config)` builds one from
the `yuqing.notifiers` entry point group. Configuration, formats and signing are in
docs/channels.md.
"""

from yuqing.alerts.channels.base import Delivery, Message, Notifier, Target
from yuqing.alerts.channels.errors import (
    ChannelMisconfigured,
    ChannelRejected,
    ChannelSendError,
    ChannelUnavailable,
)
from yuqing.alerts.channels.registry import NotifierRegistry, get_notifier, notifier_kinds

__all__ = [
    "ChannelMisconfigured",
    "ChannelRejected",
    "ChannelSendError",
    "ChannelUnavailable",
    "Delivery",
    "Message",
    "Notifier",
    "NotifierRegistry",
    "Target",
    "get_notifier",
    "notifier_kinds",
]
