"""Normalize: an outside record (CONTRACTS "Post") becomes a checked `Post`.

Everything here treats its input as hostile: wrong types, NUL bytes, lone surrogates,
huge texts and HTML with scripts get a one-line reason (`InvalidInput`) or are made safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.ids import derived_post_id
from yuqing.core.textfold import fold
from yuqing.monitor import htmltext, langdetect, timeparse, urls
from yuqing.monitor.posts import ENGAGEMENT_KEYS, KNOWN_FIELDS, MEDIA_TIERS, PLATFORMS, Post

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Control characters or lone surrogates: one scan finds out whether there is work to do.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_MAX_SHORT_FIELD = 4096  # ids, URLs, names, titles: longer is not a real value
_MAX_COUNT = 2**62  # engagement counts are capped: they must fit the store's BIGINT


def clean_text(value: str) -> str:
    """Drop NUL and other control characters and lone surrogates; keep newlines and tabs."""
    if _UNSAFE.search(value) is None:  # the common case: nothing to drop
        return value
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


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


def _choice(obj: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    raw = obj.get(name)
    if raw is None or (type(raw) is str and raw in allowed):  # the common case: done
        return raw
    value = _string(obj, name)
    if value is None:
        return None
    value = value.lower()
    if value not in allowed:
        raise InvalidInput(
            _("field '{name}' must be one of {options}, not {value!r}").format(
                name=name, options=", ".join(allowed), value=value
            )
        )
    return value


def _engagement(obj: Mapping[str, Any]) -> dict[str, int]:
    value = obj.get("engagement")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(_("field 'engagement' must be an object"))
    out: dict[str, int] = {}
    for key in ENGAGEMENT_KEYS:
        n = value.get(key)
        if n is None:
            continue
        if type(n) is int and 0 <= n <= _MAX_COUNT:  # the common case first: every post
            out[key] = n
            continue
        if isinstance(n, bool) or not isinstance(n, int | float) or n < 0 or n != n:
            raise InvalidInput(
                _("field 'engagement.{key}' must be a non-negative number").format(key=key)
            )
        out[key] = min(int(n), _MAX_COUNT)
    return out


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
    if not text and not title:
        raise InvalidInput(_("post has neither 'text' nor 'title'"))

    url = _string(obj, "url")
    if url is not None:
        url = urls.canonical_url(url)
    published_raw = obj.get("published_at")
    published_at = (
        received_at
        if published_raw in (None, "")
        else timeparse.parse_time(published_raw, default_tz=timezone, field="published_at")
    )
    lang = _string(obj, "lang", limit=32)
    own_id = _string(obj, "id", limit=512)
    folded = fold(f"{title}\n{text}" if title else text)
    return Post(
        id=own_id or derived_post_id(url=url, content=folded),
        has_own_id=own_id is not None,
        title=title,
        text=text,
        html=html,
        folded=folded,
        url=url,
        source=_string(obj, "source", limit=256) or source or "",
        platform=_choice(obj, "platform", PLATFORMS) or platform,
        media_tier=_choice(obj, "media_tier", MEDIA_TIERS) or media_tier,
        author=_string(obj, "author", limit=256),
        published_at=published_at,
        received_at=received_at,
        lang=lang.lower() if lang else langdetect.detect(folded),
        engagement=_engagement(obj),
        extra={k: v for k, v in obj.items() if k not in KNOWN_FIELDS},
        line=line,
    )
