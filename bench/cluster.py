"""Benchmark: OnlineClusterer.assign with 10,000 live events.

    .venv/bin/python bench/cluster.py [--events 10000] [--posts 20000] [--seed 7]

Everything is generated here from a fixed seed (no network, no data files). The live
index is first filled with `--events` synthetic events (three posts each, half Chinese,
half English, spread over the last days so none retires), then `--posts` posts are
streamed: 70% continue a live event (its words plus noise), 30% open a new story.
Reported:

- posts/s of `assign` (tokenizing, TF-IDF, candidate retrieval, update, retirement);
- the simple baseline, measured in the same run: nearest centroid by a linear scan over
  all live events (same features, no inverted index), on a sample, and the ratio;
- live events and the size of a snapshot, to show memory stays bounded.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from yuqing.analysis.events.clusterer import OnlineClusterer
from yuqing.analysis.events.tokenize import warm_up
from yuqing.core.textfold import fold
from yuqing.monitor.posts import Post

CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
    "下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量"
    "都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各"
    "重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代"
)
START = datetime(2025, 3, 1, tzinfo=UTC)


def make_words(rng: random.Random, count: int, *, zh: bool) -> list[str]:
    """Distinct synthetic words: 2-3 characters of Chinese, or 4-9 Latin letters."""
    words: dict[str, None] = {}
    while len(words) < count:
        if zh:
            words["".join(rng.choices(CHARS, k=rng.choice((2, 2, 3))))] = None
        else:
            words["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 9)))] = None
    return list(words)


def make_post(pid: str, words: list[str], at: datetime, *, zh: bool) -> Post:
    """A Post as normalize would hand it over (folded text set)."""
    text = ("，" if zh else " ").join(words)
    return Post(id=pid, title="", text=text, published_at=at, received_at=at, folded=fold(text))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--baseline-posts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    warm_up()
    vocab = {True: make_words(rng, 40_000, zh=True), False: make_words(rng, 40_000, zh=False)}
    common = {zh: v[:300] for zh, v in vocab.items()}  # words shared by many stories

    topics: list[tuple[bool, list[str]]] = []
    clusterer = OnlineClusterer()
    t_fill = perf_counter()
    n = 0
    for e in range(args.events):
        zh = e % 2 == 0
        topic = rng.sample(vocab[zh][300:], 12)
        topics.append((zh, topic))
        at = START + timedelta(seconds=e * 20)
        for _ in range(3):
            words = rng.sample(topic, 6) + rng.sample(common[zh], 3)
            clusterer.learn_one(make_post(f"f{n}", words, at, zh=zh), f"ev{e}")
            n += 1
    fill_s = perf_counter() - t_fill
    now = START + timedelta(seconds=args.events * 20)

    stream: list[Post] = []
    for i in range(args.posts):
        if rng.random() < 0.7:
            zh, topic = topics[rng.randrange(len(topics))]
            words = rng.sample(topic, 5) + rng.sample(vocab[zh], 3)
        else:
            zh = rng.random() < 0.5
            words = rng.sample(vocab[zh], 10)
        stream.append(make_post(f"p{i}", words, now + timedelta(seconds=i), zh=zh))

    # The simple baseline first, on a copy of the filled state: a linear scan.
    baseline = OnlineClusterer()
    baseline.restore(clusterer.snapshot())
    sample = stream[: args.baseline_posts]
    t0 = perf_counter()
    for post in sample:
        _, vec = baseline._features(post)
        best = max((ev.cosine(vec) for ev in baseline._live.values()), default=0.0)
        assert best >= 0.0
    base_rate = len(sample) / (perf_counter() - t0)

    t0 = perf_counter()
    joined = 0
    for post in stream:
        joined += not clusterer.assign(post).is_new
    elapsed = perf_counter() - t0
    rate = len(stream) / elapsed
    snap = clusterer.snapshot()
    print(f"prefill: {args.events} events from {n} posts in {fill_s:.1f} s")
    print(f"assign: {len(stream)} posts in {elapsed:.2f} s = {rate:,.0f} posts/s")
    print(f"  joined a live event: {joined / len(stream):.0%} (stream: 70% continue one)")
    print(f"baseline (linear scan of all live events): {base_rate:,.0f} posts/s")
    print(f"ratio: {rate / base_rate:.1f}x the baseline")
    print(f"live events: {clusterer.live_count()}, snapshot {len(snap) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
