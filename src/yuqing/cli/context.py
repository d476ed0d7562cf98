"""What commands that touch the store share: settings, the clock and an open engine."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yuqing.core.clock import Clock, SystemClock
from yuqing.core.settings import Settings, load_settings


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


def app_context() -> AppContext:
    return AppContext(settings=load_settings(), clock=SystemClock())
