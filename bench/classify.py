"""Benchmark: `yuqing classify`'s predictor against snownlp on the same texts, same run.

    .venv/bin/pip install snownlp   # bench only; not a dependency of yuqing
    .venv/bin/python bench/classify.py [--data ../shared/data] [--repeat 3] [--model FILE]

Texts: ChnSentiCorp dev (1,200 reviews) and SMP2020-EWECT (2,000 Weibo posts) from
shared/data when present, otherwise the excerpts under tests/fixtures/sentiment. Timed:

- YuQing: `SentimentModel.classify_many` in batches of 512, as `yuqing classify` calls it
  (run_stream hands batches of 512 posts, each with its platform's domain: the reviews as
  `review`, the Weibo posts as `microblog`), after the model is loaded; load time apart;
- snownlp 0.12: `SnowNLP(text).sentiments` per text, the way it is used.

Both run in this process on the same texts; the best of `--repeat` runs is taken for
each. Printed: texts/s of each and the ratio (the target: ≥ 20×), plus ChnSentiCorp dev
agreement with gold for both (a sanity check, not the quality figure of docs/sentiment.md,
which leaves out dev texts that also occur in train).

Also printed, YuQing alone: CPU time per post (`time.process_time`, steadier than wall
time on a shared machine) of `classify_many` in batches of 512 on "typical" Chinese posts
(the same Chinese texts laid end to end and cut every 100 characters; target ≤ 0.08 ms)
and on English tweets (TweetEval val, when shared/data has it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from time import perf_counter, process_time

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from yuqing.analysis.sentiment import corpora
from yuqing.analysis.sentiment.model import SentimentModel

ROOT = Path(__file__).resolve().parents[1]
BATCH = 512


def load_texts(data: Path) -> tuple[list[str], list[int]]:
    """Texts and (for ChnSentiCorp dev) gold labels, −1 where there is none."""
    dev = data / "sentiment/chnsenticorp/dev.tsv"
    smp = data / "sentiment/smp2020_ewect/usual_eval_labeled.txt"
    if dev.exists() and smp.exists():
        reviews = list(corpora.read_chnsenticorp(dev))
        posts = [item["content"] for item in json.loads(smp.read_text(encoding="utf-8"))]
        return [ex.text for ex in reviews] + posts, [ex.label for ex in reviews] + [-1] * len(posts)
    fixtures = ROOT / "tests/fixtures/sentiment/zh_reviews.jsonl"
    rows = [json.loads(line) for line in fixtures.read_text(encoding="utf-8").splitlines()]
    label = {"negative": 0, "positive": 2}
    return [r["text"] for r in rows], [label.get(r["label"], -1) for r in rows]


def best_of(
    repeat: int, fn: Callable[[], object], clock: Callable[[], float] = perf_counter
) -> float:
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def typical_posts(texts: Sequence[str], size: int = 100) -> list[str]:
    """The texts laid end to end and cut every `size` characters."""
    joined = "".join(texts)
    return [joined[i : i + size] for i in range(0, len(joined) - size + 1, size)]


def cpu_ms_per_post(model: SentimentModel, texts: Sequence[str], repeat: int) -> float:
    def run() -> None:
        for i in range(0, len(texts), BATCH):
            model.classify_many(texts[i : i + BATCH])

    return 1000 * best_of(repeat, run, process_time) / max(1, len(texts))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", type=Path, help="a model.npz (default: the shipped one)")
    args = parser.parse_args()
    try:
        from snownlp import SnowNLP
    except ImportError:
        print("snownlp is not installed: .venv/bin/pip install snownlp", file=sys.stderr)
        return 2

    texts, gold = load_texts(args.data)
    print(f"{len(texts)} texts, {sum(map(len, texts))} characters")

    start = perf_counter()
    model = SentimentModel.load(args.model)
    print(f"yuqing model load: {perf_counter() - start:.2f} s")
    model.classify_many(texts[:10])  # first-call costs (fold table) are load, not speed

    # Reviews (the texts with a gold label) are read as reviews, the posts as microblog.
    domains = ["review" if g >= 0 else "microblog" for g in gold]
    ours: list[str] = []

    def run_ours() -> None:
        ours.clear()
        for i in range(0, len(texts), BATCH):
            batch = model.classify_many(texts[i : i + BATCH], domains[i : i + BATCH])
            ours.extend(s.label for s in batch)

    theirs: list[float] = []

    def run_snownlp() -> None:
        theirs.clear()
        theirs.extend(SnowNLP(t).sentiments for t in texts)

    _ = SnowNLP("预热").sentiments  # loads its model files before timing
    t_ours = best_of(args.repeat, run_ours)
    t_snow = best_of(args.repeat, run_snownlp)
    print(f"yuqing classify: {t_ours:.3f} s  ({len(texts) / t_ours:,.0f} texts/s)")
    print(f"snownlp:         {t_snow:.3f} s  ({len(texts) / t_snow:,.0f} texts/s)")
    print(f"speed ratio yuqing/snownlp: {t_snow / t_ours:.1f}x (target >= 20x)")

    posts = typical_posts(texts)
    cpu_zh = cpu_ms_per_post(model, posts, max(args.repeat, 5))
    print(f"yuqing CPU time, {len(posts)} Chinese posts of 100 chars: {cpu_zh:.4f} ms/post")
    val = args.data / "sentiment/tweeteval"
    if (val / "val_text.txt").exists():
        tweets = [ex.text for ex in corpora.read_tweeteval(val, "val")]
        cpu_en = cpu_ms_per_post(model, tweets, max(args.repeat, 5))
        print(f"yuqing CPU time, {len(tweets)} English tweets: {cpu_en:.4f} ms/post")

    scored = [(g, o, s) for g, o, s in zip(gold, ours, theirs, strict=True) if g >= 0]
    if scored:
        ours_ok = sum((o == "positive") == (g == 2) for g, o, _ in scored) / len(scored)
        snow_ok = sum((s > 0.5) == (g == 2) for g, _, s in scored) / len(scored)
        print(
            f"ChnSentiCorp dev (all {len(scored)}, incl. train overlap): "
            f"yuqing {ours_ok:.3f}, snownlp {snow_ok:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
