"""`yuqing demo` as a user runs it: it serves, replays, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
WAIT = 180.0  # seconds a line may take on a loaded machine (the model loads first)


class Demo:
    """A running `yuqing demo` whose output is read line by line as it comes."""

    def __init__(self, home: Path, *args: str) -> None:
        env = dict(os.environ)
        env.update({"YUQING_HOME": str(home), "YUQING_LANG": "en", "YUQING_API_TOKENS": "tok1"})
        env.pop("YUQING_DB", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yuqing", "demo", "--no-browser", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: str) -> re.Match[str]:
        """The first line from now on that matches `pattern`."""
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"no {pattern!r} in time: {self.seen}") from None
            assert line is not None, f"demo ended before {pattern!r}: {self.seen}"
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    def interrupt(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        """Ctrl-C (or `sig`); the exit status and what it wrote on stderr."""
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=WAIT)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()


@contextmanager
def demo(home: Path, *args: str) -> Iterator[Demo]:
    running = Demo(home, *args)
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            running.proc.kill()
        running.proc.wait()
        running.reader.join()
        for pipe in (running.proc.stdout, running.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serves_and_stops_cleanly(tmp_path: Path, sig: int) -> None:
    with demo(tmp_path / "home") as run:
        url = run.wait_for(r"serving on (http://127\.0\.0\.1:\d+)").group(1)
        run.wait_for(r"sign in as admin, office")
        run.wait_for(r"replaying 457 posts")
        with httpx.Client(base_url=url, trust_env=False, timeout=60) as http:
            assert http.get("/healthz").status_code == 200
            assert http.get("/api/v1/alerts").status_code == 401
            answer = http.get("/api/v1/alerts", headers={"Authorization": "Bearer tok1"})
            assert answer.status_code == 200  # YUQING_API_TOKENS, as `yuqing serve` takes it
        code, err = run.interrupt(sig)
    assert code == 0, err
    assert "Traceback" not in err
    run.wait_for(r"^demo stopped$")  # the replay, worker and server have ended


def test_a_second_demo_in_the_same_home_serves_what_the_first_stored(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with demo(home, "--speed", "100000") as first:
        # The monitor opens a case as soon as a level is proposed; the leader confirms it.
        first.wait_for(r"Incident \d+ opened from the hottest event")
        # Its deadlines in words, not as codes (`report:initial`).
        first.wait_for(r"^  initial report #1, due \d\d-\d\d \d\d:\d\d \(plan: deadlines\.")
        first.wait_for(r"scenario replayed \((\d+) posts stored\)")
        code, err = first.interrupt()
    assert code == 0, err
    with demo(home) as second:
        url = second.wait_for(r"serving on (http://127\.0\.0\.1:\d+)").group(1)
        second.wait_for(r"holds the whole demo scenario already")
        with httpx.Client(base_url=url, trust_env=False, timeout=60) as http:
            alerts = http.get("/api/v1/alerts", headers={"Authorization": "Bearer tok1"}).json()
            incidents = http.get("/api/v1/incidents", headers={"Authorization": "Bearer tok1"})
        assert alerts["count"] > 0
        assert incidents.status_code == 200, incidents.text
        assert incidents.json()["count"] == 1  # opened once, not again on resuming
        # Led by the department its event is routed to: the demo's 后勤处 user works on it.
        assert incidents.json()["data"][0]["lead_department"] == "logistics"
        code, err = second.interrupt()
    assert code == 0, err
    assert "Traceback" not in err
