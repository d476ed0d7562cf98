"""Build the demo scenario (`scenario.jsonl`) from the lines in `story_lines`.

Run `python -m yuqing.demo.build_scenario` after editing the lines: the seed is fixed, so
the same lines give the same file. Each post carries `offset_s`, its second after the
demo starts, instead of `published_at`: the replay dates it when the clock reaches it.

The story: a parent's forum thread about the canteen of 明德县第一中学 spreads to
microblogs (with reposts and //@ chains), a local WeChat account, the city paper (with
reprints), more sites and a provincial outlet; it turns angry, the school and the county
bureau answer, it calms down, and a test result closes it. Two stories that must stay
their own events run beside it: the county hospital's new car park and the same school's
sports day.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from yuqing.demo import story_lines as lines

SEED = 20260302
HOUR = 3600

# Sites of the story: source name, platform, media tier.
FORUM = ("明德论坛", "forum", "self")
WEIBO = ("微博", "microblog", "self")
WECHAT = ("明德生活圈", "wechat", "self")
CITY_PAPER = ("明州晚报", "news", "municipal")
LATER_SITES = [
    ("百度贴吧", "forum", "self"),
    ("抖音", "video", "self"),
    ("小红书", "other", "self"),
    ("知乎", "qa", "self"),
    ("快手", "video", "self"),
]
REPRINTERS = [("明州新闻网", "news", "municipal"), ("今日头条", "portal", "self")]
WECHAT_REPRINTERS = [("明州身边事", "wechat", "self"), ("明德教育圈", "wechat", "self")]
PROVINCIAL = ("江南日报客户端", "news", "provincial")
SCHOOL = ("明德县第一中学", "wechat", "local")
BUREAU = ("明德县教育局", "portal", "local")
MARKET_BUREAU = ("明德县市场监管局", "portal", "local")
HOSPITAL = ("明德县人民医院", "wechat", "local")
COUNTY_NEWS = ("明德县融媒体中心", "news", "local")
ABROAD = [("Facebook", "other", "self"), ("港澳论坛", "forum", "self")]
TWITTER = ("Twitter", "microblog", "self")

NICKS = [
    "明德宝妈",
    "高一家长",
    "明德老陈",
    "城东阿杰",
    "小雨妈妈",
    "明州路人",
    "一中校友",
    "县城打工人",
    "晓晓爸爸",
    "明德吃瓜群众",
    "江南网友",
    "爱跑步的阿强",
]


class Builder:
    """Posts in the order they are written, each with its offset and a stable id."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311  # a reproducible story, not a secret
        self.posts: list[dict[str, Any]] = []
        # Per site, the story's posts people can comment under (not comments themselves).
        self.commentable: dict[str, list[dict[str, Any]]] = {}
        self.registered = 0  # posts looked at by `open_for_comments`
        self.comments: set[str] = set()

    def nick(self) -> str:
        return f"{self.rng.choice(NICKS)}{self.rng.randint(10, 9999)}"

    def add(
        self,
        at_h: float,
        site: tuple[str, str, str],
        text: str,
        *,
        title: str | None = None,
        author: str | None = None,
        url: str | None = None,
        reply_to: str | None = None,
        reach: float = 1.0,
    ) -> dict[str, Any]:
        source, platform, tier = site
        post: dict[str, Any] = {
            "id": f"demo-{len(self.posts) + 1:04d}",
            "source": source,
            "platform": platform,
            "media_tier": tier,
            "author": author or self.nick(),
            "text": text,
            "offset_s": round(at_h * HOUR),
            "engagement": self.engagement(reach),
        }
        if title:
            post["title"] = title
        if url:
            post["url"] = url
        if reply_to:
            post["reply_to"] = reply_to
        self.posts.append(post)
        return post

    def open_for_comments(self) -> None:
        """The posts written so far, comments aside, are the story's posts that later
        comments can answer."""
        for post in self.posts[self.registered :]:
            if post["id"] not in self.comments:
                self.commentable.setdefault(post["source"], []).append(post)
        self.registered = len(self.posts)

    def comment(self, at_h: float, site: tuple[str, str, str], text: str) -> dict[str, Any]:
        """A comment, as a crawler that reads a post's comments gets it: with `reply_to`
        naming the post it sits under (the newest of the story's posts on its site by
        then; a forum reply names its thread's first post). Its words may name nothing of
        the story ("态度还算诚恳"): the link, not the words, places it."""
        offset = round(at_h * HOUR)
        earlier = [p for p in self.commentable.get(site[0], []) if p["offset_s"] <= offset]
        under = max(earlier, key=lambda p: p["offset_s"]) if earlier else None
        parent = None
        if under is not None:
            parent = under.get("reply_to", under["id"]) if site == FORUM else under["id"]
        post = self.add(at_h, site, text, reply_to=parent)
        self.comments.add(post["id"])
        return post

    def engagement(self, reach: float) -> dict[str, int]:
        base = self.rng.lognormvariate(2.0, 1.0) * reach
        return {
            "reposts": int(base * self.rng.uniform(0.2, 1.5)),
            "comments": int(base * self.rng.uniform(0.3, 1.2)),
            "likes": int(base * self.rng.uniform(1.0, 4.0)),
        }

    def said(self, opens: list[str], middles: list[str], ends: list[str]) -> str:
        return self.rng.choice(opens) + self.rng.choice(middles) + "，" + self.rng.choice(ends)

    def reposts(self, original: dict[str, Any], start_h: float, n: int, span_h: float) -> None:
        """Weibo reposts: `转发微博 //@someone: …` chains that repeat the original. Each
        names the post it reposts (`reply_to`), as Weibo's API gives a crawler the root
        of a repost (`retweeted_status`)."""
        chain = f"//@{original['author']}: {original['text']}"
        for at in sorted(start_h + self.rng.uniform(0.05, span_h) for _ in range(n)):
            comment = self.rng.choice(lines.REPOST_COMMENTS)
            post = self.add(at, WEIBO, f"{comment} {chain}", reply_to=original["id"], reach=0.3)
            if self.rng.random() < 0.3:  # some reposts are reposted again: a longer chain
                chain = f"//@{post['author']}:{comment} {chain}"

    def reprints(self, original: dict[str, Any], sites: list[tuple[str, str, str]]) -> None:
        """The same article on other sites, as portals and accounts reprint it."""
        for site in sites:
            at = original["offset_s"] / HOUR + self.rng.uniform(0.3, 1.5)
            self.add(
                at,
                site,
                original["text"] + f"（来源：{original['source']}）",
                title=original.get("title"),
                author=site[0],
                reach=2.0,
            )


def canteen_story(b: Builder) -> None:
    thread = b.add(
        0.0,
        FORUM,
        lines.THREAD_TEXT,
        title=lines.THREAD_TITLE,
        author="明德宝妈",
        url="https://bbs.mingde.example.cn/thread-88231.html",
    )
    for text in lines.FORUM_REPLIES:
        b.add(b.rng.uniform(0.1, 3.0), FORUM, text, reply_to=thread["id"], reach=0.2)
    # Parents take it to microblogs; each post gathers reposts.
    for _ in range(14):
        at = b.rng.uniform(0.8, 4.0)
        post = b.add(at, WEIBO, b.said(lines.PARENT_OPEN, lines.PARENT_MIDDLE, lines.PARENT_END))
        b.reposts(post, at, b.rng.randint(1, 6), 3.0)
    wechat = b.add(
        2.5,
        WECHAT,
        lines.WECHAT_TEXT,
        title=lines.WECHAT_TITLE,
        author="明德生活圈",
        url="https://mp.example.cn/s/mingde-life-1021",
        reach=5.0,
    )
    b.reprints(wechat, WECHAT_REPRINTERS)
    for i, site in enumerate(LATER_SITES):
        for _ in range(b.rng.randint(3, 6)):
            text = b.said(lines.PARENT_OPEN, lines.PARENT_MIDDLE, lines.PARENT_END)
            b.add(3.0 + i * 0.6 + b.rng.uniform(0, 3.0), site, text)
    news = b.add(
        4.5,
        CITY_PAPER,
        lines.NEWS_TEXT,
        title=lines.NEWS_TITLE,
        author="明州晚报",
        url="https://news.mingzhou.example.cn/2026/canteen.html",
        reach=10.0,
    )
    b.reprints(news, REPRINTERS)
    b.reposts(news | {"author": "明州晚报", "text": lines.NEWS_TITLE}, 5.0, 12, 6.0)
    # The negative turn: deleted messages, parents kept out, rumours; more and angrier.
    for _ in range(95):
        at = 5.0 + b.rng.triangular(0, 9.0, 4.0)
        site = b.rng.choice([WEIBO, WEIBO, WEIBO, *LATER_SITES])
        post = b.add(
            at,
            site,
            b.said(lines.ANGRY_OPEN, lines.ANGRY_MIDDLE, lines.ANGRY_END),
            reach=b.rng.uniform(1.0, 4.0),
        )
        if site == WEIBO and b.rng.random() < 0.35:
            b.reposts(post, at, b.rng.randint(1, 4), 2.0)
    for i, text in enumerate(lines.TRADITIONAL):
        b.add(6.0 + i * 1.5, ABROAD[i % 2], text)
    for i, text in enumerate(lines.ENGLISH):
        b.add(7.0 + i * 3.0, TWITTER, text, author=f"mingde_watch{i + 1}")
    provincial = b.add(
        10.0,
        PROVINCIAL,
        lines.PROVINCIAL_TEXT,
        title=lines.PROVINCIAL_TITLE,
        author="江南日报",
        url="https://app.jiangnan.example.cn/a/5520198",
        reach=20.0,
    )
    b.reprints(provincial, [REPRINTERS[1]])
    # The school and the bureau answer the next morning; the story calms down.
    statement = b.add(
        14.0,
        SCHOOL,
        lines.STATEMENT_TEXT,
        title=lines.STATEMENT_TITLE,
        author="明德县第一中学",
        url="https://mp.example.cn/s/mdyz-notice-07",
        reach=15.0,
    )
    b.reprints(statement, [WECHAT, REPRINTERS[0]])
    b.add(
        14.5,
        BUREAU,
        lines.BUREAU_TEXT,
        title=lines.BUREAU_TITLE,
        author="明德县教育局",
        url="https://jyj.mingde.example.cn/tzgg/2026/1021.html",
        reach=8.0,
    )
    b.reposts(
        statement | {"author": "明德县第一中学", "text": lines.STATEMENT_TITLE}, 14.2, 15, 4.0
    )
    # Short reactions, under the story's posts on their sites: comments that name nothing
    # of the story, placed by the post they answer.
    b.open_for_comments()
    for _ in range(45):
        at = 14.5 + b.rng.expovariate(1 / 8.0)
        b.comment(
            min(at, 40.0),
            b.rng.choice([WEIBO, WEIBO, FORUM, *LATER_SITES[:2]]),
            b.rng.choice(lines.CALM) + b.rng.choice(["", "", "[微笑]", "👍", "。"]),
        )
    result = b.add(
        42.0,
        MARKET_BUREAU,
        lines.RESULT_TEXT,
        title=lines.RESULT_TITLE,
        author="明德县市场监管局",
        reach=6.0,
        url="https://scjg.mingde.example.cn/tzgg/2026/1023.html",
    )
    b.reprints(result, [CITY_PAPER, COUNTY_NEWS])
    b.open_for_comments()
    for _ in range(20):
        at = 42.5 + b.rng.expovariate(1 / 7.0)
        b.comment(
            min(at, 66.0),
            b.rng.choice([WEIBO, FORUM, LATER_SITES[2]]),
            b.rng.choice(lines.AFTER_RESULT) + b.rng.choice(["", "[赞]", "。", "～"]),
        )


def hospital_story(b: Builder) -> None:
    notice = b.add(
        6.0,
        HOSPITAL,
        lines.HOSPITAL_NOTICE_TEXT,
        title=lines.HOSPITAL_NOTICE_TITLE,
        author="明德县人民医院",
        url="https://mp.example.cn/s/mdrmyy-parking",
        reach=3.0,
    )
    b.reprints(notice, [COUNTY_NEWS])
    for _ in range(48):
        at = 8.0 + b.rng.uniform(0, 44.0)
        site = b.rng.choice([WEIBO, FORUM, LATER_SITES[1]])
        b.add(at, site, b.said(lines.HOSPITAL_OPEN, lines.HOSPITAL_MIDDLE, lines.HOSPITAL_END))


def sports_story(b: Builder) -> None:
    opening = b.add(
        24.0,
        SCHOOL,
        lines.SPORTS_TEXT,
        title=lines.SPORTS_TITLE,
        author="明德县第一中学",
        url="https://mp.example.cn/s/mdyz-sports-30",
        reach=4.0,
    )
    b.reprints(opening, [COUNTY_NEWS])
    for _ in range(40):
        at = 24.5 + b.rng.uniform(0, 30.0)
        site = b.rng.choice([WEIBO, WEIBO, LATER_SITES[1], LATER_SITES[2]])
        b.add(at, site, b.said(lines.SPORTS_OPEN, lines.SPORTS_MIDDLE, lines.SPORTS_END))


def build(seed: int = SEED) -> list[dict[str, Any]]:
    """The scenario's posts, in the order of their offsets."""
    b = Builder(seed)
    canteen_story(b)
    hospital_story(b)
    sports_story(b)
    return sorted(b.posts, key=lambda post: (post["offset_s"], post["id"]))


def write(path: Path, seed: int = SEED) -> int:
    """Write the scenario as JSON Lines; returns the number of posts."""
    posts = build(seed)
    with path.open("w", encoding="utf-8") as out:
        for post in posts:
            out.write(json.dumps(post, ensure_ascii=False) + "\n")
    return len(posts)


if __name__ == "__main__":
    target = Path(__file__).with_name("scenario.jsonl")
    print(f"{target}: {write(target)} posts")  # noqa: T201
