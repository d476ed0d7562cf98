"""What every connector shares: the source spec, the resumable cursor, the result.

A connector turns one poll of a source into CONTRACTS post objects (plain dicts; the
pipeline's `normalize` checks them) plus the cursor to resume from next time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.ids import digest

if TYPE_CHECKING:
    from yuqing.monitor.fetching import SafeClient

SourceKind = Literal["rss", "web", "jsonapi", "file"]
SEEN_LIMIT = 500  # recent item keys kept; more than most feeds or list pages show at once
# A feed that shows more keeps them all (up to this), or its older items would come back
# as new on every poll.
SEEN_MAX = 10_000
DEFAULT_MAX_ITEMS = 100


@dataclass
class SourceSpec:
    """One configured source: what to fetch and how (per-kind settings in `options`)."""

    name: str
    kind: SourceKind
    url: str
    platform: str | None = None
    media_tier: str | None = None
    internal: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def option_int(self, name: str, default: int) -> int:
        """A positive integer option, or `default`; anything else is `InvalidInput`."""
        value = self.options.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidInput(
                _("option {name!r} must be a positive integer").format(name=name), where=self.name
            )
        return value

    def option_str(self, name: str) -> str | None:
        """A text option, or None when unset."""
        value = self.options.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise InvalidInput(
                _("option {name!r} must be a string").format(name=name), where=self.name
            )
        return value

    @property
    def max_items(self) -> int:
        """Most items one poll yields."""
        return self.option_int("max_items", DEFAULT_MAX_ITEMS)

    @property
    def item_limit(self) -> int | None:
        """`max_items` when the source sets it; None means every new item."""
        if self.options.get("max_items") is None:
            return None
        return self.max_items


@dataclass
class Cursor:
    """Where the last poll stopped; stored as JSON beside the source."""

    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = field(default_factory=list)  # least recently seen first, bounded
    # The latest published_at yielded so far, ISO 8601 UTC (informational); a cursor
    # stored before may hold other text, replaced by the next real moment.
    high_water: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # per-kind state (file offset…)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of this cursor."""
        return {
            "etag": self.etag,
            "last_modified": self.last_modified,
            "seen": list(self.seen),
            "high_water": self.high_water,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | None) -> Cursor:
        """A cursor from `to_json()` output (or its JSON text); bad fields are dropped."""
        if data is None or data == "":
            return cls()
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return cls()
        if not isinstance(data, Mapping):
            return cls()

        def text(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) else None

        seen = data.get("seen")
        extra = data.get("extra")
        return cls(
            etag=text("etag"),
            last_modified=text("last_modified"),
            seen=[s for s in seen if isinstance(s, str)][-SEEN_MAX:]
            if isinstance(seen, list)
            else [],
            high_water=text("high_water"),
            extra=dict(extra) if isinstance(extra, Mapping) else {},
        )

    def seen_set(self) -> set[str]:
        """The seen keys as a set, for fast skipping."""
        return set(self.seen)

    def advanced(
        self,
        keys: Iterable[str],
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        published: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
        keep: int = SEEN_LIMIT,
    ) -> Cursor:
        """A new cursor with `keys` remembered and the validators replaced.

        `keys` count as seen just now: a key seen again moves to the recent end, so what
        a source still shows is the last to be forgotten. The `keep` most recent stay,
        never fewer than `SEEN_LIMIT` nor more than `SEEN_MAX`. `published` times are
        compared as moments (`…+08:00` and `…Z` by the instant), and those that are no
        ISO 8601 time with an offset are passed over.
        """
        # A dict is an ordered set: moving a key to the end is pop and insert.
        recent = dict.fromkeys(self.seen)
        for key in keys:
            recent.pop(key, None)
            recent[key] = None
        seen = list(recent)
        high = _moment(self.high_water)
        for value in published:
            moment = _moment(value)
            if moment is not None and (high is None or moment > high):
                high = moment
        return Cursor(
            etag=etag,
            last_modified=last_modified,
            seen=seen[-min(max(keep, SEEN_LIMIT), SEEN_MAX) :],
            high_water=self.high_water if high is None else high.astimezone(UTC).isoformat(),
            extra=dict(self.extra if extra is None else extra),
        )


def _moment(value: str | None) -> datetime | None:
    """An ISO 8601 time with an offset, or None (no time, or one without an offset)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


@dataclass
class Fetched:
    """One poll's result: new post objects, the cursor to keep, and soft problems."""

    items: list[dict[str, Any]]
    cursor: Cursor
    not_modified: bool = False
    warnings: list[str] = field(default_factory=list)
    # New items held back by the source's `max_items`; the next poll yields them.
    left_out: int = 0


class Connector(Protocol):
    """Reads one kind of source.

    >>> class Echo:
    ...     kind: ClassVar[str] = "echo"
    ...     def fetch(self, spec, *, cursor, http, now):
    ...         return Fetched(items=[{"text": spec.url}], cursor=cursor or Cursor())
    """

    kind: ClassVar[str]

    def fetch(
        self, spec: SourceSpec, *, cursor: Cursor | None, http: SafeClient, now: datetime
    ) -> Fetched:
        """Poll the source once, resuming from `cursor`."""
        ...


def item_key(item: Mapping[str, Any]) -> str:
    """The key a cursor remembers an item by: its id, else its URL, else its content."""
    own = item.get("id")
    if isinstance(own, str | int) and not isinstance(own, bool) and str(own):
        return f"id:{own}"
    url = item.get("url")
    if isinstance(url, str) and url:
        return f"url:{url}"
    return "c:" + digest(str(item.get("title") or ""), str(item.get("text") or ""))


def dotted(obj: Any, path: str | None) -> Any:
    """The value at a dotted path (`data.items.0.title`); None when any step is missing."""
    if not path:
        return obj
    for step in path.split("."):
        if isinstance(obj, Mapping):
            obj = obj.get(step)
        elif isinstance(obj, list) and step.lstrip("-").isdigit():
            index = int(step)
            obj = obj[index] if -len(obj) <= index < len(obj) else None
        else:
            return None
        if obj is None:
            return None
    return obj
