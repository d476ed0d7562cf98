"""What one batch changed in a live clusterer, to put back when the batch is not stored.

Copy-on-write: an event, an index posting list, the alias table… is saved the first
time the batch changes it, so the cost follows what the batch touches; a snapshot of
10,000 live events per batch would cost more than the batch. The post and repeat links
are logged change by change (`UndoLog`).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING

from yuqing.analysis.events.model import Event, EventSummary
from yuqing.core.undo import UndoLog

if TYPE_CHECKING:
    from yuqing.analysis.events.clusterer import OnlineClusterer, Postings

_EVENT_FIELDS = tuple(f.name for f in fields(Event))


class Journal:
    """The state a clusterer had when a batch began, saved as the batch changes it."""

    def __init__(self, clusterer: OnlineClusterer) -> None:
        # Live events in their order of activity (the events themselves are saved
        # before they change: `event`).
        self.live: list[tuple[str, Event]] = list(clusterer._live.items())
        self.partitions = set(clusterer._index)
        self.seq = clusterer._seq
        self.watermark: datetime | None = clusterer._watermark
        # id() of a live event -> (the event, its copy). Rollback puts the copy's fields
        # back into the event itself: a batch begun before this one (nested journals)
        # still knows the event by its identity.
        self.events: dict[int, tuple[Event, Event]] = {}
        # partition -> word -> the events listed under it (None: no list).
        self.postings: dict[str, dict[str, Postings | None]] = {}
        self.links = UndoLog()  # post → event and repeat tables
        self.aliases: dict[str, str] | None = None
        self.manual: set[str] | None = None
        self.retired: deque[EventSummary] | None = None
        clusterer.df.begin()

    def event(self, event: Event) -> None:
        """Call before `event` changes."""
        # An event opened by this batch needs no copy: rollback drops it with the batch
        # (the live table is put back from `live`). In a stream where most posts open an
        # event, that is most of the copies.
        if event.seq > self.seq or id(event) in self.events:
            return
        # The mutable fields are copied, as before.
        saved = _fields_of(event)
        saved.centroid = dict(event.centroid)
        saved.articles = dict(event.articles)
        saved.watches = set(event.watches)
        self.events[id(event)] = (event, saved)

    def retiring(self, event: Event) -> None:
        """Call before `event` leaves the live index: of its fields only `indexed`
        changes from then on (a retired event is never changed again), so its centroid
        and watches are kept as they are, not copied."""
        if event.seq > self.seq or id(event) in self.events:
            return
        self.events[id(event)] = (event, _fields_of(event))

    def postings_of(self, partition: str, words: Iterable[str], index: dict[str, Postings]) -> None:
        """Call before the events listed under `words` change."""
        saved = self.postings.setdefault(partition, {})
        # Set operations in C: this runs for every post that joins an event.
        for word in set(words).difference(saved):
            postings = index.get(word)
            saved[word] = None if postings is None else postings[:]

    def rollback(self, clusterer: OnlineClusterer) -> None:
        """Put `clusterer` back as it was when the batch began."""
        self.links.rollback()
        for event, copy in self.events.values():
            for name in _EVENT_FIELDS:
                setattr(event, name, getattr(copy, name))
        clusterer._live = OrderedDict(self.live)
        index = clusterer._index
        for partition, saved in self.postings.items():
            words = index.setdefault(partition, {})
            for word, postings in saved.items():
                if postings is None:
                    words.pop(word, None)
                else:
                    words[word] = postings
        for partition in set(index) - self.partitions:
            del index[partition]
        clusterer._by_seq = {e.seq: e for e in clusterer._live.values() if e.indexed}
        if self.aliases is not None:
            clusterer._aliases = self.aliases
        if self.manual is not None:
            clusterer._manual = self.manual
        if self.retired is not None:
            clusterer._retired = self.retired
        clusterer._seq, clusterer._watermark = self.seq, self.watermark
        clusterer.df.rollback()
        # Vectors computed with the batch's document frequencies.
        clusterer._cache = None
        clusterer._runner_up = None


def _fields_of(event: Event) -> Event:
    """A copy of `event` sharing its field values, but for `indexed` (a list of its own).

    Slot by slot, not `dataclasses.replace` (five times slower): this runs for every event
    a batch changes or retires.
    """
    saved = object.__new__(Event)
    for name in _EVENT_FIELDS:
        setattr(saved, name, getattr(event, name))
    saved.indexed = list(event.indexed)
    return saved
