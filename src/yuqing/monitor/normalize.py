"""Normalize: an outside record (CONTRACTS "Post") becomes a checked `Post`.

Everything here treats its input as hostile: wrong types, NUL bytes, lone surrogates,
huge texts and HTML with scripts get a one-line reason (`InvalidInput`) or are made safe.
What is repaired and what is refused (`monitor/repair.py` has the rules for text, extra
fields and counts, `monitor/platforms.py` those for platform and media tier):

- `title`, `author`, `source`, `id`, `lang`, `url`: text repaired; longer than their
  limit (4096 characters; 256 for author and source, 512 for id, 32 for lang) refused.
- `text`: larger than the post limit (1 MiB) refused.
- `url`: a link that does not parse (`http://[::1`, a port past 65535) is no link: the
  post is kept without `url`, the value as written kept as `url_invalid`.
- `published_at`: a time that does not parse, or whose year is outside 1900–2100, is
  refused (an invented date would misplace the post in its event and its alerts).
- `engagement`: counts capped, parsed from text, refused when negative or NaN.
- `platform`, `media_tier`: never refused; see `monitor/platforms.py`.
- `reply_to`: a string or a number (a Weibo id), kept with the extra metadata; an
  object, a list or a boolean is refused.
- Unknown fields: kept as extra metadata, repaired; refused when absurdly deep or large.
  Counts in `engagement` other than the four are kept the same way, as `engagement_other`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.ids import derived_post_id
from yuqing.core.textfold import fold
from yuqing.monitor import htmltext, langdetect, timeparse, urls
from yuqing.monitor.platforms import Choice, platform_of, tier_of
from yuqing.monitor.posts import ENGAGEMENT_KEYS, KNOWN_FIELDS, MEDIA_TIERS, PLATFORMS, Post
from yuqing.monitor.repair import MAX_COUNT, clean_json, clean_text, parse_count

_MAX_SHORT_FIELD = 4096  # ids, URLs, names, titles: longer is not a real value


def _string(obj: Mapping[str, Any], name: str, *, limit: int = _MAX_SHORT_FIELD) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if type(value) is str:  # the common case first: this runs for every field of every post
        text = clean_text(value).strip()
    elif isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(
            _("field '{name}' must be a string, not {type}").format(
                name=name, type=type(value).__name__
            )
        )
    else:
        text = clean_text(str(value)).strip()
    if len(text) > limit:
        raise InvalidInput(
            _("field '{name}' is longer than {limit} characters").format(name=name, limit=limit)
        )
    return text or None


_NO_CHOICE = Choice(None, None)
# A category as written, the common case: its answer without folding anything.
_AS_WRITTEN = {name: Choice(name, None) for name in (*PLATFORMS, *MEDIA_TIERS)}


def _choice(obj: Mapping[str, Any], name: str, of: Callable[[str], Choice]) -> Choice:
    raw = obj.get(name)
    if raw is None:
        return _NO_CHOICE
    if type(raw) is str and raw in _AS_WRITTEN:  # the common case first: every post
        return _AS_WRITTEN[raw]
    value = _string(obj, name, limit=256)
    return _NO_CHOICE if value is None else of(value)


def _engagement(obj: Mapping[str, Any]) -> dict[str, int]:
    value = obj.get("engagement")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(_("field 'engagement' must be an object"))
    out: dict[str, int] = {}
    for key in ENGAGEMENT_KEYS:
        n = value.get(key)
        if type(n) is int and 0 <= n <= MAX_COUNT:  # the common case first: every post
            out[key] = n
            continue
        try:
            n = parse_count(n)
        except ValueError:
            raise InvalidInput(
                _("field 'engagement.{key}' must be a non-negative number").format(key=key)
            ) from None
        if n is not None:
            out[key] = n
    return out


def _url(obj: Mapping[str, Any], extra: dict[str, Any]) -> str | None:
    url = _string(obj, "url")
    if url is None:
        return None
    try:
        return urls.canonical_url(url)
    except ValueError:
        # Not a link (an unclosed IPv6 bracket, a port past 65535): which page it meant
        # is unknown, so the post goes on without one and the value is kept as written.
        extra.setdefault("url_invalid", url)
        return None


def _extra(obj: Mapping[str, Any], max_post_bytes: int) -> dict[str, Any]:
    fields = {k: v for k, v in obj.items() if k not in KNOWN_FIELDS}
    engagement = obj.get("engagement")
    if isinstance(engagement, Mapping) and any(k not in ENGAGEMENT_KEYS for k in engagement):
        # Counts of our four kinds are read; others (`shares`, `收藏`, `在看`) are kept.
        others = {k: v for k, v in engagement.items() if k not in ENGAGEMENT_KEYS}
        fields.setdefault("engagement_other", others)
    if not fields:  # the common case: nothing to repair
        return fields
    cleaned: dict[str, Any] = clean_json(fields, max_chars=max_post_bytes)
    return cleaned


def _published(
    raw: Any, *, received_at: datetime, timezone: str, extra: dict[str, Any]
) -> datetime:
    """`published_at` read; a time written relative to when the post was received
    (`3分钟前`, `昨天 14:20`, `12-06 10:00`) is read against `received_at`, and the text
    as written is kept beside it as `published_at_text`."""
    try:
        return timeparse.parse_time(raw, default_tz=timezone, field="published_at")
    except InvalidInput:
        if not isinstance(raw, str):
            raise
        found = timeparse.relative_time(
            raw, now=received_at, default_tz=timezone, field="published_at"
        )
        if found is None:
            raise
        extra.setdefault("published_at_text", clean_text(raw.strip())[:60])
        return found


def parse_post(
    obj: Any,
    *,
    received_at: datetime,
    max_post_bytes: int,
    source: str | None = None,
    platform: str | None = None,
    media_tier: str | None = None,
    line: int | None = None,
    timezone: str = "Asia/Shanghai",
) -> Post:
    """Check and normalize one record; raise `InvalidInput` with the reason."""
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise InvalidInput(
            _("a post must be a JSON object, not {type}").format(type=type(obj).__name__)
        )
    raw_text = obj.get("text")
    if raw_text is not None and not isinstance(raw_text, str):
        raise InvalidInput(
            _("field '{name}' must be a string, not {type}").format(
                name="text", type=type(raw_text).__name__
            )
        )
    # At most 4 bytes a character: only a long text is worth encoding to measure.
    if (
        raw_text is not None
        and len(raw_text) * 4 > max_post_bytes
        and len(raw_text.encode("utf-8", "surrogatepass")) > max_post_bytes
    ):
        raise InvalidInput(
            _("field 'text' is larger than {limit} bytes").format(limit=max_post_bytes)
        )
    title = _string(obj, "title") or ""
    raw_text = clean_text(raw_text or "")
    html: str | None = None
    if htmltext.looks_like_html(raw_text):
        html = raw_text
        text = htmltext.html_to_text(raw_text)
    else:
        text = raw_text.strip()
    if htmltext.looks_like_html(title):
        title = htmltext.html_to_text(title)
    else:  # a headline escaped twice (feeds, content systems) still reads as words
        title = clean_text(htmltext.unescape_entities(title)).strip()
    if not text and not title:
        raise InvalidInput(_("post has neither 'text' nor 'title'"))

    parent = obj.get("reply_to")
    if parent is not None and (
        isinstance(parent, bool) or not isinstance(parent, str | int | float)
    ):
        # An object or a list names no post: the reply would silently miss its thread.
        raise InvalidInput(
            _("field '{name}' must be a string, not {type}").format(
                name="reply_to", type=type(parent).__name__
            )
        )
    extra = _extra(obj, max_post_bytes)
    url = _url(obj, extra)
    published_raw = obj.get("published_at")
    published_at = (
        received_at
        if published_raw in (None, "")
        else _published(published_raw, received_at=received_at, timezone=timezone, extra=extra)
    )
    lang = _string(obj, "lang", limit=32)
    own_id = _string(obj, "id", limit=512)
    folded = fold(f"{title}\n{text}" if title else text)
    own_platform = _choice(obj, "platform", platform_of)
    if own_platform.name is not None:
        extra.setdefault("platform_name", own_platform.name)
    own_tier = _choice(obj, "media_tier", tier_of)
    if own_tier.name is not None:
        extra.setdefault("media_tier_name", own_tier.name)
    return Post(
        id=own_id or derived_post_id(url=url, content=folded),
        has_own_id=own_id is not None,
        title=title,
        text=text,
        html=html,
        folded=folded,
        url=url,
        source=_string(obj, "source", limit=256) or source or "",
        platform=own_platform.value or platform,
        media_tier=own_tier.value or media_tier,
        author=_string(obj, "author", limit=256),
        published_at=published_at,
        received_at=received_at,
        lang=lang.lower() if lang else langdetect.detect(folded),
        engagement=_engagement(obj),
        extra=extra,
        line=line,
    )
