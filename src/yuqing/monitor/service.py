"""Operations on sources and watches (keyword-only; the caller commits)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.monitor import models
from yuqing.monitor.platforms import platform_of, tier_of
from yuqing.monitor.posts import MEDIA_TIERS, PLATFORMS
from yuqing.monitor.schemas import SourceCreate, SourceUpdate
from yuqing.monitor.watches import Watch, parse_watch, watch_spec


def _category(value: str | None, what: str) -> str | None:
    """A source's platform or tier as its category: the usual names map as in posts
    (`微博` is microblog, `央媒` central); an unknown one is refused, since a person is
    configuring the source and can say which category it is."""
    if value is None:
        return None
    choice = platform_of(value) if what == "platform" else tier_of(value)
    known = choice.value is not None and not (choice.value == "other" and choice.name)
    if not known:
        allowed = PLATFORMS if what == "platform" else MEDIA_TIERS
        # `what` is the option's name as written (platform, tier): not translated.
        raise InvalidInput(
            _("{what} must be one of {options}, not {value!r}").format(
                what=what, options=", ".join(allowed), value=value
            )
        )
    return choice.value


# What each connector reads from a source's options (docs/monitoring.md, "Connectors").
SOURCE_OPTIONS: dict[str, tuple[str, ...]] = {
    "rss": ("max_items", "timezone"),
    "web": (
        "link_selector", "list_selector", "next_selector", "max_pages", "title_selector",
        "text_selector", "time_selector", "author_selector", "page", "same_site", "timezone",
        "max_items",
    ),
    "jsonapi": ("items_path", "fields", "page_param", "max_pages", "timezone", "max_items"),
    "file": ("path", "format", "max_items"),
}  # fmt: skip
_OPTION_CHOICES = {"page": ("list", "article"), "format": ("jsonl", "csv")}


def check_options(kind: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """A source's options as its connector reads them; an option the kind does not know,
    or a value of the wrong kind, is refused naming the option (a typo would otherwise be
    kept and ignored at every poll)."""
    known = SOURCE_OPTIONS.get(kind, ())
    for name, value in options.items():
        if name not in known:
            raise InvalidInput(
                _("unknown option {name!r} for a {kind} source (known: {known})").format(
                    name=name, kind=kind, known=", ".join(known)
                )
            )
        if name in ("max_items", "max_pages"):
            good = type(value) is int and value > 0
            expected = _("a positive integer")
        elif name == "same_site":
            good = isinstance(value, bool)
            expected = _("true or false")
        elif name == "fields":
            good = isinstance(value, Mapping) and all(
                isinstance(v, str) and v for v in value.values()
            )
            expected = _("a JSON object of post field to dotted path")
        elif name in _OPTION_CHOICES:
            good = value in _OPTION_CHOICES[name]
            expected = _("one of {choices}").format(choices=", ".join(_OPTION_CHOICES[name]))
        elif name == "timezone":
            good = isinstance(value, str) and _is_zone(value)
            expected = _("an IANA time zone such as Asia/Shanghai")
        else:
            good = isinstance(value, str) and bool(value)
            expected = _("non-empty text")
        if not good:
            raise InvalidInput(
                _("option {name!r} must be {expected}, not {value!r}").format(
                    name=name, expected=expected, value=value
                )
            )
    return dict(options)


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# A tab or a line break in a name splits `yuqing source list`'s columns and lines.
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _check_name(name: str) -> None:
    if _NAME_CONTROL.search(name):
        raise InvalidInput(
            _("a source name must not hold control characters: {name!r}").format(name=name)
        )


def _check_url(kind: str, url: str) -> None:
    if kind != "file" and not url.lower().startswith(("http://", "https://")):
        raise InvalidInput(_("source URL must be http:// or https://, not {url!r}").format(url=url))


def create_source(*, session: Session, clock: Clock, source_in: SourceCreate) -> models.Source:
    """Add a source; its first poll is due at once."""
    source_in = source_in.model_copy(
        update={
            "platform": _category(source_in.platform, "platform"),
            "media_tier": _category(source_in.media_tier, "tier"),
        }
    )
    _check_name(source_in.name)
    _check_url(source_in.kind, source_in.url)
    source_in.options = check_options(source_in.kind, source_in.options)
    if session.scalar(select(models.Source.id).where(models.Source.name == source_in.name)):
        raise Conflict(_("a source named {name!r} exists already").format(name=source_in.name))
    now = clock.now()
    source = models.Source(
        **source_in.model_dump(),
        enabled=True,
        created_at=now,
        next_poll_at=now,
        consecutive_failures=0,
        items_seen=0,
        items_kept=0,
    )
    session.add(source)
    session.flush()
    return source


def update_source(
    *, session: Session, clock: Clock, name: str, source_in: SourceUpdate
) -> models.Source:
    """Change a source; a new URL or interval makes its next poll due at once."""
    source = get_source_or_raise(session=session, name=name)
    changes = source_in.model_dump(exclude_none=True)
    for key, what in (("platform", "platform"), ("media_tier", "tier")):
        if key in changes:
            changes[key] = _category(changes[key], what)
    if "options" in changes:
        changes["options"] = check_options(source.kind, changes["options"])
    if "url" in changes:
        _check_url(source.kind, changes["url"])
        if changes["url"] != source.url:
            source.cursor = None  # another feed: what was seen there says nothing here
    for key, value in changes.items():
        setattr(source, key, value)
    if {"url", "interval_s", "enabled"} & changes.keys():
        source.next_poll_at = clock.now()
        source.consecutive_failures = 0
    session.flush()
    return source


def get_source(*, session: Session, name: str) -> models.Source | None:
    return session.scalar(select(models.Source).where(models.Source.name == name))


def get_source_or_raise(*, session: Session, name: str) -> models.Source:
    source = get_source(session=session, name=name)
    if source is None:
        raise NotFound(_("no source named {name!r}").format(name=name))
    return source


def get_all_sources(*, session: Session) -> Sequence[models.Source]:
    return session.scalars(select(models.Source).order_by(models.Source.name)).all()


def delete_source(*, session: Session, name: str) -> None:
    """Remove a source; the posts it brought stay in the store."""
    session.delete(get_source_or_raise(session=session, name=name))
    session.flush()


def due_sources(*, session: Session, now: datetime) -> Sequence[models.Source]:
    """Enabled sources whose next poll is due."""
    return session.scalars(
        select(models.Source)
        .where(models.Source.enabled.is_(True))
        .where((models.Source.next_poll_at.is_(None)) | (models.Source.next_poll_at <= now))
        .order_by(models.Source.next_poll_at, models.Source.name)
    ).all()


def upsert_watches(*, session: Session, clock: Clock, watches: Sequence[Watch]) -> tuple[int, int]:
    """Add or replace watches by name; returns (added, replaced). A watch saved again as
    it was keeps its time of change (the watches page said every watch changed when a
    demo, or a deployment loading its watch file, started again)."""
    now = clock.now()
    existing = {
        w.name: w
        for w in session.scalars(
            select(models.Watch).where(models.Watch.name.in_([w.name for w in watches]))
        )
    }
    added = replaced = 0
    for watch in watches:
        row = existing.get(watch.name)
        if row is None:
            row = models.Watch(name=watch.name, created_at=now)
            session.add(row)
            added += 1
        else:
            replaced += 1
        values = {
            "rule": watch.expr if watch.groups is None else None,
            "groups": watch.groups,
            "sources": sorted(watch.sources) if watch.sources is not None else None,
            "organization": watch.organization,
            "department": watch.department,
        }
        if row.updated_at is None or any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
    session.flush()
    return added, replaced


def delete_watch(*, session: Session, name: str) -> None:
    result = session.execute(delete(models.Watch).where(models.Watch.name == name))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(_("no watch named {name!r}").format(name=name))


def get_all_watch_rows(*, session: Session) -> Sequence[models.Watch]:
    return session.scalars(select(models.Watch).order_by(models.Watch.name)).all()


def watch_from_row(row: models.Watch) -> Watch:
    """The compiled watch of a stored row."""
    spec = watch_spec(
        name=row.name,
        rule=row.rule,
        groups=row.groups,
        sources=row.sources,
        organization=row.organization,
        department=row.department,
    )
    return parse_watch(spec, where=_("watch {name!r}").format(name=row.name))


def load_watches(*, session: Session) -> list[Watch]:
    """All stored watches, compiled."""
    return [watch_from_row(row) for row in get_all_watch_rows(session=session)]
