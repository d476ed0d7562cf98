"""One shared look at the store per process for all live streams (server-sent events).

Each open feed or dashboard used to ask the store on its own every half second or two,
so fifty open browsers made a hundred queries a second while nothing happened. Now one
poller per kind of stream reads a cheap version of what the streams show (the newest
post's pk; the dashboard's fingerprint) and wakes the streams waiting on it only when
that version changed; each woken stream then reads what its own viewer may see. The
poller runs while at least one stream listens, on the running event loop, and its
reads run in a worker thread (the store's calls block).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Hashable

log = logging.getLogger(__name__)


class SharedPoll:
    """Reads `read()` every `interval` seconds while streams listen; wakes them on change."""

    def __init__(self, read: Callable[[], Hashable], *, interval: float) -> None:
        self.read = read
        self.interval = interval
        self.version: Hashable = None
        self.reads = 0  # how many times the store was asked (tests and bench/web.py)
        self._listeners = 0
        self._changed = asyncio.Event()
        self._ready = asyncio.Event()  # set once the running poller has read the version
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[SharedPoll]:
        """While inside, the poller runs; `version` has been read at least once."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (a restarted server, a test's client)
            self._loop, self._task, self._listeners = loop, None, 0
        self._listeners += 1
        try:
            if self._task is None or self._task.done():
                # Made before any await, so listeners arriving meanwhile share this one.
                self._changed, self._ready = asyncio.Event(), asyncio.Event()
                self._task = loop.create_task(self._run())
            await self._ready.wait()
            yield self
        finally:
            self._listeners -= 1

    async def _look(self) -> bool:
        """Read the version once; wake the listeners when it changed. False: it failed."""
        try:
            self.reads += 1
            version = await asyncio.to_thread(self.read)
        except Exception:  # a busy or briefly unreachable store: try again next time
            log.warning("live streams: reading the store failed", exc_info=True)
            return False
        if version != self.version or not self._ready.is_set():
            self.version = version
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()
        self._ready.set()
        return True

    async def _run(self) -> None:
        while not await self._look() and self._listeners > 0:
            await asyncio.sleep(self.interval)
        while self._listeners > 0:
            await asyncio.sleep(self.interval)
            await self._look()

    async def wait(self, seen: Hashable, timeout: float) -> Hashable:
        """The version once it differs from `seen`, or after `timeout` seconds as it is."""
        if self.version != seen:
            return self.version
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)
        return self.version
