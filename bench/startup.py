"""Start-up time of the command: `yuqing --help` (target: well under half a second).

Users and scripts call `yuqing` thousands of times, so heavy libraries load only in the
commands that use them. Baseline in the same run: a bare `python -c pass`.

    python bench/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bare = median_seconds([sys.executable, "-c", "pass"], args.runs)
    help_s = median_seconds([sys.executable, "-m", "yuqing", "--help"], args.runs)
    search_help = median_seconds([sys.executable, "-m", "yuqing", "search", "--help"], args.runs)
    print(f"python -c pass        {bare * 1000:7.1f} ms")
    print(f"yuqing --help         {help_s * 1000:7.1f} ms  ({help_s / bare:.1f}x bare python)")
    print(f"yuqing search --help  {search_help * 1000:7.1f} ms  (target: well under 500 ms)")


if __name__ == "__main__":
    main()
