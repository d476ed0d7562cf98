"""Notifiers by `kind`, from the `yuqing.notifiers` entry point group (STYLE §4).

Built-ins are declared as the very same `EntryPoint` objects a plugin's
`pyproject.toml` produces, so they load through one path (datasette's
`DEFAULT_PLUGINS`, Dispatch's `dispatch.plugins`). Installed entry points are read on
the first lookup, not at import, so `yuqing --help` stays fast. A plugin declares:

```toml
[project.entry-points."yuqing.notifiers"]
wxpusher = "yuqing_wxpusher:WxPusherNotifier"
```

and `get_notifier("wxpusher", http=client, clock=clock)` constructs it with that config.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

from yuqing.alerts.channels.base import Notifier
from yuqing.core.errors import Conflict, InvalidInput
from yuqing.core.i18n import _

GROUP = "yuqing.notifiers"

BUILTINS: tuple[EntryPoint, ...] = tuple(
    EntryPoint(name=kind, value=f"yuqing.alerts.channels.{module}:{cls}", group=GROUP)
    for kind, module, cls in (
        ("email", "email", "EmailNotifier"),
        ("wecom", "wecom", "WeComNotifier"),
        ("dingtalk", "dingtalk", "DingTalkNotifier"),
        ("feishu", "feishu", "FeishuNotifier"),
        ("webhook", "webhook", "WebhookNotifier"),
        ("sms", "sms", "SmsNotifier"),
    )
)


class NotifierRegistry:
    """Kinds to notifier factories; `entry_points` defaults to the installed ones."""

    def __init__(self, entry_points: Iterable[EntryPoint] | None = None) -> None:
        self._given = None if entry_points is None else tuple(entry_points)
        self._table: dict[str, EntryPoint] | None = None
        self._clashes: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _entries(self) -> dict[str, EntryPoint]:
        with self._lock:
            if self._table is None:
                found = self._given if self._given is not None else entry_points(group=GROUP)
                table: dict[str, EntryPoint] = {}
                for entry in (*BUILTINS, *found):
                    known = table.setdefault(entry.name, entry)
                    # The same target twice (a built-in also listed in pyproject) is fine;
                    # two different classes for one kind must not be settled by import order.
                    if known.value != entry.value:
                        self._clashes.setdefault(entry.name, [known.value]).append(entry.value)
                self._table = table
            return self._table

    def kinds(self) -> list[str]:
        """Every kind that can be constructed."""
        return sorted(self._entries())

    def create(self, kind: str, **config: Any) -> Notifier:
        """A notifier of `kind`, constructed with `config`."""
        entry = self._entries().get(kind)
        if entry is None:
            known = ", ".join(self.kinds())
            raise InvalidInput(
                _("unknown notifier kind {kind!r} (known: {known})").format(kind=kind, known=known)
            )
        if kind in self._clashes:
            raise Conflict(
                _("notifier kind {kind!r} is claimed by {entries}").format(
                    kind=kind, entries=self._clashes[kind]
                )
            )
        factory = entry.load()
        if getattr(factory, "kind", None) != kind or not callable(getattr(factory, "send", None)):
            raise InvalidInput(
                _("entry point {entry!r} is not a {kind!r} notifier").format(
                    entry=entry.value, kind=kind
                )
            )
        return cast("Notifier", factory(**config))


_DEFAULT = NotifierRegistry()


def get_notifier(kind: str, **config: Any) -> Notifier:
    """A notifier of `kind` from the installed registry, built with `config`."""
    return _DEFAULT.create(kind, **config)


def notifier_kinds() -> list[str]:
    """The kinds the installed registry knows."""
    return _DEFAULT.kinds()
