"""Search latency: a two-character query over 1M stored posts (target: under 100 ms).

The store is filled through the real pipeline (no watches: every post kept). Each query
is timed through `search_posts`, the code `yuqing search` runs, and against a baseline
measured in the same run: a plain `LIKE '%…%'` scan of the same posts, newest first.

    python bench/search.py [--posts 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import _vocabulary, posts

from yuqing.core.clock import SystemClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.readers import Record
from yuqing.monitor.rules import compile_rule
from yuqing.monitor.search import search_posts

# Common filler words, a rarer word, one that only matching posts carry, and a miss.
QUERIES = ["公园", "超市", "食堂", "火灾", "东山中学", "学校 -食堂", "飞船"]


def fill(engine_url: str, count: int, home: Path) -> float:
    engine = make_engine(engine_url)
    upgrade(engine)
    pipeline = Pipeline(
        engine=engine, clock=SystemClock(), settings=Settings(home=home, db_url=engine_url)
    )
    start = time.perf_counter()
    records = (Record(i, obj=p) for i, p in enumerate(posts(count, watches=200), start=1))
    summary = pipeline.run(records)
    assert summary.stored == count, summary
    return time.perf_counter() - start


def timed(fn: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: a temp SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="--db is filled already")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'search.db'}"
        if not args.reuse:
            fill_s = fill(url, args.posts, Path(tmp))
            print(
                f"filled {args.posts} posts in {fill_s:.0f} s ({args.posts / fill_s:.0f} posts/s)"
            )
        engine = make_engine(url)
        upgrade(engine)  # a reused store may predate the current schema
        vocab, _ = _vocabulary()
        # Filler words from the head to the tail of the Zipf vocabulary: from terms in
        # most posts, through ones in a few percent, to ones in a few hundred posts.
        by_rank = [vocab[rank] for rank in (60, 300, 1000, 3000) if len(vocab[rank]) >= 2]
        with Session(engine) as session:
            for query in QUERIES + by_rank:
                rule = compile_rule(query)
                found = search_posts(session=session, rule=rule, limit=20)
                ours = timed(lambda rule=rule: search_posts(session=session, rule=rule, limit=20))
                word = query.split()[0]
                scan = text(
                    "SELECT pk FROM posts WHERE folded LIKE :w ORDER BY published_at DESC LIMIT 20"
                )
                base = timed(
                    lambda scan=scan, word=word: session.execute(scan, {"w": f"%{word}%"}).all(),
                    repeat=1,
                )
                print(
                    f"{query:12s} found {len(found):3d}  search {ours * 1000:8.1f} ms  "
                    f"LIKE scan {base * 1000:8.1f} ms  ratio {base / ours:6.1f}x"
                )


if __name__ == "__main__":
    main()
