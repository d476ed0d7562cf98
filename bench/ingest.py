"""Ingest throughput: `yuqing ingest` into SQLite against a raw baseline in the same run.

Baseline: json.loads of every line and one sqlite3 executemany of the same rows in one
transaction, into a table with the same columns. Target (issue 3): the pipeline reaches
at least 0.30 of the raw rate with 200 watches and ~5 % of posts matching, and its peak
memory stays bounded (streaming): under 500 MB for 1M posts (`--posts 1000000`).

    python bench/ingest.py [--posts 100000] [--watches 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import write_posts, write_watches

COLUMNS = ("post_id", "source", "platform", "text", "published_at", "engagement")


def baseline(posts_file: Path, db: Path) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"CREATE TABLE posts (pk INTEGER PRIMARY KEY, {', '.join(COLUMNS)})")
    with posts_file.open("rb") as src:
        rows = []
        for line in src:
            obj = json.loads(line)
            rows.append(
                (
                    obj["id"],
                    obj["source"],
                    obj["platform"],
                    obj["text"],
                    obj["published_at"],
                    json.dumps(obj["engagement"]),
                )
            )
    with conn:
        conn.executemany(f"INSERT INTO posts ({', '.join(COLUMNS)}) VALUES (?,?,?,?,?,?)", rows)
    conn.close()
    return time.perf_counter() - start


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yuqing", *args], env=env, capture_output=True, text=True, check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--watches", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        posts_file, watch_file = root / "posts.jsonl", root / "watches.yaml"
        write_posts(posts_file, args.posts, watches=args.watches)
        write_watches(watch_file, args.watches)
        env = dict(os.environ, YUQING_HOME=str(root / "home"))
        env.pop("YUQING_DB", None)
        run("init", env=env)
        run("watch", "import", str(watch_file), env=env)
        start = time.perf_counter()
        result = run("ingest", str(posts_file), env=env)
        pipe_s = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        # The baseline runs after the children: a child forked from a process holding a
        # million rows would count the parent's pages in its own peak RSS.
        raw_s = baseline(posts_file, root / "raw.db")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    raw_rate, pipe_rate = args.posts / raw_s, args.posts / pipe_s
    print(f"posts {args.posts}, watches {args.watches}, summary {summary}")
    print(f"raw baseline   {raw_rate:10.0f} posts/s ({raw_s:.2f} s)")
    print(f"yuqing ingest  {pipe_rate:10.0f} posts/s ({pipe_s:.2f} s)")
    print(
        f"ratio {pipe_rate / raw_rate:.3f} (target >= 0.30); peak RSS of a child {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
