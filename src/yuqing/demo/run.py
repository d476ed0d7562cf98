"""Run the bundled demo scenario through the live pipeline and report what it found.

The same `Pipeline` as `yuqing ingest` runs on a fresh store; nothing here is a second
copy of it. The web UI issue replaces the report with the live server.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from yuqing.auth import service as auth_service
from yuqing.auth.schemas import ROLES
from yuqing.core.clock import Clock
from yuqing.core.i18n import _
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import PostWatch, StoredPost
from yuqing.monitor.readers import read_jsonl
from yuqing.monitor.schemas import IngestSummary
from yuqing.monitor.views_text import post_line
from yuqing.monitor.watches import load_watch_text
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text
from yuqing.worker.live import build_pipeline


def _data(name: str) -> bytes:
    return resources.files("yuqing.demo").joinpath(name).read_bytes()


def run_demo(
    *, engine: Engine, clock: Clock, settings: Settings, echo: Callable[[str], None]
) -> IngestSummary:
    """Load the demo watches, replay the scenario, print what each watch found."""
    watches = load_watch_text(_data("watches.yaml").decode("utf-8"), filename="demo/watches.yaml")
    with Session(engine) as session:
        service.upsert_watches(session=session, clock=clock, watches=watches)
        version = plan_service.load(
            session=session, clock=clock, author="demo", text=example_plan_text("school"),
            source_name="examples/plans/school.yaml",
        )  # fmt: skip
        echo(_("plan: {summary}").format(summary=plan_service.parse(version).summary()))
        # CONTRACTS: one sign-in per role, named after it; only ever in a demo home.
        auth_service.create_demo_users(session=session, clock=clock)
        session.commit()
    echo(
        _("logins: {names} (password {password})").format(
            names=", ".join(ROLES), password=auth_service.DEMO_PASSWORD
        )
    )
    pipeline = build_pipeline(engine=engine, clock=clock, settings=settings)
    summary = pipeline.run(
        read_jsonl(io.BytesIO(_data("scenario.jsonl"))),
        on_reject=lambda line, reason: echo(
            "  " + _("rejected line {line}: {reason}").format(line=line, reason=reason)
        ),
    )
    echo(_("summary: {summary}").format(summary=json.dumps(summary.to_json())))
    with Session(engine) as session:
        for watch in watches:
            rows = session.scalars(
                select(StoredPost)
                .join(PostWatch, PostWatch.post_pk == StoredPost.pk)
                .where(PostWatch.watch == watch.name)
                .where(StoredPost.duplicate_of_pk.is_(None))
                .order_by(StoredPost.published_at)
            ).all()
            copies = session.scalar(
                select(func.count())
                .select_from(StoredPost)
                .join(PostWatch, PostWatch.post_pk == StoredPost.pk)
                .where(PostWatch.watch == watch.name)
                .where(StoredPost.duplicate_of_pk.is_not(None))
            )
            found = _("Watch {name}: {posts} posts, {copies} copies").format(
                name=watch.name, posts=len(rows), copies=copies
            )
            echo("\n" + found)
            for row in rows:
                echo("  " + post_line(row, settings.timezone))
    _report_levels(engine, settings, echo)
    from yuqing.incidents.demo import open_demo_incident

    open_demo_incident(engine=engine, clock=clock, echo=echo)
    return summary


def _report_levels(engine: Engine, settings: Settings, echo: Callable[[str], None]) -> None:
    """Events with the level the plan proposes, its reasons, and the alerts raised."""
    from yuqing.alerts.models import Alert, LevelDecision
    from yuqing.analysis.models import Event

    with Session(engine) as session:
        echo("\n" + _("Events, hottest first:"))
        events = session.scalars(select(Event).order_by(Event.heat.desc()).limit(5)).all()
        for event in events:
            decision = session.scalars(
                select(LevelDecision).where(
                    LevelDecision.event_id == event.id, LevelDecision.status == "proposed"
                )
            ).first()
            level = (
                _("proposed level {level}").format(level=decision.proposed_level)
                if decision
                else _("no level")
            )
            line = _("heat {heat}  {posts} posts  {level}  {title}").format(
                heat=f"{event.heat:5.1f}", posts=f"{event.posts:3d}", level=level,
                title=event.title[:50],
            )  # fmt: skip
            echo("  " + line)
            if decision:
                reasons = json.dumps(decision.reasons, ensure_ascii=False)
                echo("      " + _("because {reasons}").format(reasons=reasons))
        alerts = session.scalars(select(Alert)).all()
        raised = _("Alerts raised: {n} (sent by `yuqing worker` once channels are set)")
        echo("\n" + raised.format(n=len(alerts)))
        for alert in alerts:
            echo(f"  {alert.title}")


def demo_home(base: Path) -> Path:
    """A fresh folder under `base` for one demo run."""
    base.mkdir(parents=True, exist_ok=True)
    n = 1
    while (base / f"demo-{n}").exists():
        n += 1
    home = base / f"demo-{n}"
    home.mkdir()
    return home
