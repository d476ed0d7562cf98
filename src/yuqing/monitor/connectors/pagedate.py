"""When an article page says it was published: metadata first, then the visible byline.

Order: publish-time metadata (`article:published_time`, the meta names CMSs and
government sites use, JSON-LD `datePublished`, a WeChat article's `var ct`, `<time
datetime>`), then the time in the
byline (the first full date after the headline, or one labelled 发布时间 / Published).
Given the moment the page was fetched, a time the page writes relative to it (`3分钟前`,
`昨天 14:20`, `12-06 10:00`, `2 hours ago`) is read too, as `pagerelative.py` says.
A date is never taken from a link (its text or its URL) and never made up from a bare
year: a guess from elsewhere (trafilatura) counts only when the page shows that day.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from yuqing.core.errors import InvalidInput
from yuqing.monitor.connectors.pagerelative import PageTime, read_relative, relative_spans
from yuqing.monitor.timeparse import parse_time

# Lower-cased meta name / property / itemprop values that carry the first publication.
_META_NAMES = frozenset(
    {
        "article:published_time",
        "og:published_time",
        "og:release_date",
        "datepublished",
        "pubdate",
        "publishdate",
        "publish_date",
        "publish-date",
        "publication_date",
        "publishtime",
        "publish_time",
        "firstpublishedtime",
        "article.published",
        "article:published",
        "dc.date",
        "dc.date.issued",
        "dc.date.created",
        "dcterms.issued",
        "dcterms.created",
        "sailthru.date",
        "parsely-pub-date",
        "originalpublicationdate",
        "weibo:article:create_at",
        "bytedance:published_time",
        "apub:time",
    }
)
_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "blogposting",
        "socialmediaposting",
        "discussionforumposting",
        "report",
        "webpage",
    }
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_CLOCK = (
    r"(?:\s*(?:,|at|T)?\s*(?P<h>\d{1,2})\s*[:：时]\s*(?P<mi>\d{2})(?:\s*[:：分]\s*(?P<s>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?(?:\s*(?P<tz>GMT|UTC|Z|[+-]\d{2}:?\d{2}))?)?"
)
# A full date (year, month and day) in the forms bylines use, with an optional clock time.
_DATE_TEXT = re.compile(
    r"(?<!\d)(?:"
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"|" + _MONTH + r"\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4})"
    r"|(?P<d3>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH.replace("mon", "mon3") + r",?\s+(?P<y3>\d{4})"
    r")" + _CLOCK,
    re.IGNORECASE,
)
# Words that introduce the publication time in a byline; "updated" is not one.
# Words that introduce the publication time in a byline, strongest first: a government
# page shows 成文日期 (when it was written) beside 发布日期 (when it was published).
# "Updated" is not one.
_LABELS = (
    re.compile(
        r"(?:发布时间|发布日期|发表时间|发表于|发布于|发文时间|published(?:\s+on)?|posted(?:\s+on)?"
        r"|first published)\s*[:：]?\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"(?:时间|日期|date)\s*[:：]?\s*$", re.IGNORECASE),
)
_HEADLINE_LINK = 5  # characters: link texts shorter than this are labels ("来源", "作者")
ITEM_MAX_CHARS = 400  # a list item: headline, date, a teaser; more is an article's text
_BYLINE_WINDOW = 400
_MAX_TIME_CHARS = 64  # characters after the headline that still belong to the byline
_PARAGRAPH = re.compile(r"^[^\n]{80,}$", re.MULTILINE)
_OTHER_BOX = re.compile(r"comment|reply|related|recommend|sidebar|widget", re.I)
_SKIP = ("a", "script", "style", "noscript", "template", "select", "option", "nav", "footer")


def time_of(value: str, timezone: str, *, now: datetime | None = None) -> str | None:
    """A stated time (ISO 8601, RFC 2822, 2026年3月1日 09:30, March 1, 2026) as ISO UTC.

    With `now` (when the page was fetched), a time written relative to it too (`3分钟前`,
    `昨天 14:20`): a `PageTime` that keeps the text as written.
    """
    value = value.strip()
    if not value:
        return None
    if len(value) <= _MAX_TIME_CHARS:
        try:
            return parse_time(value.replace("：", ":"), default_tz=timezone).isoformat()
        except InvalidInput:
            relative = read_relative(value, now=now, timezone=timezone) if now else None
            if relative is not None:
                return relative
    # A sentence around it ("发布时间：2026-03-01 09:30 来源：…"): the first full date.
    found = _from_text(value[:_BYLINE_WINDOW], timezone)
    if found is None and now is not None:
        return _relative_in(value[:_BYLINE_WINDOW], now=now, timezone=timezone)
    return found


def _labelled(text: str, start: int, label: re.Pattern[str]) -> bool:
    return label.search(text[max(0, start - 30) : start]) is not None


def _relative_in(
    text: str, *, now: datetime, timezone: str, label: re.Pattern[str] | None = None
) -> PageTime | None:
    """The first relative time standing apart in `text` (labelled by `label` if given;
    a bare day word or a date without its year only when some label introduces it)."""
    for span in relative_spans(text):
        if label is not None and not _labelled(text, span.start, label):
            continue
        if span.needs_label and not any(_labelled(text, span.start, ls) for ls in _LABELS):
            continue
        found = read_relative(span.text, now=now, timezone=timezone)
        if found is not None:
            return found
    return None


def _from_text(text: str, timezone: str) -> str | None:
    for match in _DATE_TEXT.finditer(text):
        found = _match_time(match, timezone)
        if found:
            return found
    return None


def _match_time(match: re.Match[str], timezone: str) -> str | None:
    groups = match.groupdict()
    month_name = groups.get("mon") or groups.get("mon3")
    try:
        if groups.get("y"):
            year, month, day = int(groups["y"]), int(groups["m"]), int(groups["d"])
        elif month_name:
            year = int(groups.get("y2") or groups["y3"])
            day = int(groups.get("d2") or groups["d3"])
            month = _MONTHS[month_name.lower().rstrip(".")]
        else:
            return None
        hour = int(groups["h"]) if groups.get("h") else 0
        minute = int(groups["mi"]) if groups.get("mi") else 0
        second = int(groups["s"]) if groups.get("s") else 0
        ampm = (groups.get("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        moment = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - zone below
    except (ValueError, KeyError):
        return None
    text = moment.isoformat()
    zone = (groups.get("tz") or "").upper()
    if zone in ("GMT", "UTC", "Z"):
        text += "+00:00"
    elif zone:
        text += zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    try:
        return parse_time(text, default_tz=timezone).isoformat()
    except InvalidInput:
        return None


def _meta_time(tree: Any, timezone: str, now: datetime | None) -> str | None:
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or ""
        if key.strip().lower() in _META_NAMES:
            found = time_of(attrs.get("content") or "", timezone, now=now)
            if found:
                return found
    for node in tree.css('[itemprop="datePublished"]'):
        value = node.attributes.get("datetime") or node.attributes.get("content") or node.text()
        found = time_of(value or "", timezone, now=now)
        if found:
            return found
    return None


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for value in data:
            yield from _ld_objects(value)
    elif isinstance(data, dict):
        yield data
        yield from _ld_objects(data.get("@graph"))


def _ld_types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def json_ld(tree: Any) -> list[dict[str, Any]]:
    """The JSON-LD objects of a page that describe an article (or any web page)."""
    found: list[dict[str, Any]] = []
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text() or "")
        except ValueError:
            continue  # a broken block is common; the rest of the page still counts
        found.extend(obj for obj in _ld_objects(data) if _ld_types(obj) & _ARTICLE_TYPES)
    return found


def _ld_time(tree: Any, timezone: str, now: datetime | None) -> str | None:
    objects = sorted(json_ld(tree), key=lambda obj: "webpage" in _ld_types(obj))
    for obj in objects:
        for key in ("datePublished", "dateCreated"):
            value = obj.get(key)
            found = time_of(value, timezone, now=now) if isinstance(value, str) else None
            if found:
                return found
    return None


# A WeChat article (mp.weixin.qq.com) states its publication only in a script, as Unix
# seconds (`var ct = "1772440200";`); the page shows it once the script has run.
_SCRIPT_TIME = re.compile(r"""\bvar\s+ct\s*=\s*["'](\d{10})["']""")
_EPOCH_RANGE = (946_684_800, 4_102_444_800)  # 2000 to 2100, as for a post's Unix seconds


def _script_time(tree: Any) -> str | None:
    for node in tree.css("script"):
        if node.attributes.get("src"):
            continue
        match = _SCRIPT_TIME.search(node.text() or "")
        if match and _EPOCH_RANGE[0] <= int(match.group(1)) < _EPOCH_RANGE[1]:
            return datetime.fromtimestamp(int(match.group(1)), UTC).isoformat()
    return None


def _in_skipped(node: Any) -> bool:
    # Inside a link, a list item or a comment box, a <time> dates something else.
    parent = node.parent
    while parent is not None:
        if parent.tag in ("a", "li", "aside", "nav"):
            return True
        marks = f"{parent.attributes.get('class') or ''} {parent.attributes.get('id') or ''}"
        if _OTHER_BOX.search(marks):
            return True
        parent = parent.parent
    return False


def _time_element(tree: Any, timezone: str, now: datetime | None) -> str | None:
    # A <time> in a related-links list dates another article: only free-standing ones.
    for node in tree.css("time"):
        if _in_skipped(node):
            continue
        value = node.attributes.get("datetime") or node.text()
        found = time_of(value or "", timezone, now=now)
        if found:
            return found
    return None


def visible_text(tree: Any) -> str:
    """The page's body text without links, scripts, navigation and footers."""
    body = tree.body
    if body is None:
        return ""
    clone = type(tree)(body.html or "")
    # A list item holding a headline link is another article's, its date included.
    # (Only item-sized ones: old CMSs lay the whole page out in one table row.)
    for item in clone.css("li, tr"):
        if len(item.text(strip=True) or "") <= ITEM_MAX_CHARS and any(
            len(a.text(strip=True) or "") >= _HEADLINE_LINK for a in item.css("a")
        ):
            item.decompose()
    for tag in _SKIP:
        for node in clone.css(tag):
            node.decompose()
    root = clone.body
    return root.text(separator="\n") if root is not None else ""


def byline_time(
    text: str, headline: str | None, timezone: str, *, now: datetime | None = None
) -> str | None:
    """The byline's time: a labelled date, else the first full date after the headline.

    With `now` (the fetch), a relative time counts as a date does (`发布时间：3小时前`).
    """
    for label in _LABELS:
        for match in _DATE_TEXT.finditer(text):
            if _labelled(text, match.start(), label):
                found = _match_time(match, timezone)
                if found:
                    return found
        relative = _relative_in(text, now=now, timezone=timezone, label=label) if now else None
        if relative is not None:
            return relative
    at = text.find(headline) + len(headline) if headline and headline in text else -1
    if at >= 0:
        window = text[at : at + _BYLINE_WINDOW]
        # The byline ends where the body starts: a date below the first paragraph dates
        # something else (a related article, a comment).
        paragraph = _PARAGRAPH.search(window)
        byline = window[: paragraph.start()] if paragraph else window
        first = _DATE_TEXT.search(byline)
        if now is not None:
            # A relative time before any full date is the byline's (`张三 | 2小时前`).
            before = byline[: first.start()] if first else byline
            relative = _relative_in(before, now=now, timezone=timezone)
            if relative is not None:
                return relative
        if first:
            return _match_time(first, timezone)
    return None


def published_time(
    tree: Any,
    *,
    text: str,
    headline: str | None,
    timezone: str,
    guess: str | None = None,
    now: datetime | None = None,
) -> str | None:
    """The page's publication time as ISO 8601 UTC, or None when the page does not say.

    With `now`, when the page was fetched: a time the page writes relative to it is read
    against it, and comes back as a `PageTime` holding the text as written.
    """
    stated = _meta_time(tree, timezone, now) or _ld_time(tree, timezone, now) or _script_time(tree)
    shown = _time_element(tree, timezone, now) or byline_time(text, headline, timezone, now=now)
    if stated and shown and _same_day_with_clock(stated, shown, timezone):
        return shown  # metadata gave the day only; the byline adds the time of day
    if stated or shown:
        return stated or shown
    return _shown_day(guess, text, timezone) if guess else None


def _same_day_with_clock(stated: str, shown: str, timezone: str) -> bool:
    zone = ZoneInfo(timezone)
    day = datetime.fromisoformat(stated).astimezone(zone)
    other = datetime.fromisoformat(shown).astimezone(zone)
    return day.time() == time(0) and day.date() == other.date() and other.time() != time(0)


def _shown_day(guess: str, text: str, timezone: str) -> str | None:
    # An outside guess (trafilatura's htmldate) may come from a bare year ("© 2025"
    # becomes January 1) or from a link's URL: keep it only when the page shows that day.
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", guess)
    if not match:
        return None
    day = tuple(int(g) for g in match.groups())
    for shown in _DATE_TEXT.finditer(text):
        groups = shown.groupdict()
        try:
            if groups.get("y"):
                seen = (int(groups["y"]), int(groups["m"]), int(groups["d"]))
            else:
                month = _MONTHS[(groups.get("mon") or groups["mon3"]).lower().rstrip(".")]
                seen = (
                    int(groups.get("y2") or groups["y3"]),
                    month,
                    int(groups.get("d2") or groups["d3"]),
                )
        except (KeyError, AttributeError):
            continue
        if seen == day:
            return _match_time(shown, timezone)
    return None
