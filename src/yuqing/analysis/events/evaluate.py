"""Quality of an event clustering: NMI and B-cubed precision, recall and F1.

`python -m yuqing.analysis.events.evaluate FILE.jsonl` reads a stream with `gold_event`
on each line, clusters it in arrival order (or reads `event_id` when the lines already
carry it, e.g. the output of `yuqing cluster --final-ids`) and prints the scores as JSON.
Each post is scored by its event at the end of the stream (after the clusterer's
automatic merges moved it, as the store shows it), not by the event it joined when it came.

`--link-replies 0.7` measures threads: ced_dev's `gold_event` is its source post, so the
first post of each gold event is taken as the root and a fixed 70 % of the others (by a
hash of their id) get `reply_to` naming it, as Weibo comments and reposts carry.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Sequence
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


def cluster_file(
    path: Path,
    config: ClusterConfig | None = None,
    *,
    link_replies: float = 0.0,
    half: str | None = None,
) -> tuple[list[str], list[str]]:
    """Gold events and predicted event ids of a labelled stream, clustered in order.

    `link_replies`: the fraction of non-root posts given `reply_to` = their gold event's
    first post (0: text only, as the stream comes). `half`: only the posts of the
    "tuning" or "held-out" half of the gold events (`in_half`), as a stream of its own.
    """
    if half is not None:
        with path.open(encoding="utf-8") as handle:
            events = [str(json.loads(line)["gold_event"]) for line in handle if line.strip()]
        keep = {e for e in set(events) if in_half(e, events, half)}
    waiter = ReplyWaiter(OnlineClusterer(config))
    now = SystemClock().now()
    gold: list[str] = []
    predicted: dict[int, str] = {}
    roots: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            obj: dict[str, Any] = json.loads(line)
            event = str(obj.pop("gold_event"))
            if half is not None and event not in keep:
                continue
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
    args = parser.parse_args(argv)
    overrides: dict[str, float] = {}
    if args.threshold is not None:
        overrides["threshold"] = args.threshold
    if args.threshold_cjk is not None:
        overrides["threshold_cjk"] = args.threshold_cjk
    if args.half_life_hours is not None:
        overrides["half_life_hours"] = args.half_life_hours
    config = ClusterConfig(**overrides)  # type: ignore[arg-type]
    for path in args.files:
        gold, predicted = cluster_file(path, config, link_replies=args.link_replies, half=args.half)
        result = {
            "file": path.name,
            "half": args.half or "full",
            **{k: round(v, 4) for k, v in scores(gold, predicted).items()},
        }
        sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
