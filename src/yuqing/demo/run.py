"""Set up a demo home and say what the replay raises as it goes.

The demo runs the same `Pipeline`, app and worker as `yuqing serve`; nothing here is a
second copy of them. This module loads what a new office would load first (the demo
watches, an example plan, the sign-ins) and reports alerts as the scenario raises them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from yuqing.alerts import service as alerts_service
from yuqing.core.clock import Clock
from yuqing.core.i18n import _
from yuqing.demo.accounts import create_demo_users
from yuqing.demo.replay import ScenarioPost
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.schemas import IngestSummary
from yuqing.monitor.watches import load_watch_text
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

EXAMPLE_PLAN = "school"  # the scenario's story is a school's


def prepare(*, engine: Engine, clock: Clock, echo: Callable[[str], None]) -> list[str] | None:
    """Load the demo watches and the example plan, make the demo users; their names or None."""
    text = resources.files("yuqing.demo").joinpath("watches.yaml").read_text("utf-8")
    watches = load_watch_text(text, filename="demo/watches.yaml")
    with Session(engine) as session:
        service.upsert_watches(session=session, clock=clock, watches=watches)
        version = plan_service.load(
            session=session,
            clock=clock,
            author="demo",
            text=example_plan_text(EXAMPLE_PLAN),
            source_name=f"examples/plans/{EXAMPLE_PLAN}.yaml",
        )
        echo(_("plan: {summary}").format(summary=plan_service.parse(version).summary()))
        logins = create_demo_users(session=session, clock=clock)
        session.commit()
    return logins


def replayed_before(
    *, engine: Engine, posts: Sequence[ScenarioPost]
) -> tuple[set[str], datetime | None]:
    """Ids of the scenario posts the store holds already, and the newest one's time."""
    ids = [p.post["id"] for p in posts]
    with Session(engine) as session:
        found = set(
            session.scalars(select(StoredPost.post_id).where(StoredPost.post_id.in_(ids))).all()
        )
        newest = session.scalar(
            select(func.max(StoredPost.published_at)).where(StoredPost.post_id.in_(ids))
        )
    return found, newest


class AlertReporter:
    """After each replayed batch, one line per alert it raised, at scenario time."""

    def __init__(self, *, engine: Engine, timezone: str, echo: Callable[[str], None]) -> None:
        from zoneinfo import ZoneInfo

        self.engine = engine
        self.zone = ZoneInfo(timezone)
        self.echo = echo
        with Session(engine) as session:
            latest = alerts_service.get_all(session=session, limit=1)
        self.seen = latest[0].id if latest else 0

    def __call__(self, now: datetime, _batch: IngestSummary) -> None:
        with Session(self.engine) as session:
            new = [a for a in alerts_service.get_all(session=session, limit=50) if a.id > self.seen]
        for alert in sorted(new, key=lambda a: a.id):
            self.seen = alert.id
            when = now.astimezone(self.zone).strftime("%m-%d %H:%M")
            self.echo(_("{time} alert: {title}").format(time=when, title=alert.title))


def demo_home(base: Path) -> Path:
    """A fresh folder under `base` for one demo run."""
    base.mkdir(parents=True, exist_ok=True)
    n = 1
    while (base / f"demo-{n}").exists():
        n += 1
    home = base / f"demo-{n}"
    home.mkdir()
    return home
