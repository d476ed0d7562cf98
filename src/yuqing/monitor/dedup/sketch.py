"""Sketches of dedup cores: an exact hash, a bottom-k sample of shingles, a names filter.

The sample is the k smallest hashes of the core's character 3-grams (a bottom-k
sketch). Unlike a MinHash with k permutations it costs one vectorised hash pass, and two
bottom-k sketches estimate both Jaccard similarity (light edits) and containment (a
reprint cut short is contained in its original). The names filter is a 64-bit Bloom
filter of the numbers and place names a post states.

A sketch is stored per post as a signature of at most `SIGNATURE_BYTES` bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.monitor.dedup.textcore import SHORT_CHARS, Core

K = 24  # shingles kept per post; the signature is 18 + 4·K bytes
SHINGLE = 3
_VERSION = 1
_HEADER = struct.Struct("<BBQQ")  # version, flags, exact hash, names filter
SIGNATURE_BYTES = _HEADER.size + 4 * K
_SHORT = 1

_MIX = np.uint64(0xBF58476D1CE4E5B9)  # an odd constant from splitmix64


@dataclass(slots=True, frozen=True)
class Sketch:
    """What dedup keeps of a post: exact hash (0: no story), names filter, sorted sample."""

    exact: int
    names: int
    mins: tuple[int, ...]
    short: bool

    def __reduce__(self) -> tuple[type[Sketch], tuple[int, int, tuple[int, ...], bool]]:
        # Worked out in the front's worker processes for every kept post: the constructor
        # unpickles several times faster than a frozen slots dataclass's state.
        return Sketch, (self.exact, self.names, self.mins, self.short)

    def encode(self) -> bytes:
        """The signature: a compact, self-describing byte string."""
        head = _HEADER.pack(_VERSION, _SHORT if self.short else 0, self.exact, self.names)
        return head + struct.pack(f"<{len(self.mins)}I", *self.mins)


def decode(signature: bytes) -> Sketch:
    """The sketch of a stored signature; `InvalidInput` when the bytes are not one."""
    if not isinstance(signature, bytes | bytearray):
        raise InvalidInput(_("a dedup signature must be bytes"))
    size = len(signature)
    if size < _HEADER.size or size > SIGNATURE_BYTES or (size - _HEADER.size) % 4:
        raise InvalidInput(_("a dedup signature of {n} bytes is malformed").format(n=size))
    version, flags, exact, names = _HEADER.unpack_from(signature)
    if version != _VERSION or flags & ~_SHORT:
        raise InvalidInput(_("unknown dedup signature version {version}").format(version=version))
    mins = struct.unpack_from(f"<{(size - _HEADER.size) // 4}I", signature, _HEADER.size)
    if any(a >= b for a, b in itertools.pairwise(mins)):
        raise InvalidInput(_("a dedup signature's sample is not sorted"))
    return Sketch(exact=exact, names=names, mins=mins, short=bool(flags & _SHORT))


def unpack(signature: bytes) -> Sketch:
    """The sketch of a signature this module encoded itself (no checks: the hot path)."""
    _version, flags, exact, names = _HEADER.unpack_from(signature)
    mins = struct.unpack_from(f"<{(len(signature) - _HEADER.size) // 4}I", signature, _HEADER.size)
    return Sketch(exact=exact, names=names, mins=mins, short=bool(flags & _SHORT))


def _names_filter(names: frozenset[str]) -> int:
    bits = 0
    for name in names:
        h = zlib.crc32(name.encode("utf-8"))
        bits |= (1 << (h & 63)) | (1 << ((h >> 6) & 63))
    return bits


def _hashes(points: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    # Code points fit in 21 bits, so a 3-gram packs into one 63-bit integer exactly;
    # its multiply-shift hash (the top half of an odd multiple) mixes every bit into
    # the top 32 bits, in two vectorised operations.
    x: npt.NDArray[np.uint64] = points[:-2] << np.uint64(42)
    x |= points[1:-1] << np.uint64(21)
    x |= points[2:]
    x *= _MIX
    return (x >> np.uint64(32)).astype(np.uint32)


def _bottom_k(core: str) -> tuple[int, ...]:
    h = _hashes(np.frombuffer(core.encode("utf-32-le"), dtype="<u4").astype(np.uint64))
    # Partial selection first: long posts must not pay for a full sort. (np.unique costs
    # more than the rest of the sketch on a typical post, so duplicates go in Python.)
    small = np.partition(h, 4 * K)[: 4 * K] if h.size > 4 * K else h
    small.sort()
    mins: list[int] = []
    for value in small.tolist():
        if not mins or value != mins[-1]:
            mins.append(value)
            if len(mins) == K:
                break
    if len(mins) < K and small.size < h.size:
        mins = np.unique(h)[:K].tolist()  # a very repetitive text
    return tuple(mins)


def sketch_of(core: Core) -> Sketch:
    """The sketch of a dedup core."""
    text = core.text
    if not text:
        return Sketch(exact=0, names=0, mins=(), short=True)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    exact = int.from_bytes(digest, "little") or 1  # 0 means "no story"
    short = len(text) < SHORT_CHARS
    mins = () if short else _bottom_k(text)
    return Sketch(exact=exact, names=_names_filter(core.entities), mins=mins, short=short)


@dataclass(slots=True, frozen=True)
class Likeness:
    """Estimated overlap of two posts' shingle sets, from their sketches."""

    jaccard: float
    contained: float  # the larger of the two containments
    sample: int  # shingles the smaller side contributed to the estimate
    # How many names-filter bits each side has that the other lacks (the smaller count):
    # 0 when one side's numbers and places are among the other's (a cut or added line),
    # 1-2 when one fact differs (possibly an edit), more when several facts differ.
    names_conflict: int


_FULL = 1 << 32  # above every hash: a sample with fewer than K values is the whole set


def likeness(a: Sketch, b: Sketch) -> Likeness:
    """How much of `a`'s and `b`'s shingles overlap, estimated from the two samples."""
    # Below the smaller of the two sample maxima both samples are complete, so the
    # shingles there are a uniform random sample of both sets (bottom-k estimation).
    top_a = a.mins[-1] if len(a.mins) >= K else _FULL
    top_b = b.mins[-1] if len(b.mins) >= K else _FULL
    top = min(top_a, top_b)
    sa = {v for v in a.mins if v <= top}
    sb = {v for v in b.mins if v <= top}
    both = len(sa & sb)
    union = len(sa) + len(sb) - both
    jaccard = both / union if union else 0.0
    smaller = min(len(sa), len(sb))
    contained = both / smaller if smaller else 0.0
    conflict = min((a.names & ~b.names).bit_count(), (b.names & ~a.names).bit_count())
    return Likeness(jaccard, contained, smaller, conflict)
