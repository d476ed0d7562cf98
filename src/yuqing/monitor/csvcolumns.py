"""CSV column names as spreadsheets write them, mapped to the post's fields.

A table exported from a monitoring system or typed in Excel in a Chinese office names
its columns `标题`, `正文`, `发布时间`, `链接`, `点赞数` …, or `Title`, `Content`, `Date`;
taken as written, none is `text` or `title`, and every row of the file was refused. A
column is compared folded (case, full- and half-width forms, Traditional and Simplified
are one; spaces, `-`, `_` and `.` are ignored) with the names below. When two columns
name the same field (`正文` and `摘要`), the one whose name comes first in the list
wins and the other stays as written, kept with the post as metadata.
"""

from __future__ import annotations

import re
from functools import lru_cache

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.textfold import fold
from yuqing.monitor.posts import ENGAGEMENT_KEYS

# Field → the column names people use for it, best first (the field's own name first).
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "url": (
        "url", "链接", "原文链接", "文章链接", "帖子链接", "网址", "原文地址", "链接地址", "link",
        "permalink",
    ),
    "source": ("source", "来源", "信息来源", "来源网站", "站点", "站点名称", "网站", "网站名称",
               "媒体名称", "site", "sitename", "website"),
    "platform": ("platform", "平台", "媒体类型", "来源类型", "渠道", "channel"),
    "media_tier": ("media_tier", "媒体级别", "媒体层级", "媒体等级", "tier"),
    "title": ("title", "标题", "帖子标题", "文章标题", "题目", "headline", "subject"),
    "text": ("text", "正文", "内容", "全文", "帖子内容", "文章内容", "微博内容", "content", "body",
             "摘要", "summary"),
    "author": ("author", "作者", "发布者", "发布人", "发帖人", "博主", "作者昵称", "昵称", "用户名",
               "账号", "user", "username"),
    "published_at": ("published_at", "发布时间", "发表时间", "发帖时间", "发文时间", "发布日期",
                     "时间", "日期", "published", "publishedat", "pubdate", "date", "time",
                     "datetime"),
    "lang": ("lang", "语言", "语种", "language"),
    "reply_to": ("reply_to", "回复对象"),
    "reposts": ("reposts", "转发", "转发数", "转发量", "分享数", "shares", "retweets"),
    "comments": ("comments", "评论", "评论数", "评论量", "回复数", "replies"),
    "likes": ("likes", "点赞", "点赞数", "点赞量", "赞", "喜欢", "favorites"),
    "views": ("views", "阅读", "阅读数", "阅读量", "浏览", "浏览量", "浏览数", "播放", "播放量",
              "播放数", "观看数", "pageviews", "plays"),
}  # fmt: skip

_IGNORED = re.compile(r"[\s\-_.·]+")


def _key(name: str) -> str:
    return _IGNORED.sub("", fold(name))


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, int]]:
    """Folded column name → (field, rank); a lower rank is a better name for the field."""
    return {
        _key(name): (field, rank)
        for field, names in COLUMN_NAMES.items()
        for rank, name in enumerate(names)
    }


def _known(name: str) -> tuple[str, int] | None:
    if name in COLUMN_NAMES:  # the common case: the file uses the fields' own names
        return name, 0
    bare = name.removeprefix("engagement.")
    if bare in ENGAGEMENT_KEYS:
        return bare, 0
    return _table().get(_key(name))


def column_fields(header: list[str]) -> list[str]:
    """The field each column of `header` fills: a post field or engagement count, or its
    own name (kept as metadata) when it names none or a better column names the same."""
    names = [name.strip() for name in header]
    best: dict[str, tuple[int, int]] = {}  # field → (rank, index) of its best column
    for index, name in enumerate(names):
        found = _known(name)
        if found is not None and (found[0] not in best or found[1] < best[found[0]][0]):
            best[found[0]] = (found[1], index)
    winners = {index: field for field, (_rank, index) in best.items()}
    return [winners.get(index, name) for index, name in enumerate(names)]


def check_columns(fields: list[str]) -> None:
    """Refuse a header none of whose columns can give a post its text or title."""
    if "text" not in fields and "title" not in fields:
        raise InvalidInput(
            _(
                "the header names no 'text' or 'title' column (nor 正文, 内容, 标题 …); "
                "its columns: {columns}"
            ).format(columns=", ".join(name for name in fields if name) or "-")
        )
