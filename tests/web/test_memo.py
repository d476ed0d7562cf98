"""Shared figures: made once per key, the oldest keys dropped; a recent value shared
until this process writes to the store."""

from __future__ import annotations

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
