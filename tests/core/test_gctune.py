"""The collector settings of streaming commands."""

import gc
from collections.abc import Iterator

import pytest

from yuqing.core.gctune import YOUNG_THRESHOLD, give_back_free_memory, tune_for_streaming


@pytest.fixture
def restored_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("restored_gc")
def test_streaming_collects_the_young_generation_less_often_and_keeps_the_rest() -> None:
    _young, older, oldest = gc.get_threshold()
    tune_for_streaming()
    assert gc.get_threshold() == (max(_young, YOUNG_THRESHOLD), older, oldest)
    assert gc.get_freeze_count() > 0  # start-up objects are no longer scanned
    assert gc.isenabled()


def test_giving_back_free_memory_keeps_objects_and_runs_anywhere() -> None:
    # glibc returns its free heap pages to the system; elsewhere it is a no-op. Either
    # way nothing alive is touched.
    kept = [bytes(1000) for _ in range(1000)]
    del kept[::2]
    give_back_free_memory()
    assert len(kept) == 500
    assert all(b == bytes(1000) for b in kept)
