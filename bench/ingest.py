"""Ingest throughput: `yuqing ingest` into SQLite against a raw baseline in the same run.

Baseline: json.loads of every line and one sqlite3 executemany of the same rows in one
transaction, into a table with the same columns. Target (issue 3): the pipeline reaches
at least 0.30 of the raw rate with 200 watches and ~5 % of posts matching, and its peak
memory stays bounded (streaming): under 500 MB for 1M posts (`--posts 1000000`).

The all-match run (issue 11) stores every post: a county office watching its own name
keeps everything, so each post goes through dedup, clustering, event facts, the search
index and storage. Target: at least 1,000 posts/s on two cores, and a peak RSS under
500 MB that stays flat as posts grow (`--all-match --posts 1000000`). The default run
prints both: the 5 % run at `--posts`, then an all-match run at a tenth of it.

    python bench/ingest.py [--posts 100000] [--watches 200] [--all-match] [--log-rss 60]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
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


class CpuSampler:
    """CPU seconds of a process and of its children, by role, read from /proc every
    `every` seconds while it runs (Linux; the last reading of each process counts, so a
    helper's last fraction of a second may be missing). Roles: the pipeline's own process,
    the clustering process (named "yuqing-cluster"), the front's worker processes.

    On a machine shared with other jobs, wall time measures their load as well; the
    critical path on two free cores is bounded by the busiest process and by half the
    total, which these readings give."""

    def __init__(self, pid: int, every: float = 0.5, log_every: float = 0.0) -> None:
        self.pid, self.every = pid, every
        self.cpu: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds)
        # kB: the tree's proportional set size (shared pages split between the processes
        # that share them: forked workers share their parent's), the largest reading.
        self.peak_total_pss = 0
        # kB: each role's largest high-water mark (VmHWM), so a regression of the largest
        # process names its process.
        self.peak_rss: dict[str, int] = {"pipeline": 0, "clustering": 0, "workers": 0}
        self.timeline: list[str] = []  # "elapsed s: role RSS MB, ..." every `log_every` s
        self.log_every = log_every
        self._started = time.perf_counter()
        self._logged = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._read()

    def _read(self) -> None:
        tree = [self.pid, *self._children()]
        total = 0
        rss_now: dict[str, int] = {}
        for pid in tree:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            seconds = (int(fields[11]) + int(fields[12])) / self._tick
            role = "pipeline" if pid == self.pid else (
                "clustering" if comm == "yuqing-cluster" else "workers"
            )  # fmt: skip
            self.cpu[pid] = (role, seconds)
            memory = {
                line.split(":")[0]: int(line.split()[1])
                for line in status.splitlines()
                if line.startswith(("VmHWM:", "VmRSS:"))
            }
            self.peak_rss[role] = max(self.peak_rss[role], memory.get("VmHWM", 0))
            rss_now[role] = max(rss_now.get(role, 0), memory.get("VmRSS", 0))
            for line in rollup.splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        self.peak_total_pss = max(self.peak_total_pss, total)
        elapsed = time.perf_counter() - self._started
        if self.log_every and elapsed - self._logged >= self.log_every:
            self._logged = elapsed
            self.timeline.append(
                f"{elapsed:6.0f} s: "
                + ", ".join(f"{role} {kb / 1024:.0f} MB" for role, kb in sorted(rss_now.items()))
            )

    def _children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        by_role: dict[str, float] = {"pipeline": 0.0, "clustering": 0.0, "workers": 0.0}
        for role, seconds in self.cpu.values():
            by_role[role] += seconds
        return by_role


def run(
    *args: str,
    env: dict[str, str],
    sampler: list[CpuSampler] | None = None,
    log_every: float = 0.0,
) -> tuple[str, float, float]:
    """stdout of `yuqing ARGS`, the peak RSS in MB of it or any process it waited for, and
    the CPU seconds of them all (on a shared machine wall time also counts others' work).
    With `sampler`, a `CpuSampler` of the run is appended to it."""
    with subprocess.Popen(
        [sys.executable, "-m", "yuqing", *args], env=env, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        if sampler is not None:
            sampler.append(CpuSampler(child.pid, log_every=log_every))
        out = child.stdout.read()
        # wait4: this child's own peak (its workers' included), not that of every child.
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, args)
    return out, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def ingest_run(posts: int, watches: int, *, match_share: float, log_every: float = 0.0) -> str:
    """One `yuqing ingest` of `posts` synthetic posts into a fresh SQLite store."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        posts_file, watch_file = root / "posts.jsonl", root / "watches.yaml"
        write_posts(posts_file, posts, watches=watches, match_share=match_share)
        write_watches(watch_file, watches)
        env = dict(os.environ, YUQING_HOME=str(root / "home"))
        env.pop("YUQING_DB", None)
        run("init", env=env)
        run("watch", "import", str(watch_file), env=env)
        start = time.perf_counter()
        samplers: list[CpuSampler] = []
        out, peak_mb, cpu_s = run(
            "ingest", str(posts_file), env=env, sampler=samplers, log_every=log_every
        )
        pipe_s = time.perf_counter() - start
        roles = samplers[0].stop()
        tree_mb = samplers[0].peak_total_pss / 1024
        peaks = samplers[0].peak_rss
        # The baseline runs after the children: a child forked from a process holding a
        # million rows would count the parent's pages in its own peak RSS.
        raw_s = baseline(posts_file, root / "raw.db")
    summary = json.loads(out.strip().splitlines()[-1])
    raw_rate, pipe_rate = posts / raw_s, posts / pipe_s
    share = "every post matching" if match_share >= 1.0 else f"{match_share:.0%} matching"
    lines = [
        f"posts {posts}, watches {watches}, {share}, summary {summary}",
        f"raw baseline   {raw_rate:10.0f} posts/s ({raw_s:.2f} s)",
        f"yuqing ingest  {pipe_rate:10.0f} posts/s ({pipe_s:.2f} s; CPU {cpu_s:.1f} s, "
        f"{cpu_s / posts * 1e6:.0f} µs a post, workers included)",
    ]
    bound = max(roles["pipeline"], roles["clustering"], cpu_s / 2)
    lines.append(
        f"CPU by process (sampled): pipeline {roles['pipeline']:.1f} s, clustering "
        f"{roles['clustering']:.1f} s, workers {roles['workers']:.1f} s; on two free cores "
        f"at least {bound:.1f} s (the busiest process or half the total): at most "
        f"{posts / bound:.0f} posts/s; peak memory of all its processes together "
        f"{tree_mb:.0f} MB (PSS, sampled)"
    )
    lines.append(
        "largest process of each role (VmHWM, sampled): "
        + ", ".join(f"{role} {kb / 1024:.0f} MB" for role, kb in peaks.items())
    )
    lines.extend(samplers[0].timeline)
    if match_share >= 1.0:
        lines.append(
            f"rate {pipe_rate:.0f} posts/s (target >= 1000); peak RSS {peak_mb:.0f} MB "
            "(target < 500)"
        )
    else:
        lines.append(
            f"ratio {pipe_rate / raw_rate:.3f} (target >= 0.30); peak RSS {peak_mb:.0f} MB"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--watches", type=int, default=200)
    parser.add_argument(
        "--all-match", action="store_true", help="only the run where every post matches"
    )
    parser.add_argument(
        "--log-rss",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="print each role's RSS every SECONDS of the all-match run (where memory grows)",
    )
    args = parser.parse_args()
    if args.all_match:
        print(ingest_run(args.posts, args.watches, match_share=1.0, log_every=args.log_rss))
        return
    print(ingest_run(args.posts, args.watches, match_share=0.05))
    print(ingest_run(max(1, args.posts // 10), args.watches, match_share=1.0))


if __name__ == "__main__":
    main()
