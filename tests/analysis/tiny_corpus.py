"""A tiny stand-in for shared/data/sentiment, in the real formats (for `yuqing model train`).

The texts are made up: two halves of a sentence each from a small pool per class, so
texts of one class share words but are not near copies of each other.
"""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

POSITIVE = (
    ["服务态度特别好", "味道非常棒", "质量很不错", "物流很快", "环境干净舒适", "性价比很高"],
    ["下次还会再来", "强烈推荐大家", "真的很满意", "开心极了", "值得购买", "家人都很喜欢"],
)
NEGATIVE = (
    ["服务态度太差", "味道很难吃", "质量非常差", "物流慢得要命", "房间又脏又乱", "价格贵得离谱"],
    ["再也不来了", "大家千万别买", "非常失望", "气死我了", "退货都不给退", "简直是浪费钱"],
)
NEUTRAL = (
    ["今天下午三点开会", "明天气温二十度", "市图书馆周一闭馆", "地铁二号线今晚延长运营"],
    ["请相互转告", "详情见通知", "具体时间另行安排", "特此说明", "以上信息供参考"],
)
EN_POSITIVE = (
    ["I love this phone", "what a great day", "the show was amazing"],
    ["so happy", "thank you all", "best ever"],
)
EN_NEGATIVE = (
    ["I hate this phone", "what an awful day", "the show was terrible"],
    ["so sad", "never again", "worst ever"],
)
EN_NEUTRAL = (
    ["the meeting is at noon", "the store opens monday", "the bus leaves at six"],
    ["see the notice", "details tomorrow", "more later"],
)


def _texts(pool: tuple[list[str], list[str]], sep: str = "，") -> list[str]:
    return [a + sep + b for a, b in product(*pool)]


def _take(texts: list[str], start: int, step: int) -> list[str]:
    return texts[start::step]


def write_tiny_corpus(data: Path) -> Path:
    """Write shared/data/sentiment/* under `data`; returns `data`."""
    root = data / "sentiment"
    pos, neg, neu = _texts(POSITIVE), _texts(NEGATIVE), _texts(NEUTRAL)

    def binary(start: int, step: int) -> list[tuple[int, str]]:
        return [(1, t) for t in _take(pos, start, step)] + [(0, t) for t in _take(neg, start, step)]

    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    write(
        root / "chnsenticorp/train.tsv",
        "label\ttext_a\n" + "".join(f"{y}\t{t}\n" for y, t in binary(0, 3)),
    )
    write(
        root / "chnsenticorp/dev.tsv",
        "label\ttext_a\n" + "".join(f"{y}\t{t}\n" for y, t in binary(1, 6)),
    )
    write(
        root / "online_shopping_10_cats/online_shopping_10_cats.csv",
        "cat,label,review\n" + "".join(f"书籍,{y},{t}\n" for y, t in binary(2, 3)),
    )
    write(
        root / "waimai_10k/waimai_10k.csv",
        "label,review\n" + "".join(f"{y},{t}！\n" for y, t in binary(1, 4)),
    )
    write(
        root / "weibo_senti_100k_partial/weibo_senti_100k_partial.csv",
        "label,review\n" + "".join(f"{y},{t}[{'哈哈' if y else '泪'}]\n" for y, t in binary(0, 1)),
    )

    def smp(start: int, step: int) -> str:
        rows = (
            [("happy", t) for t in _take(pos, start, step)]
            + [("angry", t) for t in _take(neg, start, step)]
            + [("neutral", t) for t in _take(neu, start % 2, 2)]
        )
        return json.dumps(
            [{"id": i, "content": t, "label": y} for i, (y, t) in enumerate(rows, 1)],
            ensure_ascii=False,
        )

    write(root / "smp2020_ewect/usual_eval_labeled.txt", smp(5, 9))
    write(root / "smp2020_ewect_train/usual_train.txt", smp(0, 2))
    write(root / "smp2020_ewect_train/virus_train.txt", smp(1, 2))
    weibos = (
        [("like", t) for t in _take(pos, 0, 2)]
        + [("anger", t) for t in _take(neg, 0, 2)]
        + [("none", t) for t in neu]
    )
    body = "".join(
        f'<weibo id="{i}" emotion-type1="{y}" emotion-type2="none">'
        f'<sentence id="1" opinionated="N">{t}。</sentence></weibo>\n'
        for i, (y, t) in enumerate(weibos, 1)
    )
    xml = f"<?xml version='1.0' encoding='UTF-8'?>\n<TestData>\n{body}</TestData>\n"
    for name in (
        "EmotionClassificationTest.xml",
        "ExpressionTest.xml",
        "Training data for Emotion Expression Identification.xml",
    ):
        write(root / "nlpcc2014_weibo_emotion" / name, xml)
    tweets = (
        [(2, t) for t in _texts(EN_POSITIVE, " ")]
        + [(0, t) for t in _texts(EN_NEGATIVE, " ")]
        + [(1, t) for t in _texts(EN_NEUTRAL, " ")]
    )
    train, val = tweets[0::3] + tweets[1::3], tweets[2::3]
    for split, rows in (("train", train), ("val", val)):
        write(root / f"tweeteval/{split}_text.txt", "".join(f"{t}\n" for _, t in rows))
        write(root / f"tweeteval/{split}_labels.txt", "".join(f"{y}\n" for y, _ in rows))
    return data
