"""What commands that touch the store share: settings, the clock and an open engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yuqing.core.clock import Clock, SystemClock
from yuqing.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from yuqing.alerts.dispatcher import SendFn


@dataclass
class AppContext:
    settings: Settings
    clock: Clock

    @cached_property
    def engine(self) -> Engine:
        """The store's engine, upgraded to the current schema on first use."""
        from yuqing.db.engine import make_engine
        from yuqing.db.migrate import ensure_current

        self.settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.settings.db_url)
        ensure_current(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from yuqing.db.engine import make_sessionmaker

        return make_sessionmaker(self.engine)


@contextmanager
def alert_sender(ctx: AppContext) -> Iterator[SendFn | None]:
    """A sender for alerts when a channels file is configured, else None (the worker sends)."""
    from yuqing.alerts.sending import channels_path, load_channel_settings, make_sender

    if not channels_path(ctx.settings.home).exists():
        yield None
        return
    import httpx  # only now: it costs about 0.1 s to load, and most runs send nothing

    settings = load_channel_settings(ctx.settings.home)
    with httpx.Client(trust_env=False) as http:
        yield make_sender(settings=settings, clock=ctx.clock, http=http)


def app_context() -> AppContext:
    return AppContext(settings=load_settings(), clock=SystemClock())
