"""Quality of an event clustering: NMI and B-cubed precision, recall and F1.

`python -m yuqing.analysis.events.evaluate FILE.jsonl` reads a stream with `gold_event`
on each line, clusters it in arrival order (or reads `event_id` when the lines already
carry it, e.g. the output of `yuqing cluster --final-ids`) and prints the scores as JSON.
Each post is scored by its event at the end of the stream (after the clusterer's
automatic merges moved it, as the store shows it), not by the event it joined when it came.

`--interleave N` scores N other arrival orders of the same stories: each gold event keeps
its posts' order and gaps, its first post moved to a seeded random point of a window of
`--window-hours` (the dev streams were built that way with one seed), and prints each
order's scores and their mean. With a half, a window of 3 hours gives it the full
stream's crowding (50 stories in 3 hours as 100 in 6): the halves of the file as it
comes are half as crowded, and a rule that keeps concurrent stories apart shows there
only half its effect.

`--link-replies 0.7` measures threads: ced_dev's `gold_event` is its source post, so the
first post of each gold event is taken as the root and a fixed 70 % of the others (by a
hash of their id) get `reply_to` naming it, as Weibo comments and reposts carry.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.analysis.events.clusterer import ClusterConfig, OnlineClusterer
from yuqing.analysis.events.threads import ReplyWaiter
from yuqing.core.clock import SystemClock
from yuqing.monitor.normalize import parse_post


def nmi(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Normalized mutual information (arithmetic mean normalization, as sklearn's default)."""
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(list(gold), list(predicted)))


def bcubed(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga & Baldwin 1998), averaged over items."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    if not gold:
        return 0.0, 0.0, 0.0
    pair = Counter(zip(gold, predicted, strict=True))
    gold_size = Counter(gold)
    pred_size = Counter(predicted)
    # Each item of cell (g, p) shares its gold class and its cluster with n(g, p) items:
    # precision n/|p|, recall n/|g|; summing per cell avoids the quadratic pair loop.
    precision = sum(n * n / pred_size[p] for (_, p), n in pair.items()) / len(gold)
    recall = sum(n * n / gold_size[g] for (g, _), n in pair.items()) / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """All the figures docs/events.md reports."""
    p, r, f = bcubed(gold, predicted)
    return {
        "posts": float(len(gold)),
        "gold_events": float(len(set(gold))),
        "predicted_events": float(len(set(predicted))),
        "nmi": nmi(gold, predicted),
        "bcubed_precision": p,
        "bcubed_recall": r,
        "bcubed_f1": f,
    }


def linked(post_id: str, fraction: float) -> bool:
    """Whether a reply keeps its `reply_to` at this linked fraction (fixed by its id)."""
    digest = hashlib.blake2b(post_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < fraction


def in_half(event: str, events: Sequence[str], half: str | None) -> bool:
    """Whether gold `event` is in the `half` ("tuning": even ranks of the events sorted by
    SHA-256 of their name, "held-out": odd ranks; None: all)."""
    if half is None:
        return True
    ranked = sorted(set(events), key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    return ranked.index(event) % 2 == (0 if half == "tuning" else 1)


def interleaved(rows: list[dict[str, Any]], seed: int, hours: float) -> list[dict[str, Any]]:
    """`rows` (one labelled stream) in another arrival order: each gold event keeps its
    posts' order and the gaps between them, its first post moved to a point of a window
    of `hours` from the stream's first post, drawn from `seed`; then merged by that clock."""
    if not rows:
        return []
    times: list[datetime] = []
    for n, row in enumerate(rows, 1):
        try:
            times.append(datetime.fromisoformat(str(row["published_at"])))
        except (KeyError, ValueError):
            raise ValueError(
                f"post {n} ({row.get('id')!r}): no ISO published_at to interleave by"
            ) from None
    start = min(times)
    stories: dict[str, list[tuple[datetime, dict[str, Any]]]] = {}
    for at, row in zip(times, rows, strict=True):
        stories.setdefault(str(row["gold_event"]), []).append((at, row))
    rng = random.Random(str(seed))  # noqa: S311 - a reproducible order, not a secret
    placed: list[tuple[datetime, str, int, dict[str, Any]]] = []
    for event in sorted(stories):
        posts = stories[event]
        first = min(at for at, _ in posts)
        begin = start + timedelta(seconds=rng.random() * hours * 3600.0)
        for n, (at, row) in enumerate(posts):
            moved = begin + (at - first)
            placed.append((moved, event, n, {**row, "published_at": moved.isoformat()}))
    placed.sort(key=lambda item: item[:3])
    return [row for *_, row in placed]


def cluster_file(
    path: Path,
    config: ClusterConfig | None = None,
    *,
    link_replies: float = 0.0,
    half: str | None = None,
    interleave: int | None = None,
    window_hours: float = 6.0,
) -> tuple[list[str], list[str]]:
    """Gold events and predicted event ids of a labelled stream, clustered in order.

    `link_replies`: the fraction of non-root posts given `reply_to` = their gold event's
    first post (0: text only, as the stream comes). `half`: only the posts of the
    "tuning" or "held-out" half of the gold events (`in_half`), as a stream of its own.
    `interleave`: the stories in another arrival order (`interleaved`, this seed, a
    window of `window_hours`).
    """
    with path.open(encoding="utf-8") as handle:
        rows: list[dict[str, Any]] = [json.loads(line) for line in handle if line.strip()]
    if half is not None:
        events = [str(row["gold_event"]) for row in rows]
        keep = {e for e in set(events) if in_half(e, events, half)}
        rows = [row for row in rows if str(row["gold_event"]) in keep]
    if interleave is not None:
        rows = interleaved(rows, interleave, window_hours)
    waiter = ReplyWaiter(OnlineClusterer(config))
    now = SystemClock().now()
    gold: list[str] = []
    predicted: dict[int, str] = {}
    roots: dict[str, str] = {}
    for obj in rows:
        event = str(obj.pop("gold_event"))
        gold.append(event)
        row = len(gold) - 1
        if "event_id" in obj:
            predicted[row] = str(obj["event_id"])
            continue
        root = roots.setdefault(event, str(obj.get("id")))
        if (
            link_replies > 0
            and root != obj.get("id")
            and linked(root + str(obj.get("id")), link_replies)
        ):
            obj["reply_to"] = root
        post = parse_post(obj, received_at=now, max_post_bytes=1 << 20, line=row)
        partition = obj.get("partition")
        for one in waiter.push(post, partition=partition if isinstance(partition, str) else ""):
            predicted[one.post.line or 0] = one.assignment.event_id
    for one in waiter.flush():
        predicted[one.post.line or 0] = one.assignment.event_id
    # Each post by its event at the end of the stream: where the clusterer's merges moved
    # it, as the store shows it (lines read with their `event_id` stay as written).
    resolve = waiter.clusterer.resolve
    return gold, [resolve(predicted[row]) for row in range(len(gold))]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the scores of each file as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--half-life-hours", type=float, default=None)
    parser.add_argument("--threshold-cjk", type=float, default=None)
    parser.add_argument("--half", choices=("tuning", "held-out"), default=None)
    parser.add_argument(
        "--link-replies",
        type=float,
        default=0.0,
        help="fraction of replies given reply_to = their gold event's first post",
    )
    parser.add_argument(
        "--interleave",
        type=int,
        default=None,
        metavar="N",
        help="score N other arrival orders of the same stories (seeds 0 to N-1), and their mean",
    )
    parser.add_argument(
        "--window-hours",
        type=float,
        default=6.0,
        help="with --interleave: the window the stories' first posts are spread over",
    )
    args = parser.parse_args(argv)
    if args.interleave is not None and args.interleave < 1:
        parser.error(f"--interleave: {args.interleave} orders; give 1 or more")
    if args.window_hours <= 0:
        parser.error(f"--window-hours: {args.window_hours}; give a positive number of hours")
    overrides: dict[str, float] = {}
    if args.threshold is not None:
        overrides["threshold"] = args.threshold
    if args.threshold_cjk is not None:
        overrides["threshold_cjk"] = args.threshold_cjk
    if args.half_life_hours is not None:
        overrides["half_life_hours"] = args.half_life_hours
    config = ClusterConfig(**overrides)  # type: ignore[arg-type]
    orders: list[int | None] = [None] if args.interleave is None else list(range(args.interleave))
    for path in args.files:
        figures: list[dict[str, float]] = []
        for seed in orders:
            gold, predicted = cluster_file(
                path,
                config,
                link_replies=args.link_replies,
                half=args.half,
                interleave=seed,
                window_hours=args.window_hours,
            )
            figures.append(scores(gold, predicted))
            head: dict[str, Any] = {"file": path.name, "half": args.half or "full"}
            if seed is not None:
                head |= {"interleave": seed, "window_hours": args.window_hours}
            result = {**head, **{k: round(v, 4) for k, v in figures[-1].items()}}
            sys.stdout.write(json.dumps(result) + "\n")
        if len(figures) > 1:
            mean = {k: round(statistics.fmean(f[k] for f in figures), 4) for k in figures[0]}
            head = {"file": path.name, "half": args.half or "full", "orders": len(figures)}
            sys.stdout.write(json.dumps({**head, "window_hours": args.window_hours, **mean}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
