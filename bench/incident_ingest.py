"""The incident path under ingest: at 1,000 posts/s, from the post that crosses a level
to its alert and to a prefilled initial-report draft (issue 13), p99 of both.

A feeder pushes posts through the live pipeline at `--rate` posts a second (in 20
batches a second, as bench/alerts.py does) into `--events` events that start one after
another over the run, so the crossings are spread over it and each meets full load. The
plan proposes level III when an event reaches `--threshold` posts. A dispatcher thread
sends the alerts to a webhook receiver on 127.0.0.1 (as `yuqing worker` does); a
responder thread stands in for the duty officer who acts at once: every `--poll`
seconds it opens an incident from each new alert and confirms the proposed level, which
drafts the plan's initial report, prefilled, with its clock. Times are measured from
handing the crossing post's batch to the pipeline to the alert's arrival at the webhook
and to the draft's commit; the responder's polling interval is part of the second.

With `--postgres URL` (e.g. postgresql://postgres@127.0.0.1:5432/test) the store is a
throw-away database created on that server, dropped after; SQLite in a temporary folder
otherwise. `--locks` prints who held the store's write lock and who waited for it
(bench/writelock.py), and what held it while the slowest crossings waited.

    python bench/incident_ingest.py [--rate 1000] [--seconds 20] [--events 40]
        [--postgres URL] [--locks]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from writelock import Trace, trace

from alerts import PLAN, Receiver, _created, _handed_in, story  # plan, webhook, posts
from yuqing.alerts.models import Alert
from yuqing.alerts.sending import ChannelSettings, make_sender
from yuqing.auth import service as auth_service
from yuqing.core.clock import SystemClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.incidents import service
from yuqing.incidents.models import Report
from yuqing.monitor.readers import Record
from yuqing.plan import service as plan_service
from yuqing.worker.alerting import alert_round
from yuqing.worker.live import build_pipeline
from yuqing.worker.scheduler import ALERT_TICK


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=int, default=1000, help="posts a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="of ingest; 0: skip")
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--threshold", type=int, default=30)
    parser.add_argument("--poll", type=float, default=0.05, help="the responder's interval")
    parser.add_argument("--postgres", default=None, help="a server's URL: a throw-away db there")
    parser.add_argument("--locks", action="store_true", help="who held the write lock")


@contextmanager
def store_url(postgres: str | None, folder: str) -> Iterator[str]:
    """SQLite in `folder`, or a fresh database on the `postgres` server, dropped after."""
    if postgres is None:
        yield f"sqlite:///{Path(folder) / 'incidents.db'}"
        return
    admin_url = postgres.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"yuqing_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    run(parser.parse_args())


def run(args: argparse.Namespace) -> None:
    """The feeder, the dispatcher and the responder for `args.seconds`; prints the times."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    clock = SystemClock()
    drafted: dict[int, float] = {}  # alert id → wall time its initial draft was committed
    # alert id → (asked for the responder's transaction, its first statement answered)
    seen: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, store_url(args.postgres, tmp) as url:
        engine = make_engine(url)
        upgrade(engine)
        locks: Trace | None = trace(engine) if args.locks else None
        with Session(engine) as session:
            plan_service.load(
                session=session, clock=clock, author="bench",
                text=PLAN.format(hook=hook, threshold=args.threshold),
            )  # fmt: skip
            duty = auth_service.actor_of(
                auth_service.create_user(
                    session=session, clock=clock, actor="bench", name="duty", role="leader",
                    password=None,
                )
            )  # fmt: skip
            session.commit()
        stop = threading.Event()
        http = httpx.Client(trust_env=False, timeout=5)
        send = make_sender(
            settings=ChannelSettings(secrets={hook: "bench-secret"}), clock=clock, http=http
        )
        pipeline = build_pipeline(
            engine=engine, clock=clock, settings=Settings(home=Path(tmp), db_url=url), send=send
        )

        def dispatcher() -> None:
            while not stop.is_set():
                alert_round(sessions=pipeline.sessions, clock=clock, send=send)
                stop.wait(ALERT_TICK.total_seconds())  # as `yuqing worker` does

        def responder() -> None:
            """The duty officer: an incident from each new alert, its level confirmed."""
            while not stop.is_set():
                with Session(engine) as session:
                    asked = time.time()
                    new = session.scalars(
                        select(Alert).where(Alert.id.not_in(list(drafted) or [0]))
                    ).all()
                    answered = time.time()
                    for alert in new:
                        incident = service.open_incident(
                            session=session, clock=clock, actor=duty, alert_id=alert.id
                        )
                        service.confirm_level(
                            session=session, clock=clock, actor=duty,
                            incident_id=incident.id, level=alert.level,
                        )  # fmt: skip
                        kinds = session.scalars(
                            select(Report.kind).where(Report.incident_id == incident.id)
                        ).all()
                        assert "initial" in kinds, kinds
                        session.commit()
                        drafted[alert.id] = time.time()
                        seen[alert.id] = (asked, answered)
                stop.wait(args.poll)

        threads = [threading.Thread(target=f, daemon=True) for f in (dispatcher, responder)]
        if locks is not None and args.postgres:
            sampler = make_engine(url)
            threads.append(
                threading.Thread(target=locks.sample_pg, args=(sampler, stop), daemon=True)
            )
        for thread in threads:
            thread.start()
        batches: list[tuple[float, float]] = []  # (handed in, processed) wall times
        batch = max(1, args.rate // 20)
        total = int(args.rate * args.seconds)
        # Event e starts at post e * total / (events + 1): crossings spread over the run.
        starts = [e * total // (args.events + 1) for e in range(args.events)]
        start = time.perf_counter()
        n = 0
        while n < total:
            records = []
            for _ in range(batch):
                live = [e for e, s in enumerate(starts) if s <= n]
                e = live[n % len(live)]
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
        created = _created(engine)
        wait_until = time.perf_counter() + 10
        while time.perf_counter() < wait_until and (
            len(drafted) < len(created) or len(Receiver.arrivals) < len(created)
        ):
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join()
        http.close()
        engine.dispose()
    server.shutdown()
    handed_in = {alert_id: _handed_in(batches, at) for alert_id, at in created.items()}
    to_alert = [Receiver.arrivals[a] - h for a, h in handed_in.items() if a in Receiver.arrivals]
    to_draft = [drafted[a] - h for a, h in handed_in.items() if a in drafted]
    store = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{store}: ingest {total / elapsed:.0f} posts/s (asked {args.rate}) over {elapsed:.1f} s")
    print(f"alerts raised {len(created)}, at the webhook {len(to_alert)}, drafted {len(to_draft)}")
    for label, values in (("→ alert at the webhook", to_alert), ("→ initial draft", to_draft)):
        if values:
            print(
                f"crossing post handed in {label}: median {statistics.median(values):.3f} s, "
                f"p99 {_pct(values, 0.99):.3f} s, max {max(values):.3f} s"
            )
            # Which ones were slow (1 = the first alert of the run, which pays warm-ups).
            slowest = sorted(enumerate(values, 1), key=lambda nv: nv[1], reverse=True)[:3]
            print("  slowest: " + ", ".join(f"#{n} {v:.3f} s" for n, v in slowest))
    if locks is not None:
        print(locks.report())
        _explain_slowest(locks, handed_in, drafted, seen)


def _explain_slowest(
    locks: Trace,
    handed_in: dict[int, float],
    drafted: dict[int, float],
    seen: dict[int, tuple[float, float]],
) -> None:
    """For the three slowest drafts: where the time went, and who held the lock meanwhile."""
    slow = sorted(drafted, key=lambda a: drafted[a] - handed_in[a], reverse=True)[:3]
    for alert_id in slow:
        h = handed_in[alert_id]
        asked, answered = seen[alert_id]
        print(
            f"alert {alert_id}: draft at +{drafted[alert_id] - h:.3f} s; the responder's "
            f"transaction asked at +{asked - h:.3f} s, its first read answered at "
            f"+{answered - h:.3f} s; holders of the write lock meanwhile:"
        )
        for who, at, held in locks.holders_during(h, drafted[alert_id]):
            print(f"    +{at:.3f} s {who} held {1000 * held:.1f} ms")


if __name__ == "__main__":
    main()
