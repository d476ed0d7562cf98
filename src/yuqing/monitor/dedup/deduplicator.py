"""The `Deduplicator`: which earlier original, if any, a post copies (CONTRACTS `dedup`).

It remembers up to `capacity` recent originals in a ring (the oldest is forgotten
first), each by its sketch. A post is a copy when its core hashes like an original's
(or a known copy's), or when it is long enough and its sketch is close to an
original's: similar enough as a whole (light edits), or contained (a cut reprint),
with a stricter bar when the two state different numbers or places.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.undo import UndoLog
from yuqing.monitor.dedup.sketch import Likeness, Sketch, decode, likeness, sketch_of, unpack
from yuqing.monitor.dedup.textcore import core_of
from yuqing.monitor.posts import Post

# Thresholds chosen on the labelled pairs in tests/monitor/test_dedup.py (see the
# precision/recall test there).
JACCARD = 0.5  # light edits of one story
CONTAINED = 0.8  # a cut reprint, or a reprint with lines added
MIN_SAMPLE = 8  # containment from fewer sampled shingles is noise (P(false) ~ 5% at 5)
CONFLICT_JACCARD = 0.75  # one number or place differs: an edit only when nearly identical
CONFLICTS_JACCARD = 0.9  # several differ: a template filled in with other facts
INDEX_KEYS = 5  # smallest shingles of each original that candidates are looked up by
BUCKET = 4  # originals kept per looked-up shingle (common phrases collide)
MAX_VERIFY = 8  # candidates compared per post, those sharing the most shingles first
MAX_WEAK = 2  # of which sharing a single shingle (most are unrelated posts)
MAX_CAPACITY = 10_000_000
_FORMAT = "yuqing-dedup"
SKETCH_KEY = "dedup_sketch"  # where a post's sketch is kept in `Post.derived`
# What an open batch keeps to undo itself: the log, the old exact and index values, the
# ring's serial and length when it began, the copies it forgot for room.
_Batch = tuple[
    UndoLog, dict[int, "int | None"], dict[int, "int | list[int] | None"], int, int,
    list[tuple[int, str]],
]  # fmt: skip


def is_copy(like: Likeness) -> bool:
    """Whether an estimated overlap is enough to call one post a copy of the other."""
    if like.names_conflict > 2:  # each name sets up to two bits
        return like.jaccard >= CONFLICTS_JACCARD
    if like.names_conflict:
        return like.jaccard >= CONFLICT_JACCARD
    if like.jaccard >= JACCARD:
        return True
    return like.sample >= MIN_SAMPLE and like.contained >= CONTAINED


class Deduplicator:
    """Online exact and near-duplicate detection with bounded memory."""

    # 100,000 originals: weeks of kept posts for a county office, and with the clusterer's
    # `memory_posts` what keeps a fully matched 1M-post ingest under 500 MB (bench/RESULTS.md).
    def __init__(self, *, capacity: int = 100_000) -> None:
        if not 1 <= capacity <= MAX_CAPACITY:
            raise InvalidInput(
                _("dedup capacity must be 1..{limit}, not {value}").format(
                    limit=MAX_CAPACITY, value=capacity
                )
            )
        self.capacity = capacity
        # Originals live in a ring keyed by a serial number: serial % capacity is the
        # slot, and a serial older than `capacity` additions has been forgotten.
        self._serial = 0
        self._ids: list[str] = []
        # Signatures, not `Sketch` objects: bytes are a fifth of the memory, and they are
        # decoded only for the few candidates a post is compared with.
        self._signatures: list[bytes] = []
        self._exact: dict[int, int] = {}  # exact hash -> serial of the original
        # Sampled shingle -> serial, or serials oldest first when several share it.
        self._index: dict[int, int | list[int]] = {}
        # Exact hashes of copies -> their original's id, so a repost of an edited copy
        # still points at the first post. Bounded like the ring, oldest first out.
        self._copies: dict[int, str] = {}
        # While a batch is open (`begin`): how to undo what it changed.
        self._undo: UndoLog | None = None
        # The first value the open batch found for each key it changed (None: absent).
        self._old_exact: dict[int, int | None] = {}
        self._old_index: dict[int, int | list[int] | None] = {}
        self._batch_serial = 0
        self._batch_ring = 0
        self._dropped_copies: list[tuple[int, str]] = []
        # Batches begun before the open one and not committed yet, oldest first (a
        # pipeline that overlaps batches): what `_open_batch` gives for each.
        self._outer: list[_Batch] = []

    # -- decisions -------------------------------------------------------------------

    def check(self, post: Post) -> str | None:
        """The id of the earlier original `post` copies, or None; changes nothing."""
        return self._decide(self.sketch(post))

    def add(self, post: Post, *, duplicate_of: str | None) -> None:
        """Remember `post`: as an original, or as a copy of `duplicate_of`."""
        self._add(post.id, self.sketch(post), duplicate_of)

    def check_and_add(self, post: Post) -> str | None:
        """Decide from what came before only, then remember the post."""
        sketch = self.sketch(post)
        original = self._decide(sketch)
        self._add(post.id, sketch, original)
        return original

    # -- signatures ------------------------------------------------------------------

    @staticmethod
    def sketch(post: Post) -> Sketch:
        """The sketch of a post (what the decisions read), computed once per post."""
        cached: Sketch | None = post.derived.get(SKETCH_KEY)
        if cached is None:
            cached = sketch_of(core_of(folded=post.folded, title=post.title, text=post.text))
            post.derived[SKETCH_KEY] = cached
        return cached

    def signature(self, post: Post) -> bytes:
        """A compact signature of `post` (at most `SIGNATURE_BYTES`, 114) to store beside it."""
        return self.sketch(post).encode()

    def remember(self, post_id: str, signature: bytes, *, duplicate_of: str | None = None) -> None:
        """Remember a post from its stored signature, as `add` would have."""
        self._add(post_id, decode(signature), duplicate_of)

    # -- batches ---------------------------------------------------------------------

    def begin(self) -> None:
        """Start a batch: what it adds can be taken back by `rollback`. A batch may begin
        while earlier ones are open (not stored yet): each undoes only its own changes."""
        if self._undo is not None:
            self._outer.append(self._open_batch())
        self._undo = UndoLog()
        self._old_exact, self._old_index = {}, {}
        self._batch_serial, self._batch_ring = self._serial, len(self._ids)
        self._dropped_copies = []

    def commit(self) -> None:
        """The oldest open batch is stored: keep what it added."""
        if self._outer:
            del self._outer[0]
            return
        self._undo = None
        self._old_exact, self._old_index = {}, {}
        self._dropped_copies = []

    def rollback(self) -> None:
        """The batch was not stored: forget it, as if it never came."""
        if self._undo is None:
            return
        self._undo.rollback()
        self._undo = None
        _put_back(self._exact, self._old_exact)
        _put_back(self._index, self._old_index)
        self._old_exact, self._old_index = {}, {}
        self._serial = self._batch_serial
        del self._ids[self._batch_ring :], self._signatures[self._batch_ring :]
        if self._dropped_copies:
            # Copies forgotten for room were the oldest: they go first again.
            self._copies = dict(reversed(self._dropped_copies)) | self._copies
            self._dropped_copies = []
        if self._outer:  # the batch begun before it is the open one again
            (self._undo, self._old_exact, self._old_index, self._batch_serial,
             self._batch_ring, self._dropped_copies) = self._outer.pop()  # fmt: skip

    def _open_batch(self) -> _Batch:
        assert self._undo is not None
        return (self._undo, self._old_exact, self._old_index, self._batch_serial,
                self._batch_ring, self._dropped_copies)  # fmt: skip

    # -- state -----------------------------------------------------------------------

    def __len__(self) -> int:
        """How many originals are remembered."""
        return len(self._exact)

    def snapshot(self) -> bytes:
        """The state as JSON bytes (signatures in base64), for `restore`."""
        originals = [
            [post_id, base64.b64encode(signature).decode("ascii")]
            for post_id, signature in self._live()
        ]
        copies = [[f"{exact:016x}", root] for exact, root in self._copies.items()]
        state = {"format": _FORMAT, "version": 1, "capacity": self.capacity,
                 "originals": originals, "copies": copies}  # fmt: skip
        return json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def restore(cls, data: bytes) -> Deduplicator:
        """A deduplicator from `snapshot` bytes; `InvalidInput` for anything else."""
        try:
            state = json.loads(data)
        except (ValueError, TypeError, RecursionError):
            raise InvalidInput(_("dedup snapshot is not valid JSON")) from None
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise InvalidInput(_("not a dedup snapshot"))
        if state.get("version") != 1:
            raise InvalidInput(
                _("unknown dedup snapshot version {version!r}").format(version=state.get("version"))
            )
        capacity = state.get("capacity")
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise InvalidInput(_("dedup snapshot capacity must be an integer"))
        dedup = cls(capacity=capacity)
        for post_id, sig in _pairs(state.get("originals"), "originals"):
            try:
                raw = base64.b64decode(sig, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput(_("dedup snapshot has a bad signature")) from None
            dedup.remember(post_id, raw)
        for exact_hex, root in _pairs(state.get("copies"), "copies"):
            try:
                exact = int(exact_hex, 16)
            except ValueError:
                raise InvalidInput(_("dedup snapshot has a bad copy hash")) from None
            if not 0 < exact < 1 << 64:
                raise InvalidInput(_("dedup snapshot has a bad copy hash"))
            dedup._remember_copy(exact, root)
        return dedup

    # -- internals -------------------------------------------------------------------

    def _alive(self, serial: int) -> bool:
        return serial >= self._serial - self.capacity

    def _live(self) -> Iterator[tuple[str, bytes]]:
        for serial in range(max(0, self._serial - self.capacity), self._serial):
            slot = serial % self.capacity
            yield self._ids[slot], self._signatures[slot]

    def _decide(self, sketch: Sketch) -> str | None:
        if not sketch.exact:
            return None  # nothing of its own: "转发微博", "好", emoji
        serial = self._exact.get(sketch.exact)
        if serial is not None:
            return self._ids[serial % self.capacity]
        root = self._copies.get(sketch.exact)
        if root is not None:
            return root
        if sketch.short:
            return None  # CONTRACTS: short texts are copies only when equal
        hits: dict[int, int] = {}
        for value in sketch.mins:
            hit = self._index.get(value)
            if hit is None:
                continue
            for serial in (hit,) if isinstance(hit, int) else hit:
                hits[serial] = hits.get(serial, 0) + 1
        # Common phrases make many weak candidates; a copy shares the most shingles.
        ranked = sorted(hits, key=lambda s: (-hits[s], s))[:MAX_VERIFY]
        # One shared shingle is what unrelated posts with a common phrase have; verify
        # only a few such weak candidates (a half-cut reprint may share just one).
        weak = [s for s in ranked if hits[s] < 2]
        if len(weak) > MAX_WEAK:
            ranked = [s for s in ranked if hits[s] >= 2] + weak[:MAX_WEAK]
        best: tuple[float, int] | None = None
        for serial in ranked:
            if not self._alive(serial):
                continue
            like = likeness(unpack(self._signatures[serial % self.capacity]), sketch)
            if not is_copy(like):
                continue
            # The closest original wins; among equals the earliest (the first post).
            score = max(like.jaccard, like.contained)
            if best is None or (score, -serial) > (best[0], -best[1]):
                best = (score, serial)
        return None if best is None else self._ids[best[1] % self.capacity]

    def _add(self, post_id: str, sketch: Sketch, duplicate_of: str | None) -> None:
        if not sketch.exact:
            return
        if duplicate_of is not None:
            if sketch.exact not in self._exact:
                self._remember_copy(sketch.exact, duplicate_of)
            return
        if sketch.exact in self._exact:
            return  # the first post of a text stays its original
        serial = self._serial
        slot = serial % self.capacity
        undo = self._undo
        if serial >= self.capacity:
            self._forget(serial - self.capacity)
            if undo is not None and slot < self._batch_ring:
                # A slot the batch found filled (later ones go when it is rolled back).
                undo.add(self._slot_setter(slot))
            self._ids[slot] = post_id
            self._signatures[slot] = sketch.encode()
        else:
            self._ids.append(post_id)
            self._signatures.append(sketch.encode())
        self._serial += 1
        if undo is not None:
            self._save(sketch.exact, sketch.mins[:INDEX_KEYS])
        self._exact[sketch.exact] = serial
        if sketch.short:
            return
        for value in sketch.mins[:INDEX_KEYS]:
            hit = self._index.get(value)
            if hit is None:
                self._index[value] = serial  # the common case: no list object
            elif isinstance(hit, int):
                self._index[value] = [hit, serial]
            else:
                hit.append(serial)
                if len(hit) > BUCKET:
                    del hit[0]

    def _forget(self, serial: int) -> None:
        old = unpack(self._signatures[serial % self.capacity])
        if self._undo is not None:
            self._save(old.exact, old.mins[:INDEX_KEYS])
        if self._exact.get(old.exact) == serial:
            del self._exact[old.exact]
        for value in old.mins[:INDEX_KEYS]:
            hit = self._index.get(value)
            if hit == serial:
                del self._index[value]
            elif isinstance(hit, list) and serial in hit:
                hit.remove(serial)
                if len(hit) == 1:
                    self._index[value] = hit[0]

    def _save(self, exact: int, mins: Sequence[int]) -> None:
        """Keep the values the open batch found under these keys, before it changes them."""
        if exact not in self._old_exact:
            self._old_exact[exact] = self._exact.get(exact)
        old, index = self._old_index, self._index
        for value in mins:
            if value not in old:
                hit = index.get(value)
                old[value] = list(hit) if isinstance(hit, list) else hit

    def _slot_setter(self, slot: int) -> Callable[[], None]:
        """Puts the ring's `slot` back as it is now."""
        post_id, signature = self._ids[slot], self._signatures[slot]

        def put_back() -> None:
            self._ids[slot], self._signatures[slot] = post_id, signature

        return put_back

    def _remember_copy(self, exact: int, root: str) -> None:
        if not isinstance(root, str):
            raise InvalidInput(_("dedup snapshot has a bad copy root"))
        if self._undo is not None:
            self._undo.save(self._copies, exact)
        self._copies.pop(exact, None)
        self._copies[exact] = root
        while len(self._copies) > self.capacity:
            oldest = next(iter(self._copies))
            if self._undo is not None:
                self._dropped_copies.append((oldest, self._copies[oldest]))
            del self._copies[oldest]


def _pairs(value: Any, name: str) -> Iterator[tuple[str, str]]:
    if not isinstance(value, list):
        raise InvalidInput(_("dedup snapshot '{name}' must be a list").format(name=name))
    for item in value:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], str)
        ):
            raise InvalidInput(_("dedup snapshot '{name}' has a malformed entry").format(name=name))
        yield item[0], item[1]


def _put_back(table: dict[int, Any], old: dict[int, Any]) -> None:
    for key, value in old.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
