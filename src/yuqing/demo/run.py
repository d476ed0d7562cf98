"""Set up a demo home and say what the replay raises as it goes.

The demo runs the same `Pipeline`, app and worker as `yuqing serve`; nothing here is a
second copy of them. This module loads what a new office would load first (the demo
watches, an example plan, the sign-ins) and reports alerts as the scenario raises them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yuqing.alerts import service as alerts_service
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.demo.accounts import create_demo_users
from yuqing.demo.risks import add_demo_risks
from yuqing.monitor import service
from yuqing.monitor.schemas import IngestSummary
from yuqing.monitor.watches import Watch, load_watch_text
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

EXAMPLE_PLAN = "school"  # the scenario's story is a school's
PROGRESS_FILE = "demo-progress.json"


def demo_watches() -> list[Watch]:
    """The demo county's watches (a drill sandbox whose live store has none gets them)."""
    text = resources.files("yuqing.demo").joinpath("watches.yaml").read_text("utf-8")
    return load_watch_text(text, filename="demo/watches.yaml")


def prepare(*, engine: Engine, clock: Clock, echo: Callable[[str], None]) -> list[str]:
    """Load the demo watches and the example plan, make the demo users and the school's
    risk register; the users' names."""
    with Session(engine) as session:
        service.upsert_watches(session=session, clock=clock, watches=demo_watches())
        version = plan_service.load(
            session=session,
            clock=clock,
            author="demo",
            text=example_plan_text(EXAMPLE_PLAN),
            source_name=f"examples/plans/{EXAMPLE_PLAN}.yaml",
        )
        echo(_("plan: {summary}").format(summary=plan_service.parse(version).summary()))
        logins = create_demo_users(session=session, clock=clock)
        add_demo_risks(session=session, clock=clock)
        session.commit()
    return logins


@dataclass(frozen=True)
class Progress:
    """How far a home's replay got: posts handed to the pipeline, and its clock then.

    Kept in a file of the home, since posts no watch matches leave no trace in the store.
    """

    fed: int = 0
    at: datetime | None = None

    @classmethod
    def read(cls, home: Path) -> Progress:
        try:
            saved = json.loads((home / PROGRESS_FILE).read_text("utf-8"))
            return cls(int(saved["fed"]), datetime.fromisoformat(saved["at"]))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            message = _("{path}: unreadable demo progress ({error}); delete it to start over")
            raise InvalidInput(message.format(path=home / PROGRESS_FILE, error=exc)) from None

    def write(self, home: Path) -> None:
        """Saved whole or not at all (a new file replaces the old one)."""
        target = home / PROGRESS_FILE
        temporary = target.with_suffix(".tmp")
        at = self.at.isoformat() if self.at else None
        temporary.write_text(json.dumps({"fed": self.fed, "at": at}), "utf-8")
        os.replace(temporary, target)


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
