"""Online event clustering: each post joins the closest live event or opens a new one.

Single pass, from earlier posts only (river's `predict_one` before `learn_one`):

1. A copy (dedup set `duplicate_of`) joins its original's event; a reply (`reply_to`
   names the id or URL of a post seen before) joins its parent's event; a post with
   exactly the same words as an earlier one in the same partition does too.
2. Otherwise the post's TF-IDF vector is compared with the centroids of the live events
   found through an inverted index on each event's heaviest words, scored as cosine +
   `prior_weight` · ln(heat), heat being the event's posts decayed with a half-life (a
   time-decayed Chinese-restaurant prior: busy events attract, idle ones fade). At
   `threshold` or above it joins the best, else it opens a new event.
3. Events idle longer than `retire_after`, or beyond `max_live`, leave the index; their
   summaries wait in `drain_retired()` for the store.

Partitions (organizations) never share events: the index, the repeat table and the copy
links are all per partition.
"""

from __future__ import annotations

import hashlib
import math
import os
import struct
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from itertools import islice
from operator import itemgetter
from typing import Any, TypeAlias

import orjson

from yuqing.analysis.events.journal import Journal
from yuqing.analysis.events.model import Assignment, Event, EventSummary, make_title
from yuqing.analysis.events.tokenize import NAMES_KEY, WORDS_KEY, tokens
from yuqing.analysis.events.vectorize import (
    DocumentFrequency,
    Vector,
    cosine_of_kept,
    cosine_without,
    tfidf,
    tfidf_of_counts,
    top_terms,
    word_counts,
)
from yuqing.monitor.posts import Post, reply_parent

SNAPSHOT_VERSION = 2
# The `seq`s of the events listed under a word ("q" items), oldest activity first.
Postings: TypeAlias = "array[int]"
_SEQ = struct.Struct("=q")  # one entry of `Postings`, as its bytes hold it
_SCAN_POSTINGS = 64  # longer lists are searched in their bytes (`_discard`)
_second = itemgetter(1)  # C-level key: runs on every gathered candidate
_READABLE_VERSIONS = (1, 2)
# Replies kept per missing parent for `claim_replies` (bounds the work a late root does).
MAX_ORPHANS_PER_PARENT = 1000  # version 1 had no heat: each event counts as one post


def _env_int(name: str, default: int) -> int:
    """A non-negative whole number from the environment, `default` when unset or not one."""
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


# Both events of a weak merge hold at most this many posts (the measured setting).
WEAK_MERGE_SIZE = 32


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Parameters; the defaults were chosen on the dev streams (docs/events.md)."""

    threshold: float = 0.07  # score (cosine + activity prior) needed to join an event
    # The same for a post with Chinese text: its character bigrams (`_明德`) make unrelated
    # Chinese posts share more words than unrelated English ones, so the bar is higher.
    threshold_cjk: float = 0.12
    # The cosine a Chinese post needs with an event whatever its activity prior: without
    # it, a loud event takes a post that shares one place name with it (明德).
    min_cosine_cjk: float = 0.1
    # An event opened by a post that says little ("千万注意！！！", "好可爱呀[哈哈]": the
    # background idf of its Chinese words sums below `generic_opening`) gathers reactions
    # of every story; a Chinese post joins it only when they share words worth
    # `generic_shared` (background idf, summed). 0: off. (20 before the plain idf,
    # `idf_offset_cjk`; 15 measured better on the tuning half since, see docs/events.md.)
    generic_opening: float = 80.0
    generic_shared: float = 15.0
    # Time in each event's own paces (its mean gap between posts, the time before its
    # first post counted as one gap of `pace_prior_minutes`): a story's posts come at its
    # own rhythm, a burst of comments a minute apart or a county story one post an hour,
    # so "idle for long" means long for that story. For a Chinese post:
    # - an event gains `fresh_bonus`, halving every `fresh_half_paces` paces idle;
    # - an event of at most `fresh_max_size` posts idle at most `fresh_paces` paces (in
    #   its burst) takes it at a lower cosine than `min_cosine_cjk`: above
    #   `fresh_min_cosine` right after its last post, rising linearly to `min_cosine_cjk`
    #   at `fresh_paces` idle. A weak match says something against the words of a few
    #   posts, not against a loud story's centroid, which shares some word with any post
    #   of its county;
    # - an event idle beyond `settled_paces` paces takes it only when they share words
    #   worth `settled_shared` (background idf, summed): a settled story takes posts
    #   that name it, not passing reactions.
    # fresh_bonus 0, fresh_paces 0 and settled_paces 0 turn these off.
    pace_prior_minutes: float = 5.0
    fresh_bonus: float = 0.3
    fresh_half_paces: float = 3.0
    fresh_paces: float = 2.0
    fresh_min_cosine: float = 0.03
    fresh_max_size: int = 32
    settled_paces: float = 4.0
    settled_shared: float = 30.0
    # Background posts whose word counts stand beside the stream's for Chinese words
    # (`events/background.py`): a loud story's own words keep some weight (0: off).
    background_docs: float = 10_000.0
    # Taken off a Chinese word's idf (with the background counts) in the post vectors:
    # 1 weighs each word by the plain ln(N / df). The smoothed idf's `+ 1` compressed the
    # range (everyday words such as 时候, 喜欢, `_还` about 3.5 against 10 for a rare
    # name), so a few shared everyday words matched two stories' posts as well as one
    # shared rare name; now rare words decide more. 0: the smoothed idf (before
    # 2026-12-07, evening). The background idf sums (`generic_shared`, `settled_shared`)
    # are unchanged.
    idf_offset_cjk: float = 1.0
    merge_threshold: float = 0.3  # centroid cosine at which two live events become one
    # Two small events (both of at most `weak_merge_size` posts) a post is close to merge
    # at this lower centroid cosine: fragments of one story that opened twice. A loud
    # story's centroid shares a word with anything of its county: it keeps the bar above.
    # The store follows each merge, folding only the moved posts into the kept event's
    # facts (`facts.absorb`; before 2026-12-07, evening, it read the kept event whole and
    # the weak merges were off for that cost). YUQING_WEAK_MERGE_SIZE sets the size
    # (0: off).
    weak_merge_threshold: float = 0.08
    weak_merge_size: int = field(
        default_factory=lambda: _env_int("YUQING_WEAK_MERGE_SIZE", WEAK_MERGE_SIZE)
    )
    half_life_hours: float = 8.0  # half-life of an event's activity ("heat")
    prior_weight: float = 0.03  # weight of ln(heat) beside the cosine (0: cosine alone)
    # Taken off the score of an event none of whose posts matched any of the post's
    # watches: the organization named different topics, so the words must agree more.
    watch_penalty: float = 0.1
    retire_after_hours: float = 14 * 24.0  # idle events leave the live index
    # Live events at most (the least recently active retire first). Each costs about 7 KB
    # with its postings; 10,000 keeps a 1M-post ingest under 500 MB with its checkpoint.
    max_live: int = 10_000
    centroid_terms: int = 120  # words kept per centroid
    index_terms: int = 30  # words under which an event is indexed
    query_terms: int = 40  # a post's heaviest words used to find candidates
    postings_cap: int = 48  # most recently active events read per word
    max_candidates: int = 12  # events scored exactly per post, by shared word weight
    vector_terms: int = 40  # words kept per post vector
    # A post with a headline (a news report, a notice, a forum thread) is an article: 40
    # words of it are mostly its rarest, a thin sample. Its vector of this many words is
    # also compared with the events' `articles` (the sum of their own such vectors).
    article_terms: int = 80  # 0: no article vectors (posts with a headline as any other)
    article_index_terms: int = 10  # of an event's `articles`, words the index finds it by
    repeat_min_words: int = 3  # shorter posts are too generic to call repeats
    # Post → event links kept for copies and repeats; 100,000 as the dedup capacity.
    memory_posts: int = 100_000
    retired_kept: int = 10_000  # retired summaries waiting to be drained


class OnlineClusterer:
    """Single-pass clustering of posts into events, with a time-decayed live index."""

    def __init__(self, config: ClusterConfig | None = None) -> None:
        self.config = config or ClusterConfig()
        self.df = self._new_df()
        self._live: OrderedDict[str, Event] = OrderedDict()  # least recently active first
        # partition → word → the `seq` of the events indexed under it, oldest activity
        # first. Integers in one array, not id strings in a dict: reading the postings is
        # most of finding candidates, and a dict's string keys each sit elsewhere in memory
        # (twice as slow to read, three times the memory).
        self._index: dict[str, dict[str, Postings]] = {}
        self._by_seq: dict[int, Event] = {}  # the indexed events by `seq`
        self._post_event: OrderedDict[str, str] = OrderedDict()  # "partition\x1fpost id"
        self._repeats: OrderedDict[str, str] = OrderedDict()  # "partition\x1fwords" digest
        self._aliases: dict[str, str] = {}  # merged event → the event it went into
        self._retired: deque[EventSummary] = deque(maxlen=self.config.retired_kept)
        self._seq = 0
        self._watermark: datetime | None = None
        # The last post's id, folded text, words, vector and word counts (`_features`).
        self._cache: tuple[str, str, list[str], Vector, dict[str, int]] | None = None
        self._repeat_memo: tuple[list[str], str, str] | None = None
        self._runner_up: str | None = None  # second-best event of the last decision
        self._names: frozenset[str] | None = None  # the last decided post's names
        self._manual: set[str] = set()  # events a person split: never merged automatically
        self._journal: Journal | None = None  # while a batch is open: how to undo it
        # Batches begun before the open one and not committed yet, oldest first (a
        # pipeline that clusters the next batch while it stores this one).
        self._outer: list[Journal] = []
        self._words: dict[str, str] = {}  # word -> the one string kept for it (a cache)
        # Late parents (`claim_replies`): "partition\x1fparent ref" → the ids of replies
        # placed by their text while that parent was unseen ("\x1e"-joined), and
        # "partition\x1freply ref" → the missing parent it (or its own parent) waits for.
        self._orphans: OrderedDict[str, str] = OrderedDict()
        self._awaiting: OrderedDict[str, str] = OrderedDict()

    # -- river API ---------------------------------------------------------------------

    def predict_one(self, post: Post, *, partition: str = "") -> str | None:
        """The live event `post` would join, or None for a new event; changes nothing."""
        return self._decide(post, partition)[0]

    def learn_one(self, post: Post, event_id: str, *, partition: str = "") -> None:
        """Record that `post` belongs to `event_id` (opening it when unknown)."""
        words, vec = self._features(post)
        now = self._time(post)
        event = self._live.get(self.resolve(event_id))
        if event is None or event.partition != partition:
            event = self._open(event_id, post, partition, now)
        self._join(event, post, words, vec, now)
        self._learn_words(post)
        self._retire(now)

    def assign(self, post: Post, *, partition: str = "") -> Assignment:
        """Predict then learn: the event `post` joins as it arrives."""
        event_id, similarity, reason = self._decide(post, partition)
        runner_up, self._runner_up = self._runner_up, None
        if event_id is None:
            event_id = self._new_id(post, partition)
            self.learn_one(post, event_id, partition=partition)
            self._note_orphan(post, partition, "new")
            return Assignment(event_id, True, similarity, "new")
        if reason in ("copy", "reply") and event_id not in self._live:
            # The original's event has retired: the copy or reply still belongs to it (the
            # store counts the spread), but there is no live centroid to update.
            self._remember(post, partition, event_id)
            return Assignment(event_id, False, similarity, reason)
        self.learn_one(post, event_id, partition=partition)
        self._note_orphan(post, partition, reason)
        merged = None
        if runner_up is not None and self._maybe_merge(event_id, runner_up):
            merged = runner_up
        return Assignment(event_id, False, similarity, reason, merged)

    def event_of_post(self, ref: str, *, partition: str = "") -> str | None:
        """The event of the post whose id or URL is `ref`, when this clusterer saw it."""
        linked = self._post_event.get(f"{partition}\x1f{ref}")
        return self.resolve(linked) if linked is not None else None

    def _maybe_merge(self, event_id: str, other_id: str) -> bool:
        # A post close to two events that are close to each other: they are one story
        # that opened twice (typical early on, before idf settles). Later posts of both go
        # to the one this post joined, and the caller's store moves the earlier ones
        # (`Assignment.merged`); a person's split is never undone.
        event, other = self._live.get(event_id), self._live.get(other_id)
        if event is None or other is None or event.norm <= 0.0 or other.norm <= 0.0:
            return False
        if event_id in self._manual or other_id in self._manual:
            return False
        if event.partition != other.partition:
            return False
        config = self.config
        bar = config.merge_threshold
        if 0 < event.size <= config.weak_merge_size and 0 < other.size <= config.weak_merge_size:
            bar = min(bar, config.weak_merge_threshold)
        names = self._names
        if names:  # as the post that found both was compared with them (`_nearest`)
            cosine = cosine_without(other.centroid, event.centroid, event.norm, names)
        else:
            cosine = event.cosine(other.centroid) / other.norm
        if cosine >= bar:
            self.merge(event_id, other_id)
            return True
        return False

    # -- late parents ------------------------------------------------------------------

    def claim_replies(self, post: Post, *, partition: str = "") -> list[str]:
        """Ids of the replies to `post` (by its id or URL) that were placed by their text
        while it was unseen, with the replies to them; each is claimed once.

        The caller moves them into `post`'s event (`move_posts`) and in its store: a
        parent that comes in a later batch still gathers its thread.
        """
        claimed: list[str] = []
        for ref in dict.fromkeys((post.id, post.url)):
            key = f"{partition}\x1f{ref}"
            if not ref or key not in self._orphans:
                continue
            claimed += self._orphans[key].split("\x1e")
            self._forget(self._orphans, key)
        for reply_id in claimed:
            self._forget(self._awaiting, f"{partition}\x1f{reply_id}")
        return list(dict.fromkeys(claimed))

    def move_posts(self, posts: Iterable[Post], event_id: str, *, partition: str = "") -> list[str]:
        """Move already placed `posts` into `event_id` (their late parent's event).

        Each post's vector leaves the event it is in and joins `event_id`; later copies
        and replies of it follow. Returns the events the moves left empty: they leave the
        live index and stand for `event_id` from now on (as after a merge).
        """
        target_id = self.resolve(event_id)
        target = self._live.get(target_id)
        journal = self._journal
        emptied: list[str] = []
        for post in posts:
            current = self.event_of_post(post.id, partition=partition)
            if current is None or current == target_id:
                continue
            words, vec = self._features(post)
            source = self._live.get(current)
            if source is not None:
                if journal is not None:
                    journal.event(source)
                source.subtract(vec)
                article = self._article(post, words)
                if article:
                    source.subtract_article(article)
                source.size = max(0, source.size - 1)
                source.heat = max(0.0, source.heat - 1.0)
                if source.size == 0:
                    self._drop_empty(source, target_id)
                    emptied.append(current)
                else:
                    self._reindex(source)
            if target is not None:
                self._join(target, post, words, vec, self._time(post))
            else:  # the parent's event has retired: the link still names it
                self._remember(post, partition, target_id)
        return emptied

    def _drop_empty(self, event: Event, target_id: str) -> None:
        # Its only posts went to their parent's event: it stands for that one now.
        journal = self._journal
        if journal is not None and journal.aliases is None:
            journal.aliases = dict(self._aliases)
        self._unindex(event)
        self._live.pop(event.id, None)
        self._aliases[event.id] = target_id

    def _note_orphan(self, post: Post, partition: str, reason: str) -> None:
        """Remember a reply placed while its parent was unseen, for `claim_replies`."""
        parent = reply_parent(post)
        if parent is None or reason == "copy":
            return
        if reason == "reply":
            # It answers a reply that itself still waits for its parent: it waits too.
            root = self._awaiting.get(f"{partition}\x1f{parent}")
            if root is None or f"{partition}\x1f{root}" not in self._orphans:
                return
        else:
            root = parent
        key = f"{partition}\x1f{root}"
        held = self._orphans.get(key)
        if held is not None and held.count("\x1e") + 1 >= MAX_ORPHANS_PER_PARENT:
            return  # a thread that big is its own story by now: the rest stay put
        self._bounded_put(self._orphans, key, f"{held}\x1e{post.id}" if held else post.id)
        for ref in dict.fromkeys((post.id, post.url)):
            if ref:
                self._bounded_put(self._awaiting, f"{partition}\x1f{ref}", root)

    def _forget(self, table: OrderedDict[str, str], key: str) -> None:
        if key not in table:
            return
        if self._journal is not None:
            self._journal.links.save(table, key)
        del table[key]

    # -- batches -------------------------------------------------------------------------

    def begin(self) -> None:
        """Start a batch: `rollback` puts the state back as it is now. A batch may begin
        while earlier ones are still open (not stored yet): batches nest."""
        if self._journal is not None:
            self._outer.append(self._journal)
        self._journal = Journal(self)

    def commit(self) -> None:
        """Keep what the oldest open batch changed."""
        if self._outer:
            del self._outer[0]
        else:
            self._journal = None
        self.df.commit()

    def rollback(self) -> None:
        """Forget the newest open batch: its posts were not stored (no event, link or word
        of theirs stays)."""
        journal = self._journal
        self._journal = self._outer.pop() if self._outer else None
        if journal is not None:
            journal.rollback(self)

    # -- manual decisions ----------------------------------------------------------------

    def merge(self, keep_id: str, other_id: str) -> None:
        """A person merged `other_id` into `keep_id`: later posts of either go to `keep_id`."""
        keep_id, other_id = self.resolve(keep_id), self.resolve(other_id)
        if keep_id == other_id:
            return
        journal = self._journal
        if journal is not None and journal.aliases is None:
            journal.aliases = dict(self._aliases)
        self._aliases[other_id] = keep_id
        other = self._live.pop(other_id, None)
        keep = self._live.get(keep_id)
        if other is None:
            return
        if journal is not None:
            journal.event(other)
            if keep is not None:
                journal.event(keep)
        self._unindex(other)
        if keep is None:
            # The kept event has retired: the merged one lives on under its id.
            other.id = keep_id
            self._live[keep_id] = other
            self._reindex(other)
            return
        keep.add(other.centroid, max_terms=self.config.centroid_terms)
        if other.articles:
            keep.add_article(other.articles, max_terms=self.config.centroid_terms)
        keep.size += other.size
        latest = max(keep.last_at, other.last_at)
        keep.heat = self._heat_at(keep, latest) + self._heat_at(other, latest)
        keep.first_at = min(keep.first_at, other.first_at)
        keep.last_at = max(keep.last_at, other.last_at)
        self._reindex(keep)

    def split(
        self,
        event_id: str,
        posts: Iterable[Post],
        *,
        partition: str = "",
        new_id: str | None = None,
    ) -> str:
        """A person moved `posts` out of `event_id` into a new event; returns its id.

        `new_id` names the new event (the store's id for a split made elsewhere); a split
        whose `new_id` was applied already changes nothing, so a decision can be re-read.
        """
        if new_id is not None and new_id in self._manual:
            return new_id
        source = self._live.get(self.resolve(event_id))
        moved = list(posts)
        if not moved:
            raise ValueError("a split needs at least one post")
        first = min(moved, key=self._time)
        new_id = new_id or self._new_id(first, partition)
        journal = self._journal
        if journal is not None:
            if journal.manual is None:
                journal.manual = set(self._manual)
            if source is not None:
                journal.event(source)
        target = self._open(new_id, first, partition, self._time(first))
        for post in moved:
            words, vec = self._features(post)
            if source is not None:
                source.subtract(vec)
                article = self._article(post, words)
                if article:
                    source.subtract_article(article)
                source.size = max(0, source.size - 1)
                source.heat = max(0.0, source.heat - 1.0)
            self._join(target, post, words, vec, self._time(post))
        if source is not None:
            self._reindex(source)
            self._manual.add(source.id)
        self._manual.add(new_id)
        return new_id

    def resolve(self, event_id: str) -> str:
        """The event that `event_id` now stands for (after manual merges)."""
        seen = 0
        while event_id in self._aliases and seen < 64:
            event_id = self._aliases[event_id]
            seen += 1
        return event_id

    # -- facts ---------------------------------------------------------------------------

    def summary(self, event_id: str) -> EventSummary | None:
        """The live event's title, keywords, first post, time span and size."""
        event = self._live.get(self.resolve(event_id))
        return event.summary() if event is not None else None

    def keep_no_retired(self) -> None:
        """Keep no summaries of retired events (`drain_retired` then returns none).

        For a caller that stores each event's facts as its posts arrive, as the live
        pipeline does: making a summary for every event that retires cost about a tenth
        of the clustering of a stream where most posts open an event, and 10,000 kept
        summaries took memory and checkpoint space nobody read.
        """
        self.config = replace(self.config, retired_kept=0)
        self._retired = deque(maxlen=0)

    def live_count(self) -> int:
        """How many events are in the live index."""
        return len(self._live)

    def drain_retired(self) -> list[EventSummary]:
        """Summaries of the events retired since the last call, for the store."""
        out = list(self._retired)
        self._retired.clear()
        return out

    # -- internals -----------------------------------------------------------------------

    def _new_df(self) -> DocumentFrequency:
        df = DocumentFrequency()
        if self.config.background_docs > 0:
            from yuqing.analysis.events.background import prior_counts

            df.use_prior(
                prior_counts(self.config.background_docs),
                self.config.background_docs,
                offset=self.config.idf_offset_cjk,
            )
        return df

    @staticmethod
    def _time(post: Post) -> datetime:
        # A post dated in the future must not retire every live event: never later than
        # when it was received.
        return min(post.published_at, post.received_at)

    def _features(self, post: Post) -> tuple[list[str], Vector]:
        """The post's words (as tokenized) and its TF-IDF vector."""
        cached = self._cache
        if cached is not None and cached[0] == post.id and cached[1] == post.folded:
            return cached[2], cached[3]
        joined = post.derived.get(WORDS_KEY)
        words = tokens(post.folded) if joined is None else joined.split()
        # Counted by shared strings: every table (centroids, the index, document
        # frequencies) then keys a word by one string, not by a copy from each post that
        # brought it (about 30 MB at 10,000 live events), and lookups match by identity.
        counts = word_counts(self._shared_words(words))
        vec = tfidf_of_counts(counts, self.df, max_terms=self.config.vector_terms)
        self._cache = (post.id, post.folded, words, vec, counts)
        return words, vec

    def _learn_words(self, post: Post) -> None:
        """Count the post's distinct words in the document frequencies."""
        self._features(post)
        assert self._cache is not None
        # The same distinct words, in the same order, as `set(words)` gives: the table's
        # order (which ties a decay keeps) does not depend on how they are handed over.
        self.df.learn(iter(self._cache[4]))

    def _article(self, post: Post, words: list[str]) -> Vector | None:
        """The longer vector of a post with a headline (None for other posts)."""
        if not post.title or not words or self.config.article_terms <= 0:
            return None
        return tfidf(words, self.df, max_terms=self.config.article_terms)

    def _shared_words(self, words: list[str]) -> Iterator[str]:
        """`words`, each as the one string this clusterer keeps for it.

        Not `sys.intern`: interned strings are never freed on some Python versions, and a
        stream's vocabulary has no end. This table is rebuilt from the document
        frequencies' words (which it gave out) when it outgrows them twice over.
        """
        table = self._words
        if len(table) > 2 * max(len(self.df.df), 10_000):
            table = self._words = {word: word for word in self.df.df}
        return map(table.setdefault, words, words)

    def _repeat_key_of(self, partition: str, words: list[str]) -> str:
        """`_repeat_key`, worked out once per post and partition (asked twice: to find a
        repeat, then to record the post)."""
        memo = self._repeat_memo
        if memo is not None and memo[0] is words and memo[1] == partition:
            return memo[2]
        key = self._repeat_key(partition, words)
        self._repeat_memo = (words, partition, key)
        return key

    def _decide(self, post: Post, partition: str) -> tuple[str | None, float, str]:
        self._runner_up = None
        names = post.derived.get(NAMES_KEY)
        self._names = frozenset(names.split()) if names else None
        copy_of = post.duplicate_of or post.extra.get("duplicate_of")
        if isinstance(copy_of, str):
            linked = self._post_event.get(f"{partition}\x1f{copy_of}")
            if linked is not None:
                return self.resolve(linked), 1.0, "copy"
        parent = reply_parent(post)
        if parent is not None:
            # A comment or repost belongs to the story it answers, even when it names
            # nothing of it ("太可怕了"): the link says more than any word overlap.
            linked = self._post_event.get(f"{partition}\x1f{parent}")
            if linked is not None:
                return self.resolve(linked), 1.0, "reply"
        words, vec = self._features(post)
        if len(words) >= self.config.repeat_min_words:
            linked = self._repeats.get(self._repeat_key_of(partition, words))
            if linked is not None and self.resolve(linked) in self._live:
                return self.resolve(linked), 1.0, "repeat"
        if not vec:
            return None, 0.0, "new"
        cjk = any(word.startswith("_") for word in vec)
        threshold = self.config.threshold
        if cjk:
            threshold = max(threshold, self.config.threshold_cjk)
        ranked = self._nearest(
            vec,
            partition,
            self._time(post),
            watches=post.watches,
            min_cosine=self.config.min_cosine_cjk if cjk else 0.0,
            article=self._article(post, words),
            paced_at=threshold if cjk else None,
            names=self._names,
        )
        if cjk and self.config.generic_shared > 0.0:
            ranked = [
                (score, event)
                for score, event in ranked
                if score < threshold or not self._generic_and_far(vec, event)
            ]
        if ranked and ranked[0][0] >= threshold:
            if len(ranked) > 1 and ranked[1][0] >= threshold:
                self._runner_up = ranked[1][1].id
            return ranked[0][1].id, ranked[0][0], "similar"
        return None, ranked[0][0] if ranked else 0.0, "new"

    def _generic_and_far(self, vec: Vector, event: Event) -> bool:
        """Whether `event` was opened by a generic post and `vec` shares too little of it."""
        if not 0.0 <= event.opening < self.config.generic_opening:
            return False
        return self._shared_rarity(vec, event.centroid) < self.config.generic_shared

    def _shared_rarity(self, vec: Vector, words: Vector) -> float:
        """What the words `vec` shares with `words` (an event's centroid or articles) say:
        their background idf (how rare each is in ordinary posts), summed."""
        rarity = self.df.background_idf
        return sum(rarity(word) for word in vec if word in words)

    def _nearest(
        self,
        vec: Vector,
        partition: str,
        now: datetime,
        *,
        watches: Sequence[str] = (),
        min_cosine: float = 0.0,
        article: Vector | None = None,
        paced_at: float | None = None,
        names: frozenset[str] | None = None,
    ) -> list[tuple[float, Event]]:
        """The two best live events for `vec`, best first, by time-decayed cosine.

        `article`: the longer vector of a post with a headline; its cosine with an event's
        `articles` counts when higher than that of `vec` with the centroid (a report is
        placed by the story's reports as well as by the crowd's posts).

        `paced_at`: the join threshold of a post the pace rules apply to
        (`ClusterConfig.fresh_bonus`; None: they do not). The freshness bonus then ranks
        the events that may take the post (score at or above `paced_at`, or a weak match
        with a small event in its burst, scored `paced_at` at least) and admits none: an
        event that may not take it keeps its score without the bonus.

        `names`: the post's words that name who and where its watches are about
        (`NAMES_KEY`). Every post of an organization's stream names it, so they say
        nothing of which of its stories a post tells: the cosine with the crowd's posts
        (the centroid) leaves them out. The cosine of a report with the story's reports
        (`articles`) keeps them: a report names the school whose canteen it is about,
        and the market bureau's test result two days on shares little else with the
        crowd's posts of two days before.
        """
        index = self._index.get(partition)
        if not index:
            return []
        cap = self.config.postings_cap
        # Each candidate gathers the weights of the post's words it is indexed under;
        # only the best few by that sum get an exact cosine (most candidates share one
        # common word and could never win).
        gathered: dict[int, float] = {}
        gather = gathered.get
        query = vec
        if article:
            # Its longer vector finds events by the words of their reports too.
            query = {**article, **vec}
        for word in top_terms(query, self.config.query_terms * (2 if article else 1)):
            postings = index.get(word)
            if postings:
                weight_of_word = query[word]
                # Newest first; most lists are shorter than the cap (no islice to go through).
                newest = (
                    reversed(postings) if len(postings) <= cap else islice(reversed(postings), cap)
                )
                for seq in newest:
                    gathered[seq] = gather(seq, 0.0) + weight_of_word
        if len(gathered) > self.config.max_candidates:
            # heapq.nlargest's answer (ties keep gathering order), by one C sort.
            best = sorted(gathered.items(), key=_second, reverse=True)
            candidates = [seq for seq, _ in best[: self.config.max_candidates]]
        else:
            candidates = list(gathered)
        # Score = cosine + w · ln(heat now): the log of a Chinese-restaurant prior whose
        # table sizes decay with time (a Hawkes-like intensity). A busy event needs less
        # word overlap, an idle one more (−w · ln 2 per half-life idle); w = 0 is cosine.
        weight = self.config.prior_weight
        per_second = math.log(2.0) / (self.config.half_life_hours * 3600.0)
        config = self.config
        pace_prior = config.pace_prior_minutes * 60.0
        paced = paced_at is not None
        join_at = paced_at or 0.0
        floor = min_cosine
        if paced and config.fresh_paces:
            floor = min(min_cosine, config.fresh_min_cosine)
        scored: list[tuple[float, int, Event]] = []
        by_seq = self._by_seq
        kept = {word: weight for word, weight in vec.items() if word not in names} if names else {}
        for seq in candidates:
            event = by_seq[seq]
            if names:
                cosine = cosine_of_kept(kept, event.centroid, event.norm, names)
            else:
                cosine = event.cosine(vec)
            if article and event.articles_norm > 0.0:
                cosine = max(cosine, event.article_cosine(article))
            if cosine <= floor:
                continue
            score = cosine
            if weight:
                idle = max(0.0, (now - event.last_at).total_seconds())
                score += weight * (math.log(max(event.heat, 1e-9)) - idle * per_second)
            other_watches = bool(watches and event.watches and event.watches.isdisjoint(watches))
            if other_watches:
                score -= self.config.watch_penalty
            if paced:
                paces = event.paces(now, pace_prior)
                # A comment (no headline), an event small and in its burst, of the
                # post's own watches (if any): a weak match may count.
                fresh = (
                    paces <= config.fresh_paces
                    and event.size <= config.fresh_max_size
                    and config.fresh_paces > 0
                    and not other_watches
                    and not article
                )
                if cosine <= min_cosine and not fresh:
                    continue  # only a small event in the middle of its burst takes so little
                if config.settled_paces and paces > config.settled_paces:
                    shared = self._shared_rarity(vec, event.centroid)
                    if article and event.articles:
                        # A report names the story in the words of its reports.
                        shared = max(shared, self._shared_rarity(article, event.articles))
                    if shared < config.settled_shared:
                        continue  # a settled story takes a post that names it
                if fresh:
                    # The cosine needed rises from `fresh_min_cosine` at no idle time to
                    # `min_cosine` at `fresh_paces` idle.
                    least = config.fresh_min_cosine
                    least += (min_cosine - least) * paces / config.fresh_paces
                    fresh = cosine > least
                if score >= join_at or fresh:
                    bonus = config.fresh_bonus * 0.5 ** (paces / config.fresh_half_paces)
                    score = max(score + bonus, join_at)
            scored.append((score, -event.seq, event))
        # Ties go to the older event: deterministic whatever the candidates' order. Each
        # (score, −seq) is unique, so the tuples sort without ever comparing events.
        scored.sort(reverse=True)
        return [(score, event) for score, _, event in scored[:2]]

    def _new_id(self, post: Post, partition: str) -> str:
        # From the partition and the first post's id: stable across runs and restores,
        # unique as long as post ids are; a counter settles the rare clash.
        salt = 0
        while True:
            raw = f"{partition}\x1f{post.id}\x1f{salt}".encode()
            event_id = "ev-" + hashlib.blake2b(raw, digest_size=8).hexdigest()
            if event_id not in self._live and event_id not in self._aliases:
                return event_id
            salt += 1

    def _open(self, event_id: str, post: Post, partition: str, now: datetime) -> Event:
        self._seq += 1
        event = Event(
            id=event_id,
            partition=partition,
            seq=self._seq,
            title=make_title(post.title, post.text),
            first_post_id=post.id,
            first_at=now,
            last_at=now,
        )
        if self.config.generic_shared > 0.0:
            words, _vec = self._features(post)
            chinese = {word for word in words if "\u3400" <= word[-1] <= "\u9fff"}
            if chinese:
                # fsum: the same total whatever order the set gives (it changes with the
                # process's string hashes), so a clustering process matches this one.
                event.opening = math.fsum(self.df.chinese_background_idfs(chinese))
        self._live[event_id] = event
        return event

    def _join(self, event: Event, post: Post, words: list[str], vec: Vector, now: datetime) -> None:
        if self._journal is not None:
            self._journal.event(event)
        event.size += 1
        event.watches.update(post.watches)
        event.heat = self._heat_at(event, now) + 1.0
        event.last_at = max(event.last_at, now)
        event.first_at = min(event.first_at, now)
        article = self._article(post, words)
        if article:
            event.add_article(article, max_terms=self.config.centroid_terms)
        if vec or article:
            if vec:
                event.add(vec, max_terms=self.config.centroid_terms)
            self._reindex(event)
        self._live.move_to_end(event.id)
        self._remember(post, event.partition, event.id)
        if len(words) >= self.config.repeat_min_words:
            key = self._repeat_key_of(event.partition, words)
            self._bounded_put(self._repeats, key, event.id)

    def _heat_at(self, event: Event, now: datetime) -> float:
        """The event's heat decayed from its last activity to `now` (never grown)."""
        idle = max(0.0, (now - event.last_at).total_seconds())
        return float(event.heat * 0.5 ** (idle / (self.config.half_life_hours * 3600.0)))

    def _remember(self, post: Post, partition: str, event_id: str) -> None:
        self._bounded_put(self._post_event, f"{partition}\x1f{post.id}", event_id)
        if post.url and post.url != post.id:
            # A reply may name its parent by URL (a forum thread's address).
            self._bounded_put(self._post_event, f"{partition}\x1f{post.url}", event_id)

    def _bounded_put(self, table: OrderedDict[str, str], key: str, value: str) -> None:
        journal = self._journal
        if journal is not None:
            journal.links.save(table, key)
        table[key] = value
        table.move_to_end(key)
        if len(table) > self.config.memory_posts:
            old_key, old_value = table.popitem(last=False)
            if journal is not None:
                journal.links.evicted(table, old_key, old_value)

    @staticmethod
    def _repeat_key(partition: str, words: list[str]) -> str:
        raw = f"{partition}\x1f{' '.join(words)}".encode()
        return hashlib.blake2b(raw, digest_size=12).hexdigest()

    def _reindex(self, event: Event) -> None:
        index = self._index.setdefault(event.partition, {})
        new = top_terms(event.centroid, self.config.index_terms)
        if event.articles:
            seen = set(new)
            extra = top_terms(event.articles, self.config.article_index_terms)
            new += [word for word in extra if word not in seen]
        journal = self._journal
        if journal is not None:
            journal.event(event)
            journal.postings_of(event.partition, (*event.indexed, *new), index)
        seq, old = event.seq, set(event.indexed)
        for word in old.difference(new):
            self._drop_posting(index, word, seq)
        for word in new:
            postings = index.get(word)
            if postings is None:
                index[word] = array("q", (seq,))
                continue
            # Move to the end: postings are read newest first, so recency wins the cap. An
            # event is listed under exactly the words of its `indexed`.
            if word in old:
                _discard(postings, seq)
            postings.append(seq)
        event.indexed = new
        if new:
            self._by_seq[seq] = event
        else:
            self._by_seq.pop(seq, None)

    def _unindex(self, event: Event, *, retiring: bool = False) -> None:
        index = self._index.get(event.partition, {})
        journal = self._journal
        if journal is not None:
            if retiring:
                journal.retiring(event)
            else:
                journal.event(event)
            journal.postings_of(event.partition, event.indexed, index)
        seq = event.seq
        for word in event.indexed:  # `_drop_posting`, inlined: thirty times a new event
            postings = index.get(word)
            if postings is not None:
                _discard(postings, seq)
                if not postings:
                    del index[word]
        event.indexed = []
        self._by_seq.pop(seq, None)

    @staticmethod
    def _drop_posting(index: dict[str, Postings], word: str, seq: int) -> None:
        postings = index.get(word)
        if postings is not None:
            _discard(postings, seq)
            if not postings:
                del index[word]

    def _retire(self, now: datetime) -> None:
        if self._watermark is None or now > self._watermark:
            self._watermark = now
        cutoff = self._watermark - timedelta(hours=self.config.retire_after_hours)
        while self._live:
            oldest = next(iter(self._live.values()))
            if oldest.last_at >= cutoff and len(self._live) <= self.config.max_live:
                break
            self._live.popitem(last=False)
            self._unindex(oldest, retiring=True)
            if not self._retired.maxlen:
                continue  # no summaries kept (`keep_no_retired`): none to make
            journal = self._journal
            if journal is not None and journal.retired is None:
                journal.retired = self._retired.copy()
            self._retired.append(oldest.summary())

    # -- snapshot ------------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The whole state as JSON bytes (no pickle: a snapshot may cross trust borders)."""
        return b"".join(self.snapshot_parts())

    def snapshot_parts(self, items: int = 1000) -> Iterator[bytes]:
        """`snapshot()` in pieces, section by section and `items` entries at a time.

        A checkpoint can compress them as they come: the whole JSON (tens of MB for a
        busy clusterer) and its Python lists of pairs then never exist at once, which at
        the end of a long run was most of the pipeline's peak memory.
        """
        # orjson: the same compact UTF-8 JSON as json.dumps, about ten times faster on a
        # state of hundreds of thousands of words and post links.
        head = {"version": SNAPSHOT_VERSION, "config": asdict(self.config), "df": self.df.to_json()}
        yield orjson.dumps(head)[:-1]
        yield b',"live":'
        yield from _json_pieces((e.to_json() for e in self._live.values()), items)
        yield b',"index":{'
        id_of = {seq: event.id for seq, event in self._by_seq.items()}
        for n, (partition, index) in enumerate(self._index.items()):
            yield (b"," if n else b"") + orjson.dumps(partition) + b":"
            postings = ((word, [id_of[seq] for seq in seqs]) for word, seqs in index.items())
            yield from _json_pieces(postings, items, as_object=True)
        yield b'},"post_event":'
        yield from _json_pieces(self._post_event.items(), items)
        yield b',"repeats":'
        yield from _json_pieces(self._repeats.items(), items)
        yield b',"orphans":'
        yield from _json_pieces(self._orphans.items(), items)
        yield b',"awaiting":'
        yield from _json_pieces(self._awaiting.items(), items)
        tail = {
            "aliases": self._aliases,
            "manual": sorted(self._manual),
            "retired": [s.to_json() for s in self._retired],
            "seq": self._seq,
            "watermark": self._watermark.isoformat() if self._watermark else None,
        }
        yield b"," + orjson.dumps(tail)[1:]

    def restore(self, data: bytes | bytearray) -> None:
        """Replace the state with one from `snapshot()`."""
        state: dict[str, Any] = orjson.loads(data)
        if state.get("version") not in _READABLE_VERSIONS:
            raise ValueError(f"unsupported snapshot version {state.get('version')!r}")
        # A snapshot from before the background prior has no `background_docs`: the
        # default applies from now on (the stream's counts are the same either way).
        self.config = ClusterConfig(**state["config"])
        self.df = self._new_df()
        # One string for each word and event id, as a running clusterer has, not one for
        # every place the JSON names it (tens of MB at 10,000 live events).
        self._words = {}
        ids: dict[str, str] = {}
        word, event_id = _sharer(self._words), _sharer(ids)
        self.df.load_json(state["df"], shared=word)
        live = (Event.from_json(e, shared=word) for e in state["live"])
        self._live = OrderedDict((event.id, event) for event in live)
        for event in self._live.values():
            ids[event.id] = event.id
        seq_of = {event.id: event.seq for event in self._live.values()}
        self._index = {
            p: {
                word(w): array("q", [seq_of[e] for e in ev if e in seq_of]) for w, ev in idx.items()
            }
            for p, idx in state["index"].items()
        }
        self._by_seq = {event.seq: event for event in self._live.values() if event.indexed}
        self._post_event = OrderedDict((k, event_id(v)) for k, v in state["post_event"])
        self._repeats = OrderedDict((k, event_id(v)) for k, v in state["repeats"])
        # Snapshots from before late parents were followed have neither table.
        self._orphans = OrderedDict((k, v) for k, v in state.get("orphans", ()))
        self._awaiting = OrderedDict((k, v) for k, v in state.get("awaiting", ()))
        self._aliases = dict(state["aliases"])
        self._manual = set(state["manual"])
        self._retired = deque(
            (_summary_from_json(s) for s in state["retired"]), maxlen=self.config.retired_kept
        )
        self._seq = int(state["seq"])
        wm = state["watermark"]
        self._watermark = datetime.fromisoformat(wm) if wm else None
        self._cache = None
        self._journal = None
        self._outer = []


def _discard(postings: Postings, seq: int) -> None:
    """Take `seq` out of `postings` when it is there."""
    if len(postings) <= _SCAN_POSTINGS:
        try:  # noqa: SIM105 - `suppress` costs a context manager, about sixty times a post
            postings.remove(seq)
        except ValueError:
            pass
        return
    # A long list: find it in the raw bytes (one C search) rather than through an int
    # object per entry, which `remove` makes.
    raw, key = postings.tobytes(), _SEQ.pack(seq)
    at = raw.find(key)
    while at >= 0 and at % _SEQ.size:
        at = raw.find(key, at + 1)
    if at >= 0:
        del postings[at // _SEQ.size]


def _json_pieces(values: Iterable[Any], size: int, *, as_object: bool = False) -> Iterator[bytes]:
    """A JSON array of `values` (an object of (key, value) pairs with `as_object`), as
    orjson writes it whole, in pieces of `size` values."""
    rest = iter(values)
    yield b"{" if as_object else b"["
    first = True
    while chunk := list(islice(rest, size)):
        yield (b"" if first else b",") + orjson.dumps(dict(chunk) if as_object else chunk)[1:-1]
        first = False
    yield b"}" if as_object else b"]"


def _sharer(table: dict[str, str]) -> Callable[[str], str]:
    """A function giving, for a string, the one equal string kept in `table`."""

    def shared(value: str) -> str:
        return table.setdefault(value, value)

    return shared


def _summary_from_json(obj: dict[str, Any]) -> EventSummary:
    return EventSummary(
        event_id=obj["event_id"],
        partition=obj["partition"],
        title=obj["title"],
        keywords=list(obj["keywords"]),
        first_post_id=obj["first_post_id"],
        first_at=datetime.fromisoformat(obj["first_at"]),
        last_at=datetime.fromisoformat(obj["last_at"]),
        size=int(obj["size"]),
    )
