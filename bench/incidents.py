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

The machine may be loaded, so each figure comes with a ratio to a baseline measured in the
same run, and the load average is printed before and after: `confirm_level` against
`open_incident` (the cheapest transaction on an incident: one row, its event, its log),
and the pages against the sign-in form `GET /login` (the cheapest page the app renders,
the same client and stack).

    python bench/incidents.py [--incidents 1000] [--requests 200] [--seconds 20] [--rate 1000]

`--seconds 0` skips the ingest part; `bench/incident_ingest.py` runs it alone.
"""

from __future__ import annotations

import argparse
import os
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


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def _ms(values: list[float]) -> str:
    return f"p50 {1000 * statistics.median(values):.1f} ms, p99 {1000 * _pct(values, 0.99):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    incident_ingest.add_arguments(parser)
    args = parser.parse_args()
    print(f"start: {_load()}")
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
    opens: list[float] = []  # the baseline of confirm_level, same sessions, same store
    ids: list[int] = []
    for n in range(args.incidents):
        with Session(engine) as session:
            event_id = add_event(session, clock, f"ev-{n}", posts=30)  # type: ignore[arg-type]
            session.commit()
            start = time.perf_counter()
            incident = service.open_incident(
                session=session, clock=clock, actor=users["monitor"], event_ids=[event_id]
            )
            session.commit()
            opens.append(time.perf_counter() - start)
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
        f"{_ms(drafts)}, max {1000 * max(drafts):.1f} ms (target p99 ≤ 1000 ms)"
    )
    print(
        f"  baseline open_incident committed: {_ms(opens)}; ratio p50 "
        f"×{statistics.median(drafts) / statistics.median(opens):.2f}, "
        f"p99 ×{_pct(drafts, 0.99) / _pct(opens, 0.99):.2f}"
    )
    app = create_app(
        engine=engine,
        clock=clock,
        settings=Settings(home=home, db_url=str(engine.url)),
        api_tokens=[TOKEN],
    )
    with TestClient(app) as client, TestClient(app) as anonymous:
        form = client.get("/login").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login", data={"username": "leader", "password": PASSWORD, "csrf_token": token}
        )

        def timed(
            path: str, headers: dict[str, str], repeat: int, by: TestClient = client
        ) -> list[float]:
            times = []
            for _ in range(repeat):
                url = path.format(id=random.choice(ids))
                start = time.perf_counter()
                answer = by.get(url, headers=headers, follow_redirects=False)
                times.append(time.perf_counter() - start)
                assert answer.status_code == 200, answer.text[:200]
            return times

        # The baseline first and last, so a change of load during the run shows.
        baseline = timed("/login", {}, args.requests, anonymous)
        print(f"baseline GET /login (the sign-in form, not signed in): {_ms(baseline)}")
        base = statistics.median(baseline)
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        for label, path, headers, repeat in (
            ("incident page", "/incidents/{id}", {}, args.requests),
            ("API incident", "/api/v1/incidents/{id}", bearer, args.requests),
            ("incidents list page (newest 500)", "/incidents", {}, max(5, args.requests // 20)),
        ):
            times = timed(path, headers, repeat)
            print(
                f"{label} with {len(ids)} open incidents, {repeat} requests: {_ms(times)}; "
                f"ratio to baseline p50: p50 ×{statistics.median(times) / base:.1f}, "
                f"p99 ×{_pct(times, 0.99) / base:.1f}"
            )
        again = timed("/login", {}, args.requests, anonymous)
        print(f"baseline GET /login again: {_ms(again)}")
    print(f"end: {_load()}")


if __name__ == "__main__":
    main()
