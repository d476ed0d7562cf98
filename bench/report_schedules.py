"""What scheduled reports cost the worker, against baselines measured in the same run.

1. An idle round (nothing due) runs every worker tick (2 s): reading and parsing the
   plan in force plus one query per schedule. Baseline: reading and parsing the plan
   alone, which the alert round already does every tick.
2. An administrator's template renders in Jinja's immutable sandbox. Baseline: the
   built-in template in the ordinary (unsandboxed) environment over the same figures.

    python bench/report_schedules.py [--rounds 200] [--renders 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from yuqing.alerts.sending import ChannelSettings
from yuqing.core.clock import FrozenClock
from yuqing.db.engine import make_engine, make_sessionmaker, session_scope
from yuqing.db.migrate import upgrade
from yuqing.plan import service as plan_service
from yuqing.reports import render_html, templates_store
from yuqing.worker.reporting import report_hook

ROOT = Path(__file__).resolve().parent.parent


def timed(n: int, fn: object) -> float:
    assert callable(fn)
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--renders", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        clock = FrozenClock(datetime(2026, 3, 1, 4, 0, tzinfo=UTC))  # Sunday noon, Shanghai
        with Session(engine) as session:
            plan_service.load(session=session, clock=clock, author="bench",
                              path=ROOT / "examples/plans/school.yaml")  # fmt: skip
            session.commit()
        sessions = make_sessionmaker(engine)
        with httpx.Client() as http:
            hook = report_hook(sessions=sessions, clock=clock, settings=ChannelSettings(),
                               http=http)  # fmt: skip

            def parse_only() -> None:
                with session_scope(sessions) as session:
                    plan_service.get_active_plan(session=session)

            hook()  # warm
            base = timed(args.rounds, parse_only)
            idle = timed(args.rounds, hook)
        engine.dispose()
    print(f"idle report round: {idle * 1000:.2f} ms; plan read and parsed alone "
          f"{base * 1000:.2f} ms; ratio {idle / base:.2f}")  # fmt: skip

    context = templates_store.sample_context("weekly")
    source = templates_store.builtin_source()
    builtin = render_html._environment().get_template(templates_store.BUILTIN_NAME)
    compiled = templates_store.sandbox().from_string(source)
    plain = timed(args.renders, lambda: builtin.render(context))
    sandboxed = timed(args.renders, lambda: compiled.render(context))
    check = timed(max(args.renders // 10, 1), lambda: templates_store.check(source, kind="weekly"))
    print(f"render built-in {plain * 1000:.3f} ms, sandboxed {sandboxed * 1000:.3f} ms "
          f"(ratio {sandboxed / plain:.2f}); a full check (compile + test render) "
          f"{check * 1000:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
