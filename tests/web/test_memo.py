"""Shared figures: made once per key, the oldest keys dropped."""

from __future__ import annotations

from yuqing.web.memo import Memo


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
