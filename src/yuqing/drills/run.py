"""`yuqing drill start` and `score` at work: the sandbox made, served live, scored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yuqing.core.clock import Clock
from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import ensure_current
from yuqing.demo.live import Story, run_live
from yuqing.demo.run import Progress
from yuqing.drills import MARKER
from yuqing.drills.sandbox import DrillInfo, create_sandbox, drill_home, sandbox_settings
from yuqing.drills.scenario import BUNDLED, Scenario, read_scenario
from yuqing.drills.scoring import DrillScore, score

Echo = Callable[[str], None]


def start_drill(
    *,
    live: Settings,
    name: str,
    clock: Clock,
    scenario_file: Path | None = None,
    plan_file: Path | None = None,
    restart: bool = False,
    notify: bool = False,
    echo: Echo = lambda _line: None,
) -> tuple[Settings, Engine, Scenario]:
    """The scenario checked whole, then the sandbox made: what serving it needs."""
    scenario = read_scenario(scenario_file)
    if scenario_file is not None:  # `--resume` reads it again from wherever it is run
        scenario = replace(scenario, source=str(scenario_file.resolve()))
    settings, engine = create_sandbox(
        live=live,
        name=name,
        scenario=scenario,
        clock=clock,
        plan_file=plan_file,
        restart=restart,
        notify=notify,
        echo=echo,
    )
    return settings, engine, scenario


def resume_drill(*, live: Settings, name: str) -> tuple[Settings, Engine, Scenario, bool]:
    """An existing sandbox to serve again, its replay going on where it stopped; the
    scenario is read again from its file (and checked again). The last item: `notify`."""
    home = drill_home(live, name)
    if not (home / MARKER).is_file():
        raise NotFound(_("no drill {name!r}: `yuqing drill list` names them").format(name=name))
    info = DrillInfo.read(home)
    scenario = read_scenario(None if info.scenario == BUNDLED else Path(info.scenario))
    settings = sandbox_settings(live, name)
    engine = make_engine(settings.db_url)
    ensure_current(engine)
    return settings, engine, scenario, info.notify


def serve_drill(
    *,
    settings: Settings,
    engine: Engine,
    scenario: Scenario,
    real: Clock,
    host: str,
    port: int,
    speed: float,
    open_browser: bool,
    notify: bool,
    echo: Echo,
) -> bool:
    """Serve the sandbox and replay the scenario until Ctrl-C; False when the server failed."""

    def announce(url: str, tokens: int) -> None:
        echo(_("YuQing drill {name} serving on {url} (API tokens configured: {tokens})").format(
            name=settings.drill, url=url, tokens=tokens))  # fmt: skip
        echo(_("sign in with your own account; the score so far is at {url}/drill").format(url=url))
        if notify:
            echo(_("--notify: alerts go out over the office's channels, titled 【演练】"))
        else:
            echo(_("alert deliveries are recorded, not sent (--notify sends them)"))

    story = Story(
        posts=scenario.posts,
        prepare=lambda _clock: None,  # the sandbox was filled when it was made
        announce=announce,
        open_incident=False,  # people open the case themselves: that is the drill
        drill=True,
    )
    return run_live(
        engine=engine, settings=settings, real=real, host=host, port=port, speed=speed,
        open_browser=open_browser, echo=echo, story=story,
    )  # fmt: skip


def drill_score(*, live: Settings, name: str, real: Clock) -> tuple[DrillInfo, DrillScore]:
    """The score of drill `name` at the scenario time its replay last reached."""
    home = drill_home(live, name)
    if not (home / MARKER).is_file():
        raise NotFound(_("no drill {name!r}: `yuqing drill list` names them").format(name=name))
    info = DrillInfo.read(home)
    settings = sandbox_settings(live, name)
    engine = make_engine(settings.db_url)
    try:
        ensure_current(engine)
        now = Progress.read(home).at or real.now()
        with Session(engine) as session:
            return info, score(session=session, now=now)
    finally:
        engine.dispose()
