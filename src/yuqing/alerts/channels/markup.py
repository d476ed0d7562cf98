"""Rendering an alert as robot markdown, SMS text and card fields.

Alert text quotes posts, and post content is hostile (ARCHITECTURE: trust boundaries):
markdown metacharacters in it become their full-width forms, so a post cannot add links,
images, `<font>` or `<at>` tags to a robot message. Chinese readers see the same glyphs.
"""

from __future__ import annotations

from yuqing.alerts.channels.base import Message
from yuqing.core.i18n import _

_NEUTRAL = str.maketrans({
    "[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "`": "｀", "#": "＃", "|": "｜",
    "_": "＿", "~": "～", "!": "！", "\\": "＼",
})  # fmt: skip


def neutral(text: str) -> str:
    """`text` with markdown and tag metacharacters replaced by full-width forms."""
    return text.translate(_NEUTRAL)


def cut_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes on a character boundary, marked with …."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: max(limit - 3, 0)].decode("utf-8", "ignore") + "…"


def label(level: str) -> str:
    """`一级预警`: the level named as an alert; `提醒` for a notice (no level)."""
    if not level:
        return _("Reminder")
    # TRANSLATORS: a plan level named as an alert, e.g. "一级预警"; {level} is plan data.
    return _("{level} alert").format(level=level)


def bracketed(label: str, title: str) -> str:
    """`【一级预警】标题`: an alert's heading (subject, card title)."""
    return _("[{label}] {title}").format(label=label, title=title)


def labelled(label: str, title: str) -> str:
    """`一级预警：标题`: an alert's heading where brackets would be noise (chat lists)."""
    return _("{label}: {title}").format(label=label, title=title)


def ids_line(event_id: str, alert_id: int | None) -> str:
    """`事件 ev-1 · 预警 12`: which event and alert a message is about ("" for a notice,
    which says in its text what it is about)."""
    if alert_id is None:
        return ""
    return _("Event {event_id} · alert {alert_id}").format(event_id=event_id, alert_id=alert_id)


def ack_label() -> str:
    """The name of the acknowledgement link or button."""
    return _("Acknowledge")


def ack_line(url: str) -> str:
    """`确认收到：URL`, the acknowledgement link in plain text."""
    return _("Acknowledge: {url}").format(url=url)


def heading(message: Message) -> str:
    """`【一级预警】标题`, neutralised."""
    return bracketed(label(neutral(message.level)), neutral(message.title))


def footer(message: Message) -> str:
    """The event and alert ids, then the acknowledgement link if there is one."""
    line = ids_line(neutral(message.event_id), message.alert_id)
    return f"{line}\n\n[{ack_label()}]({message.url})" if message.url else line


def markdown(message: Message, *, title_line: str, max_bytes: int) -> str:
    """Title line, the neutralised text cut to fit `max_bytes`, then the footer."""
    head, foot = title_line + "\n\n", "\n\n" + footer(message)
    room = max_bytes - len((head + foot).encode("utf-8"))
    return head + cut_bytes(neutral(message.text), room) + foot
