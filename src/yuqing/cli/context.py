"""What commands that touch the store share: settings, the clock and an open engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yuqing.core.clock import Clock, SystemClock
from yuqing.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from yuqing.alerts.dispatcher import SendFn
    from yuqing.auth.schemas import Actor


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


def run_as(user: str | None, work: Callable[[Session, Clock, Actor], Any]) -> Any:
    """One unit of work as the store's user `user` (else `$YUQING_USER`), committed;
    returns what `work` returned. The `--as` of the incident and risk commands."""
    import os

    from yuqing.auth import service as auth_service
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope

    name = user or os.environ.get("YUQING_USER", "")
    if not name:
        raise InvalidInput(_("say who acts: --as NAME or YUQING_USER"), where="--as")
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        actor = auth_service.actor_of(auth_service.get_user_or_raise(session=session, name=name))
        return work(session, ctx.clock, actor)
