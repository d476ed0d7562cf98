"""The shared poller behind the live streams: one read per look, however many listen."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

from yuqing.web.live import SharedPoll


class Store:
    """A stand-in for the store's cheap version read, counting how often it is asked."""

    def __init__(self, changes_after: int) -> None:
        self.changes_after = changes_after
        self.reads = 0

    def read(self) -> Hashable:
        self.reads += 1
        return "new" if self.reads > self.changes_after else "old"


def test_many_listeners_share_one_poller_and_all_see_the_change() -> None:
    store = Store(changes_after=3)
    poll = SharedPoll(store.read, interval=0)

    async def listener() -> Hashable:
        async with poll.listening():
            return await poll.wait("old", timeout=5)

    async def main() -> list[Hashable]:
        return await asyncio.gather(*(listener() for _ in range(50)))

    assert asyncio.run(main()) == ["new"] * 50
    # One read to start, then one per look until the change: not one per listener.
    assert 4 <= store.reads < 25
    # A look the poller began as the last listener left may not have reached the store.
    assert store.reads <= poll.reads <= store.reads + 1


def test_a_wait_without_change_returns_the_same_version_after_its_timeout() -> None:
    store = Store(changes_after=10**9)
    poll = SharedPoll(store.read, interval=0.01)

    async def main() -> Hashable:
        async with poll.listening():
            return await poll.wait("old", timeout=0.05)

    assert asyncio.run(main()) == "old"


def test_a_version_newer_than_the_one_seen_is_returned_at_once() -> None:
    store = Store(changes_after=0)
    poll = SharedPoll(store.read, interval=60)

    async def main() -> Hashable:
        async with poll.listening():
            return await poll.wait("old", timeout=60)

    assert asyncio.run(main()) == "new"  # the first read already had it: no waiting


def test_the_poller_stops_when_the_last_listener_leaves_and_restarts_on_a_new_loop() -> None:
    store = Store(changes_after=10**9)
    poll = SharedPoll(store.read, interval=0)

    async def listen_briefly() -> None:
        async with poll.listening():
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)  # the poller's task sees no listener and ends

    asyncio.run(listen_briefly())
    stopped_at = store.reads
    asyncio.run(listen_briefly())  # a second loop (a restarted server) starts it afresh
    assert store.reads > stopped_at
