"""`yuqing demo` at work: the service on a demo home, the scenario replayed into it live.

One process: uvicorn serving the same app as `yuqing serve` (in a thread), the same
worker (in a thread), and the replay (in a thread), all on one accelerated clock. The
main thread owns SIGINT and SIGTERM and stops them in order: replay and worker first
(each ends its batch or round), then the server, then the pipeline's state is saved.
"""

from __future__ import annotations

import signal
import threading
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

import httpx
from sqlalchemy import Engine

from yuqing.analysis.steps import warm_front
from yuqing.core.clock import AcceleratedClock, Clock
from yuqing.core.i18n import _
from yuqing.core.settings import Settings
from yuqing.demo import WORKER_PAUSE
from yuqing.demo.accounts import DEMO_PASSWORD
from yuqing.demo.replay import Replay, ScenarioPost, load_scenario, remaining
from yuqing.demo.run import AlertReporter, Progress, prepare
from yuqing.incidents.demo import open_demo_incident
from yuqing.monitor.schemas import IngestSummary
from yuqing.web.app import create_app
from yuqing.web.server import ServerThread, api_tokens_from_env, start_worker
from yuqing.worker.live import build_pipeline

Echo = Callable[[str], None]


def demo_clock(*, real: Clock, speed: float, before: Progress) -> AcceleratedClock:
    """A fast clock from now, or from where the home's last demo stopped if that is later.

    Scenario time runs ahead of real time; a home's time must never go back.
    """
    start = real.now()
    if before.at is not None and before.at >= start:
        start = before.at + timedelta(seconds=1)
    return AcceleratedClock(start, speed)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop` (no KeyboardInterrupt mid-batch) while inside."""

    def ask_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class Story:
    """What a live replay tells: its posts, how its home is made ready, what it says.

    The demo and a drill (drills/live.py) both run through `run_live`.
    """

    posts: list[ScenarioPost]
    # Makes the home ready on the replay's clock (the demo loads its plan and users).
    prepare: Callable[[Clock], None]
    # Says where it serves: the URL and how many API tokens are configured.
    announce: Callable[[str, int], None]
    open_incident: bool = True  # the demo opens its case itself; people do in a drill
    drill: bool = False  # what it says while replaying


def run_live_demo(
    *,
    engine: Engine,
    settings: Settings,
    real: Clock,
    host: str,
    port: int,
    speed: float,
    open_browser: bool,
    echo: Echo,
) -> bool:
    """Serve the demo and replay its scenario until SIGINT or SIGTERM; False when the
    server failed."""
    logins: list[str] = []

    def prepare_demo(clock: Clock) -> None:
        logins.extend(prepare(engine=engine, clock=clock, echo=echo))

    def announce_demo(url: str, tokens: int) -> None:
        announce(echo, url=url, logins=logins, tokens=tokens)

    story = Story(posts=load_scenario(), prepare=prepare_demo, announce=announce_demo)
    return run_live(
        engine=engine, settings=settings, real=real, host=host, port=port, speed=speed,
        open_browser=open_browser, echo=echo, story=story,
    )  # fmt: skip


def run_live(
    *,
    engine: Engine,
    settings: Settings,
    real: Clock,
    host: str,
    port: int,
    speed: float,
    open_browser: bool,
    echo: Echo,
    story: Story,
) -> bool:
    """Serve and replay `story` until SIGINT or SIGTERM; False when the server failed."""
    before = Progress.read(settings.home)
    # The sentiment model and the word lists load before the fast clock starts: loaded in
    # the first batch, their seconds would be hours of the story between the first post
    # and its alert (a drill scores that delay as detection).
    warm_front()
    clock = demo_clock(real=real, speed=speed, before=before)
    story.prepare(clock)
    pipeline = build_pipeline(engine=engine, clock=clock, settings=settings)
    tokens = api_tokens_from_env()
    app = create_app(
        engine=engine, clock=clock, settings=settings, api_tokens=tokens, pipeline=pipeline
    )
    server = ServerThread(app, host=host, port=port)
    todo = remaining(story.posts, before.fed)
    replay = Replay(pipeline=pipeline, posts=todo, stop=threading.Event())
    stop = replay.stop
    report = AlertReporter(engine=engine, timezone=settings.timezone, echo=echo)

    incident_open = not story.open_incident

    def on_batch(now: datetime, batch: IngestSummary) -> None:
        nonlocal incident_open
        # Saved after each batch: a replay stopped at any point resumes from here.
        Progress(before.fed + replay.fed, now).write(settings.home)
        report(now, batch)
        if not incident_open:  # the monitor opens a case as soon as a level is proposed
            incident_open = open_demo_incident(
                engine=engine, clock=clock, timezone=settings.timezone, echo=echo
            )

    def replay_then_idle() -> None:
        summary = replay.run()
        clock.set_factor(1.0)  # the story is told: time goes on at its real pace
        if todo and not stop.is_set():
            message = _("scenario replayed ({stored} posts stored); serving until Ctrl-C")
            echo(message.format(stored=summary.stored))

    replay.on_batch = on_batch
    threads: list[threading.Thread] = []
    failed = False
    http = httpx.Client(trust_env=False)
    with stop_on_signals(stop):
        try:
            threads.append(
                start_worker(
                    pipeline=pipeline,
                    settings=settings,
                    clock=clock,
                    http=http,
                    stop=stop,
                    daemon=False,
                    # A quarter of a real second, at whatever pace the clock runs now.
                    min_wait=lambda: WORKER_PAUSE * clock.factor,
                    # A scenario of hours on a fast clock: no briefings to print meanwhile.
                    reports=False,
                )
            )
            if server.start(stop):
                story.announce(server.url, len(tokens))
                if open_browser:
                    webbrowser.open(server.url)
                say_replaying(echo, story, todo, speed)
                threads.append(threading.Thread(target=replay_then_idle, name="yuqing-replay"))
                threads[-1].start()
                while not stop.wait(0.5):
                    if not server.thread.is_alive():
                        failed = True  # the server died: uvicorn said why on stderr
                        break
            elif not stop.is_set():
                failed = True  # it did not start: uvicorn said why on stderr
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            server.stop()
            pipeline.checkpoint(force=True)  # the next run in this home resumes its events
            Progress(before.fed + replay.fed, clock.now()).write(settings.home)
            http.close()
    return not failed


def say_replaying(echo: Echo, story: Story, todo: list[ScenarioPost], speed: float) -> None:
    if todo:
        if story.drill:
            message = _("drill: replaying {n} posts of the scenario, {speed:g} times faster "
                        "than real time")  # fmt: skip
        else:
            message = _(
                "replaying {n} posts of the demo scenario, {speed:g} times faster than real time"
            )
        echo(message.format(n=len(todo), speed=speed))
    elif story.drill:
        echo(_("this drill's scenario has been replayed already: serving its sandbox"))
    else:
        echo(_("this home holds the whole demo scenario already: serving it"))


def announce(echo: Echo, *, url: str, logins: list[str], tokens: int) -> None:
    """The URL and the sign-ins."""
    message = _("YuQing demo serving on {url} (API tokens configured: {tokens})")
    echo(message.format(url=url, tokens=tokens))
    message = _("sign in as {names}, password {password}")
    echo(message.format(names=", ".join(logins), password=DEMO_PASSWORD))
