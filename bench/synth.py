"""Deterministic synthetic Chinese posts and watches for the benchmarks (no network).

Filler text draws words from a Zipf-like vocabulary (a few very common everyday words,
a long tail of rarer ones), as real posts do; uniform text from a tiny vocabulary would
make every post look like a copy of every other.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path

# Everyday words (the head of the distribution): none of them is a watch term.
COMMON = (
    "今天 天气 不错 我们 一起 出去 散步 看到 很多 人 在 公园 里 锻炼 身体 晚上 回家 做饭 "
    "周末 打算 去 超市 买 东西 孩子 写 作业 老人 下棋 朋友 聊天 地铁 很 挤 上班 路上 "
    "新闻 报道 城市 发展 经济 数据 显示 增长 市场 价格 稳定 游客 增多 节日 活动 热闹"
).split()
_CHARS = (
    "的一是不了有和人这大为上个我以要他时来用们生到作地于出就分对成会可主发年动同也能下过子说产"
    "种面而方后多定行法所民得经十三之进着等部度家电力如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重线内数正心反"
    "你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党"
)


def _vocabulary(size: int = 6000, seed: int = 3) -> tuple[list[str], list[float]]:
    rnd = random.Random(seed)
    words = dict.fromkeys(COMMON)
    while len(words) < size:
        words["".join(rnd.choices(_CHARS, k=rnd.choice((2, 2, 2, 3, 4))))] = None
    vocab = [w for w in words if w not in EVENTS and not any(o in w for o in ORGS)]
    cum = list(itertools.accumulate(1.0 / (rank + 10) for rank in range(len(vocab))))
    return vocab, cum


ORGS = [f"{a}{b}" for a in "东西南北中新明华光清" for b in "山河湖林江海城原川岭"]  # 100
KINDS = ["中学", "小学", "医院", "街道", "卫健委", "教育局", "公安局", "城管局"]
EVENTS = ["食堂", "火灾", "纠纷", "投诉", "欠薪", "事故", "污染", "塌方", "停电", "殴打"]


def watch_terms(i: int) -> tuple[str, list[str]]:
    """The subject and event words of watch number i."""
    org = ORGS[i % len(ORGS)] + KINDS[(i // len(ORGS)) % len(KINDS)]
    rnd = random.Random(i)
    return org, rnd.sample(EVENTS, 3)


def write_watches(path: Path, count: int) -> None:
    lines = ["watches:"]
    for i in range(count):
        org, events = watch_terms(i)
        lines.append(f"  - name: w{i}")
        lines.append(f"    rule: '{org} ({' | '.join(events)}) -演练'")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def posts(
    count: int, *, watches: int, match_share: float = 0.05, seed: int = 7
) -> Iterator[dict[str, object]]:
    rnd = random.Random(seed)
    vocab, cum = _vocabulary()
    for n in range(count):
        words = rnd.choices(vocab, cum_weights=cum, k=rnd.randint(20, 60))
        if rnd.random() < match_share:
            org, events = watch_terms(rnd.randrange(watches))
            words.insert(rnd.randrange(len(words)), org)
            words.insert(rnd.randrange(len(words)), rnd.choice(events))
        yield {
            "id": f"p{n}",
            "source": f"site{n % 50}",
            "platform": "microblog",
            "text": "".join(words) + f"。编号{n}",
            "published_at": f"2026-03-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00+08:00",
            "engagement": {"reposts": n % 100, "likes": n % 1000},
        }


def write_posts(path: Path, count: int, *, watches: int, match_share: float = 0.05) -> None:
    with path.open("w", encoding="utf-8") as out:
        for post in posts(count, watches=watches, match_share=match_share):
            out.write(json.dumps(post, ensure_ascii=False))
            out.write("\n")
