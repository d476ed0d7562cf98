"""Alert latency under load: from the post that crosses a level to the alert at a webhook.

A real webhook receiver on 127.0.0.1 records when each alert arrives. A feeder pushes
posts through the live pipeline at a target rate (default 1,000 posts/s) about 50
growing events; a dispatcher thread runs the alert rounds (as `yuqing worker` does). The
plan proposes a level when an event reaches `--threshold` posts, so each event's
threshold-th post is the one that crosses: its latency is the time from handing it to
the pipeline to its alert's arrival. Target (issue 5): p99 ≤ 2 s; the ingest rate
reached in the same run is printed beside it.

    python bench/alerts.py [--rate 1000] [--seconds 20] [--events 50] [--threshold 30]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
from sqlalchemy.orm import Session

from yuqing.alerts.sending import ChannelSettings, make_sender
from yuqing.core.clock import SystemClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.monitor.readers import Record
from yuqing.plan import service as plan_service
from yuqing.worker.alerting import alert_round
from yuqing.worker.live import build_pipeline
from yuqing.worker.scheduler import ALERT_TICK

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import ORGS, _vocabulary

PLAN = """
organization: {{name: 明德县教育局, kind: bureau}}
units: [{{id: office, name: 办公室, kind: office}}]
people:
  - id: duty
    name: 值班员
    unit: office
    roles: [monitor, leader]
    contacts: {{webhook: "{hook}"}}
levels: [{{id: III, name: 较大, rank: 1}}]
grading: {{III: {{min_posts: {threshold}}}}}
deadlines: {{III: {{report_within: 1 h}}}}
stages: [{{id: verify, name: 核实}}]
approvals: {{III: [{{role: leader}}]}}
routes: {{III: {{recipients: [{{role: monitor}}], channels: [webhook], ack_within: 30 min}}}}
duty: {{shifts: [{{name: 全天, start: "00:00", end: "00:00", people: [duty]}}]}}
"""


class Receiver(BaseHTTPRequestHandler):
    arrivals: ClassVar[dict[int, float]] = {}  # alert id → wall time of arrival

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        alert_id = int(json.loads(body).get("alert_id", 0))
        Receiver.arrivals.setdefault(alert_id, time.time())
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


VOCAB, _ = _vocabulary()


def story(i: int, n: int) -> str:
    """A post of event i: most of the event's own rare words and some everyday filler,
    shuffled, so posts of one event share words and posts of two events barely do."""
    rnd = random.Random(n)
    own = rnd.sample(VOCAB[2000 + 10 * i : 2010 + 10 * i], 7)
    filler = rnd.sample(VOCAB[:300], 5)
    words = own + filler
    rnd.shuffle(words)
    return ORGS[i % len(ORGS)] + "，".join(words)


def _alerts(engine: Any) -> int:
    from sqlalchemy import func, select

    from yuqing.alerts.models import Alert

    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Alert)) or 0)


def _created(engine: Any) -> dict[int, float]:
    """Alert id → wall time it was raised (inside the batch with the crossing post)."""
    from sqlalchemy import select

    from yuqing.alerts.models import Alert

    with Session(engine) as session:
        return {i: at.timestamp() for i, at in session.execute(select(Alert.id, Alert.created_at))}


def _handed_in(batches: list[tuple[float, float]], raised_at: float) -> float:
    """When the batch whose processing raised an alert was handed to the pipeline."""
    for handed, done in batches:
        if handed <= raised_at <= done:
            return handed
    return raised_at


def _sent_lag(engine: Any) -> list[float]:
    """Seconds from an alert's creation to its delivery (the outbox's share of latency)."""
    from sqlalchemy import select

    from yuqing.alerts.models import Alert, Delivery

    with Session(engine) as session:
        rows = session.execute(
            select(Alert.created_at, Delivery.sent_at).join(Delivery, Delivery.alert_id == Alert.id)
        ).all()
    return [(sent - created).total_seconds() for created, sent in rows if sent is not None]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000, help="posts a second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--threshold", type=int, default=30)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL of an empty store")
    # No watch: every post is kept, so every post goes through the whole pipeline.
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'alerts.db'}"
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            plan_service.load(
                session=session, clock=clock, author="bench",
                text=PLAN.format(hook=hook, threshold=args.threshold),
            )  # fmt: skip
            session.commit()
        stop = threading.Event()
        http = httpx.Client(trust_env=False, timeout=5)
        settings = ChannelSettings(secrets={hook: "bench-secret"})
        send = make_sender(settings=settings, clock=clock, http=http)
        pipeline = build_pipeline(
            engine=engine, clock=clock, settings=Settings(home=Path(tmp), db_url=url), send=send
        )

        def dispatcher() -> None:
            while not stop.is_set():
                alert_round(sessions=pipeline.sessions, clock=clock, send=send)
                stop.wait(ALERT_TICK.total_seconds())  # as `yuqing worker` does

        thread = threading.Thread(target=dispatcher, daemon=True)
        thread.start()
        batches: list[tuple[float, float]] = []  # (handed in, processed) wall times
        counts = [0] * args.events
        batch = max(1, args.rate // 20)  # 20 batches a second
        total = int(args.rate * args.seconds)
        start = time.perf_counter()
        n = 0
        while n < total:
            records = []
            for _ in range(batch):
                e = n % args.events
                counts[e] += 1
                records.append(Record(n, obj={"id": f"b{n}", "source": f"site{n % 17}",
                                              "text": story(e, n)}))  # fmt: skip
                n += 1
            handed = time.time()
            pipeline.run(records)
            batches.append((handed, time.time()))
            ahead = start + n / args.rate - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
        elapsed = time.perf_counter() - start
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and len(Receiver.arrivals) < _alerts(engine):
            time.sleep(0.05)
        stop.set()
        thread.join()
        http.close()
        created = _created(engine)
        sent_lag = _sent_lag(engine)
    server.shutdown()
    latencies = sorted(
        Receiver.arrivals[alert_id] - _handed_in(batches, at)
        for alert_id, at in created.items()
        if alert_id in Receiver.arrivals
    )
    rate = total / elapsed

    print(
        f"ingest {rate:.0f} posts/s (asked {args.rate}) over {elapsed:.1f} s, {args.events} events"
    )
    print(f"alerts received {len(Receiver.arrivals)} of {len(created)} raised")
    lag_median, lag_max = statistics.median(sent_lag), max(sent_lag, default=0.0)
    print(f"raised → delivered: median {lag_median:.3f} s, max {lag_max:.3f} s")
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        median = statistics.median(latencies)
        print(
            f"latency crossing post handed in → webhook: median {median:.3f} s, "
            f"p99 {p99:.3f} s, max {latencies[-1]:.3f} s (target p99 <= 2 s)"
        )


if __name__ == "__main__":
    main()
