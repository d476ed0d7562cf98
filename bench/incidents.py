"""Incident speed (issue 13): at 1,000 posts/s of ingest, the post that crosses a level
to its alert and to a prefilled initial-report draft (bench/incident_ingest.py, p99 of
both); then a confirmed level's report drafts, and the incident page with 1,000 open
incidents.

On a fresh SQLite store with the county bureau's plan: `--incidents` incidents are
opened from events of 30 posts each; for every one the time of `confirm_level` (the
prefilled drafts of the plan's reports and their clocks, in one transaction, committed)
is measured; then the incident page (`GET /incidents/{id}`, signed in) and the API's
`GET /api/v1/incidents/{id}` are timed on random incidents while all of them are open,
each with a published statement whose before / after measures the page shows.
Target: drafts within 1 s (p99); the page's answer time is printed.

    python bench/incidents.py [--incidents 1000] [--requests 200] [--seconds 20] [--rate 1000]

`--seconds 0` skips the ingest part; `bench/incident_ingest.py` runs it alone.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import incident_ingest  # noqa: E402  (the ingest part, runnable alone)
from tests.incidents.conftest import add_event  # noqa: E402  (the same event fixture)

from yuqing.auth import service as auth_service  # noqa: E402
from yuqing.core.clock import FrozenClock  # noqa: E402
from yuqing.core.settings import Settings  # noqa: E402
from yuqing.db.engine import make_engine  # noqa: E402
from yuqing.db.migrate import upgrade  # noqa: E402
from yuqing.incidents import service  # noqa: E402
from yuqing.incidents.models import Statement  # noqa: E402
from yuqing.plan import service as plan_service  # noqa: E402
from yuqing.plan.examples import example_plan_text  # noqa: E402
from yuqing.web.app import create_app  # noqa: E402

PASSWORD = "bench-pass-123"  # noqa: S105 - a throw-away store of this run only
TOKEN = "t" * 24


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    incident_ingest.add_arguments(parser)
    args = parser.parse_args()
    if args.seconds > 0:
        incident_ingest.run(args)
    home = Path(tempfile.mkdtemp(prefix="yuqing-bench-incidents-"))
    engine = make_engine(f"sqlite:///{home / 'yuqing.db'}")
    upgrade(engine)
    clock = FrozenClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    with Session(engine) as session:
        plan_service.load(
            session=session, clock=clock, author="bench", text=example_plan_text("county_bureau")
        )
        users = {}
        for name, role in (("monitor", "monitor"), ("leader", "leader")):
            user = auth_service.create_user(
                session=session,
                clock=clock,
                actor="bench",
                name=name,
                role=role,
                password=PASSWORD,
            )
            users[name] = auth_service.actor_of(user)
        session.commit()
    drafts: list[float] = []
    ids: list[int] = []
    for n in range(args.incidents):
        with Session(engine) as session:
            event_id = add_event(session, clock, f"ev-{n}", posts=30)  # type: ignore[arg-type]
            incident = service.open_incident(
                session=session, clock=clock, actor=users["monitor"], event_ids=[event_id]
            )
            session.commit()
            ids.append(incident.id)
            start = time.perf_counter()
            service.confirm_level(
                session=session,
                clock=clock,
                actor=users["leader"],
                incident_id=incident.id,
                level="I",
            )
            session.commit()
            drafts.append(time.perf_counter() - start)
            # A published statement, so the page measures the event before and after it
            # (written straight in: the approval chain is not what is timed here).
            session.add(
                Statement(
                    incident_id=incident.id, number=1, text="情况通报", level="I",
                    status="published", author="bench", created_at=clock.now(),
                    channel="微博", published_at=clock.now() - timedelta(minutes=20),
                    published_text="情况通报", published_by="bench",
                )
            )  # fmt: skip
            session.commit()
        clock.advance(timedelta(seconds=1))
    print(
        f"confirm_level → prefilled drafts committed, {len(drafts)} incidents: "
        f"p50 {1000 * statistics.median(drafts):.1f} ms, p99 {1000 * _pct(drafts, 0.99):.1f} ms, "
        f"max {1000 * max(drafts):.1f} ms (target p99 ≤ 1000 ms)"
    )
    app = create_app(
        engine=engine,
        clock=clock,
        settings=Settings(home=home, db_url=str(engine.url)),
        api_tokens=[TOKEN],
    )
    with TestClient(app) as client:
        form = client.get("/login").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login", data={"username": "leader", "password": PASSWORD, "csrf_token": token}
        )
        for label, path, headers in (
            ("incident page", "/incidents/{id}", {}),
            ("API incident", "/api/v1/incidents/{id}", {"Authorization": f"Bearer {TOKEN}"}),
        ):
            times = []
            for _ in range(args.requests):
                url = path.format(id=random.choice(ids))
                start = time.perf_counter()
                answer = client.get(url, headers=headers)
                times.append(time.perf_counter() - start)
                assert answer.status_code == 200, answer.text[:200]
            print(
                f"{label} with {len(ids)} open incidents: p50 "
                f"{1000 * statistics.median(times):.1f} ms, p99 {1000 * _pct(times, 0.99):.1f} ms"
            )
        start = time.perf_counter()
        answer = client.get("/incidents")
        print(
            f"incidents list page ({len(ids)} open): {1000 * (time.perf_counter() - start):.0f} ms"
        )


if __name__ == "__main__":
    main()
