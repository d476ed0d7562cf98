"""The usual names of platforms and media tiers, mapped to CONTRACTS' categories.

People write `微博`, `weibo`, `抖音`, `B站`, `公众号`, `Twitter`… in `platform`, and `央媒`,
`省级`, `自媒体`… in `media_tier`. A name is compared folded (full-width and half-width
forms, Traditional and Simplified Chinese, upper and lower case are one; spaces, `-`, `_`
and `.` are ignored), so `ＷｅｉＢｏ`, `Sina Weibo` and `新浪微博` are all found.

- `platform`: a category name is taken as it is; a known name maps to its category and
  the name as written is kept as `platform_name`; any other value becomes `other`, its
  name kept as `platform_name`. A platform is never a reason to refuse a post.
- `media_tier`: a tier name is taken as it is; a known synonym maps to its tier, the name
  as written kept as `media_tier_name`; any other value is dropped (no tier: the post
  still counts, as one of unknown reach), its name kept as `media_tier_name`. Never a
  reason to refuse a post either.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from yuqing.core.textfold import fold
from yuqing.monitor.posts import MEDIA_TIERS, PLATFORMS

# Category → the names people use for it (written as people write them; folded on use).
PLATFORM_NAMES: dict[str, tuple[str, ...]] = {
    "news": (
        "新闻", "新闻网站", "新闻网", "网媒", "网络媒体", "媒体", "报纸", "报刊", "纸媒",
        "电子报", "电视", "电视台", "广播", "电台", "通讯社", "政务", "政务网站", "政府网站",
        "官网", "网站", "网页", "外媒", "境外媒体", "press", "newspaper", "tv", "radio", "media",
        "government",
    ),
    "portal": (
        "门户", "门户网站", "新浪", "新浪网", "搜狐", "搜狐网", "网易", "网易新闻", "腾讯网",
        "腾讯新闻", "凤凰网", "头条", "今日头条", "头条号", "百家号", "网易号", "搜狐号",
        "企鹅号", "大鱼号", "一点号", "一点资讯", "新闻客户端", "客户端", "新闻app", "toutiao",
        "sina", "sohu", "netease", "163", "ifeng", "baijiahao",
    ),
    "forum": (
        "论坛", "社区", "贴吧", "百度贴吧", "天涯", "天涯社区", "豆瓣", "虎扑", "博客",
        "bbs", "tieba", "douban", "hupu", "reddit", "blog",
    ),
    "microblog": (
        "微博", "新浪微博", "腾讯微博", "小红书", "推特", "脸书", "weibo", "sinaweibo",
        "xiaohongshu", "xhs", "redbook", "rednote", "twitter", "x", "facebook", "instagram",
        "threads", "mastodon",
    ),
    "wechat": (
        "微信", "公众号", "微信公众号", "微信公众平台", "订阅号", "服务号", "朋友圈", "微信群",
        "wechat", "weixin",
    ),
    "video": (
        "视频", "短视频", "直播", "抖音", "快手", "b站", "哔哩哔哩", "西瓜视频", "视频号",
        "微信视频号", "优酷", "爱奇艺", "腾讯视频", "好看视频", "火山小视频", "douyin",
        "tiktok", "kuaishou", "bilibili", "youtube", "youku", "iqiyi",
    ),
    "qa": ("问答", "知乎", "百度知道", "悟空问答", "zhihu", "quora"),
    "board": (
        "留言板", "领导留言板", "人民网领导留言板", "问政", "网络问政", "市长信箱", "书记信箱",
        "12345", "12345热线", "政务热线", "投诉", "黑猫投诉", "信访", "message board",
    ),
}  # fmt: skip

TIER_NAMES: dict[str, tuple[str, ...]] = {
    "central": ("中央", "中央级", "央媒", "中央媒体", "国家级", "全国", "national"),
    "provincial": ("省级", "省", "省媒", "省级媒体", "province"),
    "municipal": ("市级", "市", "地市", "地市级", "市媒", "市级媒体", "city", "prefecture"),
    "local": (
        "县级",
        "区县",
        "县",
        "区",
        "县区",
        "县市区",
        "县级媒体",
        "乡镇",
        "街道",
        "county",
        "district",
    ),
    "self": ("自媒体", "个人", "网民", "self-media", "wemedia", "personal", "individual"),
}

_IGNORED = re.compile(r"[\s\-_.·]+")
_PARTS = re.compile(r"[\s()（）\[\]【】/／、,，|｜]+")


class Choice(NamedTuple):
    """A category (or None) and the name as written when it was not a category itself."""

    value: str | None
    name: str | None


def _key(name: str) -> str:
    return _IGNORED.sub("", fold(name))


@lru_cache(maxsize=2)
def _table(kind: str) -> dict[str, str]:
    """Folded name → category; built on first use (folding Chinese loads OpenCC's table)."""
    names = PLATFORM_NAMES if kind == "platform" else TIER_NAMES
    return {_key(synonym): category for category, synonyms in names.items() for synonym in synonyms}


def platform_of(name: str) -> Choice:
    """The platform category of `name`; `other` with the name when it is not known."""
    if name in PLATFORMS:  # the common case first: every post
        return Choice(name, None)
    key = _key(name)
    if key in PLATFORMS:  # `Microblog`, `ＮＥＷＳ`: the category itself
        return Choice(key, None)
    table = _table("platform")
    found = table.get(key)
    if found is None:
        # Two names for one place (`X (Twitter)`, `WeChat 公众号`, `微博/新浪`): the
        # first part that is a known name decides.
        parts = (_key(part) for part in _PARTS.split(name))
        found = next((table[part] for part in parts if part in table), None)
        if found is None:
            found = _undecorated(key, table) or _generic_suffix(key) or "other"
    return Choice(found, name)


# What exports add to a platform's name (`抖音短视频`, `知乎专栏`, `weibo.com`, `快手极速版`):
# taken off only when what is left is a known name.
_DECORATIONS = tuple(
    _IGNORED.sub("", fold(word))
    for word in ("短视频", "极速版", "网页版", "客户端", "app", "官方", "账号", "平台", "专栏",
                 "文章", "号", "com", "cn", "net")
)  # fmt: skip
# Words that say the kind of place whatever its own name (`明德论坛`, `人民网留言板`).
_GENERIC_SUFFIXES = (
    ("留言板", "board"), ("信箱", "board"), ("热线", "board"), ("视频号", "video"),
    ("公众号", "wechat"), ("论坛", "forum"), ("社区", "forum"), ("贴吧", "forum"),
    ("电视台", "news"), ("日报", "news"), ("晚报", "news"), ("新闻网", "news"),
)  # fmt: skip


def _undecorated(key: str, table: dict[str, str]) -> str | None:
    for word in _DECORATIONS:
        if key.endswith(word) and key[: -len(word)] in table:
            return table[key[: -len(word)]]
    return None


def _generic_suffix(key: str) -> str | None:
    return next((kind for word, kind in _GENERIC_SUFFIXES if key.endswith(fold(word))), None)


def tier_of(name: str) -> Choice:
    """The media tier of `name`; no tier, with the name, when it is not known."""
    if name in MEDIA_TIERS:
        return Choice(name, None)
    key = _key(name)
    if key in MEDIA_TIERS:
        return Choice(key, None)
    return Choice(_table("tier").get(key), name)
