"""Worker processes of `yuqing ingest` end with their parent, even when it is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Cli
from yuqing.core.clock import SystemClock

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


def children_of(pid: int) -> set[int]:
    """Live processes whose parent is `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            # "pid (name) state ppid …": the name may hold spaces, the rest follows ')'.
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def test_workers_end_when_ingest_is_killed(cli: Cli, tmp_path: Path) -> None:
    """Issue 11: after SIGKILL of `yuqing ingest`, its workers (155 MB each) stayed."""
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as out:
        for n in range(100_000):
            out.write(json.dumps({"id": f"b{n}", "text": f"某县第{n}条帖文，学校食堂"}) + "\n")
    env = {**cli.env, "YUQING_WORKERS": "2"}
    assert cli("init").code == 0
    ingest = subprocess.Popen(
        [sys.executable, "-m", "yuqing", "ingest", str(big)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # One of the few real waits in the suite: processes of another program, polled
    # against a deadline.
    clock = SystemClock()
    workers: set[int] = set()
    try:
        deadline = clock.monotonic() + 60
        while len(workers) < 2 and clock.monotonic() < deadline and ingest.poll() is None:
            workers = children_of(ingest.pid)
            clock.sleep(0.05)
        assert len(workers) >= 2, "the workers did not start"
        os.kill(ingest.pid, signal.SIGKILL)
        ingest.wait(timeout=10)
        deadline = clock.monotonic() + 5
        while any(alive(pid) for pid in workers) and clock.monotonic() < deadline:
            clock.sleep(0.05)
        assert not any(alive(pid) for pid in workers)
    finally:
        ingest.kill()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
