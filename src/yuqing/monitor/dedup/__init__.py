"""Exact and near-duplicate detection: which earlier post a post copies (CONTRACTS `dedup`).

`textcore` finds the story a post tells (repost chains, reprint lines and punctuation
removed), `sketch` samples it into a compact signature, and `deduplicator` keeps recent
originals and decides.
"""

from __future__ import annotations

from yuqing.monitor.dedup.deduplicator import Deduplicator
from yuqing.monitor.dedup.sketch import SIGNATURE_BYTES

__all__ = ["SIGNATURE_BYTES", "Deduplicator"]
