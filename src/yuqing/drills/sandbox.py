"""Sandbox homes: `$YUQING_HOME/drills/NAME/`, each with its own SQLite store.

What an office needs to rehearse is copied in from the live store, which is only read
(never migrated, never written): the plan in force (or a plan file), the watches, the
departments and the users with their password hashes, so people sign in as themselves.
A live store with no plan gets the example school plan (the bundled scenario's story),
one with no users the demo's sign-ins.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yuqing.auth import service as auth_service
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.demo.accounts import create_demo_users
from yuqing.drills import DRILLS_DIR, MARKER
from yuqing.drills.scenario import Scenario
from yuqing.monitor import service as monitor_service
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

CHANNELS = "channels.yaml"
AUTHOR = "drill"  # who the sandbox's own writes name as their actor
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class DrillInfo:
    """What `drill.json` in a sandbox home says."""

    name: str
    title: str
    description: str
    scenario: str  # the scenario file, or "bundled"
    posts: int
    created_at: datetime
    plan: str  # where the plan came from
    notify: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "scenario": self.scenario,
            "posts": self.posts,
            "created_at": self.created_at.isoformat(),
            "plan": self.plan,
            "notify": self.notify,
        }

    @classmethod
    def read(cls, home: Path) -> DrillInfo:
        try:
            raw = json.loads((home / MARKER).read_text("utf-8"))
            return cls(
                name=str(raw["name"]),
                title=str(raw.get("title", "")),
                description=str(raw.get("description", "")),
                scenario=str(raw["scenario"]),
                posts=int(raw["posts"]),
                created_at=datetime.fromisoformat(raw["created_at"]),
                plan=str(raw.get("plan", "")),
                notify=bool(raw.get("notify", False)),
            )
        except FileNotFoundError:
            raise NotFound(_("{path}: not a drill home").format(path=home)) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            message = _("{path}: unreadable drill file ({error})")
            raise InvalidInput(message.format(path=home / MARKER, error=exc)) from None


def check_name(name: str) -> str:
    """A drill's name is a folder's: letters, digits, `_ . -`, at most 64."""
    if not _NAME.fullmatch(name):
        message = _(
            "drill name {name!r}: use letters, digits, '_', '.' or '-' (at most 64, "
            "not starting with '.', '_' or '-')"
        )
        raise InvalidInput(message.format(name=name))
    return name


def drills_base(live: Settings) -> Path:
    return live.home / DRILLS_DIR


def drill_home(live: Settings, name: str) -> Path:
    return drills_base(live) / check_name(name)


def sandbox_settings(live: Settings, name: str) -> Settings:
    """The live settings pointed at the sandbox home and its own SQLite store."""
    home = drill_home(live, name)
    return replace(live, home=home, db_url=f"sqlite:///{home / 'yuqing.db'}", drill=name)


def list_drills(live: Settings) -> list[DrillInfo]:
    base = drills_base(live)
    if not base.is_dir():
        return []
    found = []
    for home in sorted(base.iterdir()):
        if (home / MARKER).is_file():
            found.append(DrillInfo.read(home))
    return found


def remove_drill(live: Settings, name: str) -> Path:
    home = drill_home(live, name)
    if not (home / MARKER).is_file():
        raise NotFound(_("no drill {name!r} in {base}").format(name=name, base=drills_base(live)))
    shutil.rmtree(home)
    return home


@dataclass(frozen=True)
class Copied:
    """What the live store gave the sandbox (counts), and the plan's origin."""

    plan: str
    watches: int
    departments: int
    users: int


def _live_store_exists(live: Settings) -> bool:
    if not live.is_sqlite:
        return True
    path = live.db_url.removeprefix("sqlite:///")
    return Path(path).is_file()


def _read_live(live: Settings) -> dict[str, Any]:
    """Plan text, watches, departments and users of the live store; nothing written."""
    found: dict[str, Any] = {"plan": None, "watches": [], "departments": [], "users": []}
    if not _live_store_exists(live):
        return found  # no store yet: making an engine would create its file
    engine = make_engine(live.db_url)
    try:
        with Session(engine) as session:
            active = plan_service.get_active(session=session)
            if active is not None:
                found["plan"] = (active.yaml_text, active.source_name, active.version)
            found["watches"] = monitor_service.load_watches(session=session)
            found["departments"] = [
                (d.name, d.display_name) for d in auth_service.get_all_departments(session=session)
            ]
            found["users"] = [
                {
                    "name": u.name,
                    "role": u.role,
                    "department": u.department.name if u.department else None,
                    "display_name": u.display_name,
                    "language": u.language,
                    "password_hash": u.password_hash,
                }
                for u in auth_service.get_all_users(session=session)
                if not u.disabled
            ]
            session.rollback()  # only read
    finally:
        engine.dispose()
    return found


def create_sandbox(
    *,
    live: Settings,
    name: str,
    scenario: Scenario,
    clock: Clock,
    plan_file: Path | None = None,
    restart: bool = False,
    notify: bool = False,
    echo: Callable[[str], None] = lambda _line: None,
) -> tuple[Settings, Engine]:
    """A new sandbox home for drill `name`, filled from the live store; its settings and
    engine. Refuses a name in use unless `restart` (the old sandbox is then removed)."""
    home = drill_home(live, name)
    if home.exists():
        if not restart:
            message = _("drill {name!r} exists already ({home}): use --restart or another name")
            raise Conflict(message.format(name=name, home=home))
        if not (home / MARKER).is_file():
            raise Conflict(_("{home} is not a drill home: not removed").format(home=home))
        shutil.rmtree(home)
    plan_text = None
    if plan_file is not None:  # checked before anything is made
        try:
            plan_text = plan_file.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            message = _("{path}: cannot read the plan: {error}")
            raise InvalidInput(message.format(path=plan_file, error=exc)) from None
    found = _read_live(live)
    settings = sandbox_settings(live, name)
    home.mkdir(parents=True)
    try:
        engine = make_engine(settings.db_url)
        upgrade(engine)
        copied = _fill(engine, clock, found, plan_text, plan_file)
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)  # nothing half-made stays
        raise
    info = DrillInfo(
        name=name,
        title=scenario.title,
        description=scenario.description,
        scenario=scenario.source,
        posts=len(scenario.posts),
        created_at=clock.now(),
        plan=copied.plan,
        notify=notify,
    )
    if notify and (live.home / CHANNELS).is_file():  # the office's channels, to send for real
        shutil.copyfile(live.home / CHANNELS, home / CHANNELS)
    (home / MARKER).write_text(json.dumps(info.to_json(), ensure_ascii=False), "utf-8")
    message = _(
        "sandbox {home}: plan from {plan}; copied {watches} watches, {departments} "
        "departments, {users} users"
    )
    echo(
        message.format(
            home=home,
            plan=copied.plan,
            watches=copied.watches,
            departments=copied.departments,
            users=copied.users,
        )
    )
    return settings, engine


def _fill(
    engine: Engine,
    clock: Clock,
    found: dict[str, Any],
    plan_text: str | None,
    plan_file: Path | None,
) -> Copied:
    with Session(engine) as session:
        if plan_text is not None and plan_file is not None:
            text, source, origin = plan_text, str(plan_file), str(plan_file)
        elif found["plan"] is not None:
            text, source, version = found["plan"]
            origin = _("the live plan, version {version}").format(version=version)
        else:
            text, source = example_plan_text("school"), "examples/plans/school.yaml"
            origin = _("the example school plan (the live store has none)")
        plan_service.load(
            session=session, clock=clock, author=AUTHOR, text=text, source_name=source
        )
        monitor_service.upsert_watches(session=session, clock=clock, watches=found["watches"])
        if not found["watches"]:
            from yuqing.demo.run import demo_watches

            monitor_service.upsert_watches(session=session, clock=clock, watches=demo_watches())
        for dept_name, display in found["departments"]:
            auth_service.create_department(
                session=session, clock=clock, actor=AUTHOR, name=dept_name, display_name=display
            )
        for user in found["users"]:
            auth_service.create_user(
                session=session, clock=clock, actor=AUTHOR, password=None, **user
            )
        if not found["users"]:
            create_demo_users(session=session, clock=clock)
        session.commit()
    return Copied(
        plan=origin,
        watches=len(found["watches"]),
        departments=len(found["departments"]),
        users=len(found["users"]),
    )
