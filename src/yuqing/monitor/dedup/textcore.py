"""The dedup core of a post: the text a copy shares with its original.

A copy differs from its original by what is wrapped around the story, not by the story:
repost chains (`//@name:`), `转发` and `RT @x:` prefixes, links, @mentions, emoticon tags,
reprint lines (`来源：…`, `（责任编辑：…）`), punctuation and spacing. All of that is removed
here, and the numbers and place names of the story are kept aside, because two different
stories on one topic differ mostly there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yuqing.core.postmarks import EMOTICON, LINK, MENTION_NAME
from yuqing.core.textfold import fold

# Below this many core characters a text is "short": only exact equality makes it a copy,
# since a few shared characters say nothing about a shared story.
SHORT_CHARS = 16
# A repost segment this long or longer is taken as the quoted story.
STORY_CHARS = 8
# Long posts are compared by their beginning: a reprint cut short keeps the beginning,
# and hashing a 100 KB post in full buys nothing for the decision.
MAX_CORE_CHARS = 8000

# Weibo-style repost chains `comment//@name:quoted`, and Twitter-style `RT @name:`.
# The text is folded first, so full-width `／／＠：` are already ASCII.
_CHAIN = re.compile(r"(?://\s*@|\brt\s+@)[^\s:/@]{1,30}\s*:")
# A repost marker at the start (`转发：`, `【转载】`, `Repost:`), and platform chrome.
# Each pattern starts with a literal or a character class, so `re` scans for it fast.
_REPOST_PREFIX = re.compile(r"\s*(?:【\s*)?转(?:发|载|自)(?:\s*】)?\s*:?|\s*repost(?:ed)?\s*:?")
_CHROME = re.compile(r"转发微博|分享图片|网页链接|展开全文|收起全文|查看图片|原图|via\s+@\S+")
_URL = re.compile(LINK + r"|t\.cn/\S+")
# Reprint lines: who edited, where it came from. They change between reprints of a story.
# Three patterns, not one alternation: each alone keeps `re`'s fast first-character scan.
_BOILERPLATE = (
    re.compile(
        r"(?:责任编辑|编辑|责编|来源|文章来源|本文来源|稿件来源|原标题|作者|记者|通讯员"
        r"|审核|校对|监制|出品|图片来源|图源|摄影|供图|实习生|主编|统筹|策划|新闻来源|原文链接)"
        r"\s*[:丨|]\s*[^\n。)）]{0,40}"
    ),
    re.compile(r"[(（]\s*(?:记者|通讯员|实习生)[^()（）]{0,30}[)）]"),
    re.compile(r"转载请注明出处|点击阅读原文|阅读原文|本文转自\S{0,30}|声明:[^\n]{0,80}"),
)
# Everything that is not a letter or digit: punctuation, spaces, emoji, symbols.
_NOT_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Place-like names: two characters before a place suffix (朝阳区, 阳光小区, 实验小学).
_PLACE_SUFFIX = re.compile(
    r"省|市|县|区|镇|乡|村|街道|路|小区|社区|中学|小学|大学|学院|医院|幼儿园|公司|集团|商场|酒店"
)


@dataclass(slots=True, frozen=True)
class Core:
    """The normalized story of a post and the names and numbers it states."""

    text: str  # letters and digits only; "" when the post has no story of its own
    entities: frozenset[str]


def _clean(text: str) -> str:
    """Letters and digits of `text`, without links, mentions, tags and reprint lines."""
    if "/" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = MENTION_NAME.sub(" ", text)
    if "[" in text:
        text = EMOTICON.sub(" ", text)
    text = _CHROME.sub(" ", text)
    prefix = _REPOST_PREFIX.match(text)
    if prefix is not None and prefix.end():
        text = text[prefix.end() :]
    for pattern in _BOILERPLATE:
        text = pattern.sub(" ", text)
    return _NOT_WORD.sub("", text)


def _story(text: str) -> str:
    """The quoted story of a repost chain, or the text itself when it is no repost."""
    if "@" not in text:
        return text
    parts = _CHAIN.split(text)
    if len(parts) == 1:
        return text
    # Weibo puts the newest comment first and the quoted original last: the last
    # segment with some substance is the story; the comments before it are not.
    for part in reversed(parts):
        if len(_clean(part)) >= STORY_CHARS:
            return part
    return max(reversed(parts), key=lambda p: len(_clean(p)))


def body_of(folded: str, title: str) -> str:
    """The folded text without its folded title line(s)."""
    if not title:
        return folded
    return folded.split("\n", title.count("\n") + 1)[-1]


def core_of(*, folded: str, title: str, text: str) -> Core:
    """The dedup core of a post given its folded title+text and its raw title and text."""
    if not folded and (title or text):
        folded = fold(f"{title}\n{text}" if title else text)
    # A re-titled reprint keeps its body: compare bodies, and use the title only when
    # the body alone is too short to tell a story (title-only posts, "详见链接").
    # Cleaning keeps at most the first 2·MAX_CORE_CHARS characters: linear cost, capped.
    body = _story(body_of(folded, title))[: 2 * MAX_CORE_CHARS]
    core = _clean(body)
    if len(core) < SHORT_CHARS and title:
        core = _clean(_story(folded)[: 2 * MAX_CORE_CHARS])
    if len(core) > MAX_CORE_CHARS:
        core = core[:MAX_CORE_CHARS]
    return Core(core, _names(core))


def _names(core: str) -> frozenset[str]:
    """Numbers and place-like names (two characters before a place suffix: 朝阳区, 实验小学)."""
    names = set(_NUMBER.findall(core))
    for match in _PLACE_SUFFIX.finditer(core):
        if match.start() >= 2:
            names.add(core[match.start() - 2 : match.end()])
    return frozenset(names)
