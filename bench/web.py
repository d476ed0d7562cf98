"""Web speed on a large store (issue 12): pages, the live feed, 50 users at once.

Targets, on 1,000,000 posts and 10,000 events: the dashboard, the events list and an
event page answer in p95 <= 200 ms of server time; a post pushed through
`POST /api/v1/posts` reaches a connected live feed within 1 s (p99); 50 signed-in users
browsing at once keep p95 <= 500 ms.

The store is built once per size under --home (bench/webstore.py) and reused. The real
`yuqing serve` runs in a subprocess on 127.0.0.1 and a free port; real users sign in
through the form. Server time is the app's `Server-Timing: app;dur=…` header (from the
request reaching the app to its answer's headers); the baseline, measured in the same
run, is the sign-in form, the cheapest page the app renders.

    python bench/web.py --home /tmp/yuqing-web-bench [--posts 1000000 --events 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webstore

TOKEN = "bench-web-service-token"  # noqa: S105 (a throwaway server's)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# `yuqing serve` with uvicorn's event loop and HTTP parser named (the --compare runs), and,
# with BENCH_PROFILE set, a sampler of every thread's stack every 5 ms, whose counts the
# server writes there when it stops: where a request's time goes under concurrency.
SERVE = r"""
import atexit, collections, os, runpy, sys, threading, time
import uvicorn

init = uvicorn.Config.__init__
def chosen(self, *args, **kw):  # uvicorn.run passes its own defaults: override them
    kw["loop"], kw["http"] = os.environ["BENCH_LOOP"], os.environ["BENCH_HTTP"]
    init(self, *args, **kw)
uvicorn.Config.__init__ = chosen

out = os.environ.get("BENCH_PROFILE")
if out:
    # Busy samples by thread kind: the threads that run the routes' sync code (anyio's),
    # the event loop's (HTTP, middleware, streams), and the rest (worker, pollers).
    own = collections.defaultdict(collections.Counter)
    inside = collections.defaultdict(collections.Counter)
    idle = {("threading.py", "wait"), ("selectors.py", "select"), ("queue.py", "get"),
            ("runners.py", "run"), ("base_events.py", "run_forever"),
            ("base_events.py", "_run_once"), ("thread.py", "_worker")}
    def where(code):
        path = code.co_filename
        for cut in ("site-packages/", "/src/", "/lib/python3.11/"):
            if cut in path:
                path = path.split(cut, 1)[1]
                break
        return f"{path}:{code.co_name}"
    def sample():
        me = threading.get_ident()
        while True:
            time.sleep(0.005)
            for tid, frame in sys._current_frames().items():
                leaf = frame.f_code
                if tid == me or (os.path.basename(leaf.co_filename), leaf.co_name) in idle:
                    continue
                stack = []
                while frame is not None:
                    stack.append(where(frame.f_code))
                    frame = frame.f_back
                kind = ("routes" if "anyio/_backends/_asyncio.py:run" in stack else
                        "event loop" if "uvicorn/server.py:run" in stack else "other")
                own[kind][stack[0]] += 1
                inside[kind].update(set(stack))
    def write():
        with open(out, "w") as f:
            for kind in ("routes", "event loop", "other"):
                total = sum(own[kind].values()) or 1
                f.write(f"== {kind}: {total} busy samples; own ==\n")
                for name, n in own[kind].most_common(25):
                    f.write(f"{n / total:6.1%} {name}\n")
                f.write(f"== {kind}: inside ==\n")
                for name, n in inside[kind].most_common(90):
                    f.write(f"{n / total:6.1%} {name}\n")
    threading.Thread(target=sample, daemon=True).start()
    atexit.register(write)

locks = os.environ.get("BENCH_LOCKS")
if locks:
    # Every write transaction of the server's engines by the code that opened it, how
    # long its turn took and how long it held the lock (bench/writelock.py); and how often
    # the figures shared between requests were computed again.
    sys.path.insert(0, os.environ["BENCH_DIR"])
    import writelock
    from yuqing.db import engine as engines
    from yuqing.web import dashboard
    traces = []
    make_engine = engines.make_engine
    writes = collections.Counter()  # statements that change the store, by thread
    def wrote(conn, cursor, statement, *args):
        if not statement.lstrip()[:6].upper().startswith(("SELECT", "BEGIN", "PRAGMA")):
            thread = threading.current_thread().name.split("-")[0].split("_")[0]
            writes[f"{thread}: {' '.join(statement.split())[:70]}"] += 1
    def traced(*args, **kw):
        made = make_engine(*args, **kw)
        traces.append(writelock.trace(made))
        from sqlalchemy import event
        event.listen(made, "before_cursor_execute", wrote)
        return made
    engines.make_engine = traced
    calls = collections.Counter()
    def counted(module, name):
        inner = getattr(module, name)
        def call(*args, **kw):
            calls[name] += 1
            return inner(*args, **kw)
        setattr(module, name, call)
    for name in ("fingerprint", "summary", "running_due_by"):
        counted(dashboard, name)
    def report():
        with open(locks, "w") as f:
            f.write("\n\n".join(t.report() for t in traces))
            f.write("\ncomputed: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items())) + "\n")
            f.write("writes:\n" + "".join(f"  {n} {w}\n" for w, n in writes.most_common(30)))
    atexit.register(report)

if os.environ.get("BENCH_NO_GATE"):
    # The engine's connections without their turn at the write queue: plain sqlite3
    # connections, which wait in SQLite's busy handler only (as before db/writegate.py).
    import sqlite3
    from yuqing.db import engine as engines
    engines.gated_connection = lambda gate, timeout: sqlite3.Connection

sys.argv = ["yuqing", *sys.argv[1:]]
runpy.run_module("yuqing", run_name="__main__", alter_sys=True)
"""
# --compare --setups: name → (server, on the --base code, with the write queue)
SETUPS = {
    "base": ("asyncio+h11", True, True),
    "base-uvloop": ("uvloop+httptools", True, True),
    "this": ("asyncio+h11", False, True),
    "this-uvloop": ("uvloop+httptools", False, True),
    "this-uvloop-nogate": ("uvloop+httptools", False, False),
}
SERVERS = {  # name: (uvicorn loop, uvicorn http)
    "auto": ("auto", "auto"),  # what `yuqing serve` picks: uvloop and httptools when installed
    "asyncio+h11": ("asyncio", "h11"),
    "uvloop+httptools": ("uvloop", "httptools"),
}


def start_server(
    home: Path,
    server: str = "auto",
    profile: Path | None = None,
    code: Path | None = None,
    locks: Path | None = None,
    gated: bool = True,
) -> tuple[subprocess.Popen[bytes], str]:
    """`yuqing serve` on a free port; `code`: another checkout's `src` to run instead;
    `locks`: where the server writes who held and waited for the write lock; `gated`
    False: without the process's write queue (db/writegate.py), to measure what it costs."""
    port = free_port()
    loop, http = SERVERS[server]
    env = {**os.environ, "YUQING_HOME": str(home), "YUQING_API_TOKENS": TOKEN,
           "BENCH_LOOP": loop, "BENCH_HTTP": http}  # fmt: skip
    env.pop("YUQING_DB", None)
    env.pop("BENCH_PROFILE", None)
    env.pop("BENCH_LOCKS", None)
    env.pop("BENCH_NO_GATE", None)
    if not gated:
        env["BENCH_NO_GATE"] = "1"
    if profile is not None:
        env["BENCH_PROFILE"] = str(profile)
    if locks is not None:
        env["BENCH_LOCKS"], env["BENCH_DIR"] = str(locks), str(Path(__file__).resolve().parent)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"yuqing serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("yuqing serve did not answer within 60 s")


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used (user and system), from /proc: unlike latency on
    a shared machine, what a request costs does not depend on the others' load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def sign_in(client: httpx.Client, name: str) -> None:
    form = client.get("/login")
    match = CSRF.search(form.text)
    assert match, "no CSRF field on /login"
    data = {"username": name, "password": webstore.PASSWORD, "csrf_token": match.group(1)}
    answer = client.post("/login", data=data)
    assert answer.status_code == 303, (answer.status_code, answer.text[:300])


def server_ms(answer: httpx.Response, client_s: float) -> float:
    """The app's own time when it says it, else the time on the loopback."""
    for part in answer.headers.get("server-timing", "").split(","):
        name, _sep, rest = part.strip().partition(";dur=")
        if name == "app" and rest:
            return float(rest)
    return client_s * 1000


def timed_get(client: httpx.Client, path: str) -> float:
    start = time.perf_counter()
    answer = client.get(path)
    took = time.perf_counter() - start
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return server_ms(answer, took)


def pages(url: str, event_ids: list[str], repeat: int) -> dict[str, list[float]]:
    anonymous = httpx.Client(base_url=url, timeout=30)
    user = httpx.Client(base_url=url, timeout=30)
    sign_in(user, "bench00")
    paths = {
        "baseline /login": (anonymous, lambda i: "/login"),
        "/": (user, lambda i: "/"),
        "/events": (user, lambda i: "/events"),
        "/events/{hot}": (user, lambda i: f"/events/{event_ids[i % 5]}"),
        "/events/{any}": (user, lambda i: f"/events/{event_ids[i % len(event_ids)]}"),
        "/dashboard/volume.json": (user, lambda i: "/dashboard/volume.json"),
        "/feed": (user, lambda i: "/feed"),
    }
    for client, path in paths.values():  # warm caches and connections once
        timed_get(client, path(0))
    times: dict[str, list[float]] = {name: [] for name in paths}
    for i in range(repeat):
        for name, (client, path) in paths.items():
            times[name].append(timed_get(client, path(i)))
    return times


def feed_latency(url: str, pushes: int) -> list[float]:
    """Seconds from starting a push to the post's arrival on an open live feed."""
    watcher = httpx.Client(base_url=url, timeout=httpx.Timeout(30, read=60))
    sign_in(watcher, "bench01")
    api = httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"})
    marker = f"webbench{int(time.time())}x"

    def push(n: int) -> None:
        body = [{
            "id": f"{marker}{n}", "source": "bench-push", "platform": "forum",
            "text": f"测试帖子 {marker}{n}y 学校门口", "published_at": "2026-12-06T08:00:00Z",
        }]  # fmt: skip
        answer = api.post("/api/v1/posts", json=body)
        assert answer.status_code == 200, answer.text[:300]
        assert answer.json()["stored"] == 1, answer.text[:300]

    push(-1)  # the first push builds the server's pipeline: not what a post waits for
    found = re.search(r"after=(\d+)", watcher.get("/feed").text)
    newest = int(found.group(1)) if found else 0
    sent: dict[int, float] = {}
    seen: dict[int, float] = {}
    ready = threading.Event()

    def listen() -> None:
        pattern = re.compile(rf"{marker}(\d+)y")
        with watcher.stream("GET", "/feed/stream", params={"after": newest}) as stream:
            ready.set()
            for line in stream.iter_lines():
                for hit in pattern.finditer(line):
                    seen.setdefault(int(hit.group(1)), time.perf_counter())
                if len(seen) >= pushes:
                    return

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    ready.wait(30)
    time.sleep(1.0)
    rnd = random.Random(5)
    for n in range(pushes):
        sent[n] = time.perf_counter()
        push(n)
        time.sleep(rnd.uniform(0.1, 0.6))  # arrivals fall anywhere in the poll interval
    reader.join(timeout=10)
    missing = [n for n in sent if n not in seen]
    assert not missing, f"posts never reached the feed: {missing[:5]}"
    return [seen[n] - sent[n] for n in sent]


async def crowd(
    url: str,
    users: int,
    seconds: float,
    event_ids: list[str],
    browsing: Callable[[], None] | None = None,
) -> tuple[list[float], list[float]]:
    """Each user signed in with an open stream, browsing with ~1 s think time; the
    seconds each page took at the client and the milliseconds the server says it took.
    `browsing` is called once all have signed in (argon2 on purpose costs the server
    more than the browsing does), as they start."""
    latencies: list[float] = []
    server: list[float] = []
    by_page: dict[str, list[float]] = {}
    clients = []
    for i in range(users):
        client = httpx.AsyncClient(base_url=url, timeout=60)
        form = await client.get("/login")
        match = CSRF.search(form.text)
        assert match
        data = {"username": f"bench{i:02d}", "password": webstore.PASSWORD,
                "csrf_token": match.group(1)}  # fmt: skip
        answer = await client.post("/login", data=data)
        assert answer.status_code == 303, answer.status_code
        clients.append(client)
    if browsing is not None:
        browsing()
    stop = time.monotonic() + seconds

    async def live(client: httpx.AsyncClient, path: str) -> None:
        async with client.stream("GET", path) as stream:
            async for _line in stream.aiter_lines():
                if time.monotonic() > stop:
                    return

    async def browse(i: int, client: httpx.AsyncClient) -> None:
        rnd = random.Random(i)
        await asyncio.sleep(rnd.uniform(0, 1))
        while time.monotonic() < stop:
            path = rnd.choice(
                ["/", "/events", f"/events/{rnd.choice(event_ids)}", "/feed",
                 "/dashboard/volume.json", f"/events/{event_ids[0]}"]
            )  # fmt: skip
            start = time.perf_counter()
            answer = await client.get(path)
            took = time.perf_counter() - start
            latencies.append(took)
            server.append(server_ms(answer, took))
            page = "/events/{id}" if path.startswith("/events/") else path
            by_page.setdefault(page, []).append(took)
            assert answer.status_code == 200, (path, answer.status_code)
            await asyncio.sleep(rnd.uniform(0.5, 1.5))

    streams = [
        asyncio.create_task(live(c, "/dashboard/stream" if i % 2 else "/feed/stream"))
        for i, c in enumerate(clients)
    ]
    await asyncio.gather(*(browse(i, c) for i, c in enumerate(clients)))
    for task in streams:
        task.cancel()
    await asyncio.gather(*streams, return_exceptions=True)
    for client in clients:
        await client.aclose()
    print("  client p95 by page: " + ", ".join(
        f"{page} {pct(times, 95) * 1000:.0f} ms" for page, times in sorted(by_page.items())
    ))  # fmt: skip
    return latencies, server


def hottest(path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as db:
        hot = [r[0] for r in db.execute("SELECT id FROM events ORDER BY heat DESC LIMIT 5")]
        rest = [r[0] for r in db.execute("SELECT id FROM events ORDER BY random() LIMIT 200")]
    return hot + rest


def compare(
    home: Path,
    users: int,
    seconds: float,
    event_ids: list[str],
    rounds: int,
    base: Path | None,
    locks: Path | None = None,
    profile: Path | None = None,
    chosen: list[str] | None = None,
) -> None:
    """The 50 users on each server in turn (a fresh server per run, alternating, so the
    machine's load drifts over all alike); ratios against the first, the baseline: the
    code at `base` when given (asyncio+h11, as `yuqing serve` ran before), else this
    code on asyncio+h11. `chosen`: which of SETUPS instead, the first the baseline."""
    setups: dict[str, tuple[str, Path | None, bool]] = {}
    for key in chosen or (["base", "this", "this-uvloop"] if base else ["this", "this-uvloop"]):
        server_kind, on_base, gated = SETUPS[key]
        if on_base and base is None:
            raise SystemExit(f"--setups {key} needs --base")
        who = base.parent.name if on_base and base is not None else "this"
        name = f"{who} {server_kind}" + ("" if gated else ", no write queue")
        setups[name] = (server_kind, base if on_base else None, gated)
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in setups}
    for round_no in range(rounds):
        for name, (server_kind, code, gated) in setups.items():
            # One file a run: LOCKS-1-this-asyncio-h11.txt …
            slug = f"{round_no + 1}-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
            webstore.steady_polls(home / "yuqing.db")
            server, url = start_server(
                home, server_kind, code=code,
                profile=profile and profile.with_name(f"{profile.stem}-{slug}{profile.suffix}"),
                locks=locks and locks.with_name(f"{locks.stem}-{slug}{locks.suffix}"),
                gated=gated,
            )  # fmt: skip
            try:
                warm = httpx.Client(base_url=url, timeout=30)
                sign_in(warm, "bench00")
                for page in ("/", "/events", f"/events/{event_ids[0]}", "/feed"):
                    timed_get(warm, page)
                signed_in: list[float] = []
                times, server_times = asyncio.run(crowd(
                    url, users, seconds, event_ids,
                    lambda: signed_in.append(cpu_seconds(server.pid)),  # noqa: B023
                ))  # fmt: skip
                cpu = (cpu_seconds(server.pid) - signed_in[0]) * 1000 / len(times)
            finally:
                stop_server(server)
            p95, s95 = pct(times, 95) * 1000, pct(server_times, 95)
            runs[name].append((p95, s95, cpu))
            load = os.getloadavg()[0]
            print(f"round {round_no + 1} {name:28s} {len(times)} requests: client p95 "
                  f"{p95:6.1f} ms, server p95 {s95:6.1f} ms, server CPU {cpu:5.2f} ms a "
                  f"request (load {load:.1f})", flush=True)  # fmt: skip
    first = next(iter(runs.values()))
    base_p95 = statistics.median(p for p, _s, _c in first)
    base_server = statistics.median(s for _p, s, _c in first)
    base_cpu = statistics.median(c for _p, _s, c in first)
    for name, figures in runs.items():
        p95 = statistics.median(p for p, _s, _c in figures)
        s95 = statistics.median(s for _p, s, _c in figures)
        cpu = statistics.median(c for _p, _s, c in figures)
        print(f"{name:28s} median of {rounds}: client p95 {p95:6.1f} ms "
              f"(ratio {p95 / base_p95:.2f}), server p95 {s95:6.1f} ms "
              f"(ratio {s95 / base_server:.2f}), server CPU {cpu:5.2f} ms a request "
              f"(ratio {cpu / base_cpu:.2f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True, help="where the store is cached")
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=40, help="requests per page")
    parser.add_argument("--pushes", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20, help="of 50 users browsing")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--server", choices=sorted(SERVERS), default="auto",
                        help="uvicorn's event loop and HTTP parser")  # fmt: skip
    parser.add_argument("--profile", type=Path,
                        help="the server samples its threads' stacks, written here")  # fmt: skip
    parser.add_argument("--locks", type=Path,
                        help="the server writes its write transactions here: who opened "
                             "them, how long they waited and held the lock")  # fmt: skip
    parser.add_argument("--setups", nargs="+", choices=sorted(SETUPS),
                        help="with --compare: the servers to run, the first the baseline "
                             "(default: base if --base, this, this-uvloop)")  # fmt: skip
    parser.add_argument("--compare", type=int, default=0, metavar="ROUNDS",
                        help="only the 50 users, on asyncio+h11 then uvloop+httptools, "
                             "ROUNDS times each, alternating")  # fmt: skip
    parser.add_argument("--base", type=Path, metavar="SRC",
                        help="with --compare: first the code in SRC (another checkout's src/, "
                             "e.g. from git archive) as the baseline")  # fmt: skip
    args = parser.parse_args()
    path, reused = webstore.build(args.home, posts=args.posts, events=args.events,
                                  users=max(2, args.users))  # fmt: skip
    if reused:
        print(f"reused the store under {args.home}")
    event_ids = hottest(path)
    if args.compare:
        compare(args.home, args.users, args.seconds, event_ids, args.compare, args.base,
                args.locks, args.profile, args.setups)  # fmt: skip
        return
    webstore.steady_polls(path)
    server, url = start_server(args.home, args.server, args.profile, locks=args.locks)
    figures: dict[str, object] = {"posts": args.posts, "events": args.events}
    try:
        times = pages(url, event_ids, args.repeat)
        base = statistics.median(times["baseline /login"])
        print(f"server time over {args.repeat} requests each (ms), ratio of p95 to baseline p50:")
        for name, values in times.items():
            p50, p95 = statistics.median(values), pct(values, 95)
            figures[name] = {"p50": round(p50, 1), "p95": round(p95, 1)}
            print(f"  {name:24s} p50 {p50:7.1f}  p95 {p95:7.1f}  ratio {p95 / base:6.1f}x")
        latencies = feed_latency(url, args.pushes)
        p50, p99 = statistics.median(latencies), pct(latencies, 99)
        figures["feed"] = {"p50_s": round(p50, 3), "p99_s": round(p99, 3)}
        print(f"live feed, {args.pushes} pushes: p50 {p50:.3f} s  p99 {p99:.3f} s (target 1 s)")
        crowd_times, crowd_server = asyncio.run(crowd(url, args.users, args.seconds, event_ids))
        c50, c95 = statistics.median(crowd_times) * 1000, pct(crowd_times, 95) * 1000
        s50, s95 = statistics.median(crowd_server), pct(crowd_server, 95)
        figures["crowd"] = {"requests": len(crowd_times), "p50": round(c50, 1),
                            "p95": round(c95, 1), "server_p50": round(s50, 1),
                            "server_p95": round(s95, 1)}  # fmt: skip
        print(
            f"{args.users} users for {args.seconds:.0f} s, {len(crowd_times)} requests: "
            f"p50 {c50:.1f} ms  p95 {c95:.1f} ms (target 500 ms; client time, streams open); "
            f"server time p50 {s50:.1f} ms  p95 {s95:.1f} ms"
        )
    finally:
        stop_server(server)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
