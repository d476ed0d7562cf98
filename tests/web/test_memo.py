"""Shared figures: made once per key, the oldest keys dropped; a recent value shared
until this process writes to the store."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.monitor.models import Source
from yuqing.web.memo import Memo, Recent, store_version


def test_a_value_is_made_once_per_key_and_old_keys_are_dropped() -> None:
    memo = Memo(size=2)
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert memo.get("a", lambda: make("a")) == "A"
    assert memo.get("a", lambda: make("a")) == "A"
    assert memo.get("b", lambda: make("b")) == "B"
    assert memo.get("c", lambda: make("c")) == "C"  # "a" is dropped: the oldest
    assert memo.get("a", lambda: make("a")) == "A"
    assert made == ["a", "b", "c", "a"] and memo.made == 4


def test_a_recent_value_is_shared_until_this_process_writes(store: Store) -> None:
    """Requests that began after the latest write share one value; a write through the
    store's engine, not a read, makes the next request look again; a request that began
    before the write makes its own value and keeps it to itself."""
    version = store_version(store.engine)
    assert store_version(store.engine) is version  # one count per engine
    recent = Recent(version, fresh=60)
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    seen = version.commits
    assert recent.get(make, seen) == 1
    assert recent.get(make, version.commits) == 1  # shared
    with Session(store.engine) as session:  # a read commits nothing that counts
        session.scalar(select(func.count()).select_from(Source))
        session.commit()
    assert recent.get(make, version.commits) == 1
    with Session(store.engine) as session:
        session.execute(update(Source).values(consecutive_failures=0))
        session.commit()
    assert version.commits == seen + 1
    assert recent.get(make, seen) == 2  # began before the write: its own value …
    assert recent.get(make, version.commits) == 3  # … not shared with the next request
    assert recent.get(make, version.commits) == 3
    assert recent.get(make, None) == 4  # a request that did not say when it began
    with Session(store.engine) as session:  # a write rolled back does not count
        session.execute(update(Source).values(consecutive_failures=0))
        session.rollback()
    assert recent.get(make, version.commits) == 3
    assert Recent(version, fresh=0).get(make, version.commits) == 5  # too old at once


def _at_once(get: Callable[[], object], n: int) -> list[object]:
    """`get` from `n` threads together."""
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _i: get(), range(n)))


def test_requests_asking_while_a_value_is_made_wait_for_it_instead_of_making_it_again() -> None:
    memo = Memo()
    started, release = threading.Event(), threading.Event()
    made: list[int] = []

    def make() -> int:
        made.append(1)
        started.set()
        release.wait(5)
        return 42

    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(memo.get, "k", make)
        assert started.wait(5)
        others = [pool.submit(memo.get, "k", make) for _ in range(4)]
        release.set()
        assert first.result() == 42 and [o.result() for o in others] == [42] * 4
    assert made == [1] and memo.made == 1


def test_a_maker_that_fails_leaves_the_others_to_make_their_own() -> None:
    memo = Memo()
    started, release = threading.Event(), threading.Event()

    def failing() -> int:
        started.set()
        release.wait(5)
        raise RuntimeError("the store went away")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(memo.get, "k", failing)
        assert started.wait(5)
        other = pool.submit(memo.get, "k", lambda: 7)
        release.set()
        with pytest.raises(RuntimeError):
            first.result()
        assert other.result() == 7
    assert memo.get("k", lambda: 8) == 8  # nothing was kept of the failed one


def test_a_recent_value_is_made_once_for_requests_arriving_together(store: Store) -> None:
    version = store_version(store.engine)
    recent = Recent(version, fresh=60)
    made: list[int] = []
    lock = threading.Lock()

    def make() -> int:
        with lock:
            made.append(1)
            number = len(made)
        time.sleep(0.05)  # a real thread's work, for the others to arrive meanwhile
        return number

    assert _at_once(lambda: recent.get(make, version.commits), 8) == [1] * 8
    assert made == [1]
    seen = version.commits
    with Session(store.engine) as session:
        session.execute(update(Source).values(consecutive_failures=0))
        session.commit()
    # Requests that began before the write make their own, and share nothing.
    assert sorted(_at_once(lambda: recent.get(make, seen), 3)) == [2, 3, 4]  # type: ignore[type-var]
