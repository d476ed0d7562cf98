"""Rendering an alert as robot markdown, SMS text and card fields.

Alert text quotes posts, and post content is hostile (ARCHITECTURE: trust boundaries):
markdown metacharacters in it become their full-width forms, so a post cannot add links,
images, `<font>` or `<at>` tags to a robot message. Chinese readers see the same glyphs.
"""

from __future__ import annotations

from yuqing.alerts.channels.base import Message

# Labels are fixed Chinese for now; they move to the Babel catalogue with the rest of
# the user-facing text.
ALERT = "预警"
ACK = "确认收到"
EVENT = "事件"

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


def heading(message: Message) -> str:
    """`【一级预警】标题`, neutralised."""
    return f"【{neutral(message.level)}{ALERT}】{neutral(message.title)}"


def footer(message: Message) -> str:
    """The event and alert ids, then the acknowledgement link if there is one."""
    line = f"{EVENT} {neutral(message.event_id)} · {ALERT} {message.alert_id}"
    return f"{line}\n\n[{ACK}]({message.url})" if message.url else line


def markdown(message: Message, *, title_line: str, max_bytes: int) -> str:
    """Title line, the neutralised text cut to fit `max_bytes`, then the footer."""
    head, foot = title_line + "\n\n", "\n\n" + footer(message)
    room = max_bytes - len((head + foot).encode("utf-8"))
    return head + cut_bytes(neutral(message.text), room) + foot
