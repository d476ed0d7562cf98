"""Analysis steps of the live pipeline: sentiment of each kept post, its events.

The same models as the stream commands (`yuqing classify`, `yuqing cluster`): the
pipeline hands them the kept posts of each batch in arrival order.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime

from sqlalchemy import Connection

from yuqing.analysis.events.clusterer import OnlineClusterer
from yuqing.analysis.events.model import EventSummary
from yuqing.analysis.events.threads import Placed, ReplyWaiter
from yuqing.analysis.events.tokenize import NAMES_KEY, WORDS_KEY, tokens, warm_up
from yuqing.analysis.llm.classify import Classifier
from yuqing.core.llm_settings import LLMSettings
from yuqing.monitor.posts import Post

NO_ORGANIZATION = ""
# zlib level of the clusterer's checkpoint: level 1 halves it (32 → 14 MB after 20,000
# kept posts) for 0.3 s more CPU; higher levels gain little on its many floats.
CHECKPOINT_LEVEL = 1
# Bytes of compressed state a checkpoint row holds: the most held in memory at once
# while it is written.
CHECKPOINT_PIECE = 1 << 18


def sentiment_text(post: Post) -> str:
    return f"{post.title}\n{post.text}" if post.title else post.text


def warm_front() -> None:
    """Load what the front's enrichers need (the sentiment model, jieba's words), so a
    worker process started ahead of its first chunk has it ready."""
    from yuqing.analysis.sentiment.model import get_model

    get_model()
    warm_up()


class ClassifyStep:
    """Adds `sentiment` {label, score, confidence} to each post (the tone of the post
    itself), read as the kind of text its platform publishes.

    Stateless, so the pipeline runs it with the front, in worker processes for big inputs.
    """

    step_id = "classify"

    def __init__(self, llm: LLMSettings | None = None) -> None:
        self.classifier = Classifier(llm)

    def enrich(self, posts: list[Post]) -> None:
        if not posts:
            return
        from yuqing.analysis.sentiment.model import domain_of_platform

        results = self.classifier.classify_many(
            [sentiment_text(p) for p in posts], [domain_of_platform(p.platform) for p in posts]
        )
        for post, result in zip(posts, results, strict=True):
            post.annotations["sentiment"] = result.as_dict()


class EventWordsStep:
    """Works out each kept post's clustering words (jieba + bigrams) ahead of clustering.

    The words depend on the post alone, so this runs with the front (in worker processes
    for big inputs); `ClusterStep`, which must see posts one after the other, reads them.
    """

    step_id = "event-words"

    def enrich(self, posts: list[Post]) -> None:
        for post in posts:
            post.derived[WORDS_KEY] = " ".join(tokens(post.folded))


def selection_words(terms: Iterable[str]) -> frozenset[str]:
    """The clustering words (`tokens`) of a watch's terms (folded)."""
    return frozenset(word for term in terms for word in tokens(term))


def mark_selection_words(posts: Iterable[Post], words_of: Mapping[str, frozenset[str]]) -> None:
    """Mark the words of who and where each post's watches are about (their `subject`
    and `region` terms, or a one-rule watch's names: `selection_words`) as its names
    (`NAMES_KEY`).

    Every post of an organization's stream names the organization, a name rare in
    ordinary posts: counted like any word, it weighed more than any story's own words,
    and unrelated stories of one county or school became one event. So the clusterer
    leaves the names out of a post's cosine with an event's centroid (the crowd's posts)
    and when two events merge. Taken out of the post altogether, a late report of a story
    (the market bureau's test result of the canteen, two days on) shared too little else
    with it to find it: the cosine with the story's reports keeps them.
    """
    if not words_of:
        return
    memo: dict[tuple[str, ...], frozenset[str]] = {}
    for post in posts:
        key = tuple(post.watches)
        names = memo.get(key)
        if names is None:
            names = memo[key] = frozenset().union(*(words_of.get(w, frozenset()) for w in key))
        if names:
            joined = post.derived.get(WORDS_KEY)
            if joined is None:
                joined = post.derived[WORDS_KEY] = " ".join(tokens(post.folded))
            named = [w for w in dict.fromkeys(joined.split()) if w in names]
            if named:
                post.derived[NAMES_KEY] = " ".join(named)


def follow_merges(conn: Connection, merges: list[tuple[str, str, str]], *, now: datetime) -> None:
    """Apply the clusterer's automatic merges (partition, kept, merged) to the store, in
    the batch's transaction (`service.follow_automatic_merge`)."""
    if not merges:
        return
    from sqlalchemy.orm import Session

    from yuqing.analysis import service

    session = Session(bind=conn)
    for partition, keep, other in merges:
        service.follow_automatic_merge(
            session=session, partition=partition, keep_id=keep, other_id=other, now=now
        )
    session.flush()
    session.close()


class ClusterStep:
    """Groups posts into events per organization; adds `event_id` and `event_ids`.

    A post joins one event in each organization whose watches it matched (posts kept
    without a watch belong to no organization): events never mix organizations.
    """

    step_id = "cluster"

    def __init__(self, organizations: Callable[[], Mapping[str, str]] | None = None) -> None:
        self.clusterer = OnlineClusterer()
        # Event facts are stored batch by batch (`facts.update_facts`): nothing drains
        # summaries of retired events here.
        self.clusterer.keep_no_retired()
        # Watch name → organization, read at each batch: watches change while running.
        self.organizations: Callable[[], Mapping[str, str]] = organizations or dict
        # Watch name → the words of its terms (`selection_words`), read at each batch.
        self.selection_words: Callable[[], Mapping[str, frozenset[str]]] = dict
        # The last stored split (its row id) this clusterer has followed; reload reads on.
        self.splits_seen = 0
        # The stored merges (kept, merged) this clusterer has followed: reload applies only
        # the others (there are thousands after a long run, read every 30 seconds).
        self.merges_seen: set[tuple[str, str]] = set()
        # (partition, parent's event, reply ids) this batch's parents claimed: replies
        # stored in earlier batches, moved once the batch is stored (`adopt_late_replies`).
        self.adoptions: list[tuple[str, str, list[str]]] = []
        # (partition, kept event, merged event) of the clusterer's automatic merges in this
        # batch, in order: the store moves the merged events' posts (`follow_merges`).
        self.merges: list[tuple[str, str, str]] = []

    def partitions(self, post: Post) -> list[str]:
        organization_of = self.organizations()
        orgs = {organization_of.get(w, NO_ORGANIZATION) for w in post.watches}
        return sorted(orgs) or [NO_ORGANIZATION]

    def __call__(self, posts: list[Post], *, now: datetime) -> None:
        # A reply whose parent comes later in the batch waits for it; every post is
        # stored with its batch, so none waits beyond it (then: clustered by its text).
        mark_selection_words(posts, self.selection_words())
        waiter = ReplyWaiter(self.clusterer)
        partitions = {id(post): self.partitions(post) for post in posts}
        placed: dict[tuple[int, str], str] = {}
        merges = self.merges

        def note(one: Placed) -> None:
            placed[id(one.post), one.partition] = one.assignment.event_id
            if one.assignment.merged is not None:
                merges.append((one.partition, one.assignment.event_id, one.assignment.merged))

        for post in posts:
            for partition in partitions[id(post)]:
                for one in waiter.push(post, partition=partition):
                    note(one)
        for one in waiter.flush():
            note(one)
        for post in posts:
            ids = [placed[id(post), p] for p in partitions[id(post)]]
            post.annotations["event_id"] = ids[0]
            if len(ids) > 1:
                post.annotations["event_ids"] = ids
        self._claim_late_replies(posts, partitions, placed)

    def _claim_late_replies(
        self,
        posts: list[Post],
        partitions: Mapping[int, list[str]],
        placed: Mapping[tuple[int, str], str],
    ) -> None:
        # A parent that comes after its replies were stored (an earlier batch, or before
        # a restart) claims them; they move once this batch is stored.
        for post in posts:
            for partition in partitions[id(post)]:
                claimed = self.clusterer.claim_replies(post, partition=partition)
                if claimed:
                    self.adoptions.append((partition, placed[id(post), partition], claimed))

    def adopt_late_replies(
        self, conn: Connection, stored: list[tuple[Post, int]], *, now: datetime
    ) -> None:
        """After the batch is stored (its parents' events exist): move the replies its
        parents claimed into their events, in the store and in the live clusterer."""
        from yuqing.analysis.late_replies import adopt_replies

        adoptions, self.adoptions = self.adoptions, []
        for partition, event_id, reply_ids in adoptions:
            moved = adopt_replies(
                conn, partition=partition, event_id=event_id, reply_ids=reply_ids, now=now
            )
            if moved:
                self.clusterer.move_posts(moved, event_id, partition=partition)

    def follow_merges(
        self, conn: Connection, stored: list[tuple[Post, int]], *, now: datetime
    ) -> None:
        """After the batch's facts are stored (its events exist): move the posts of the
        events the clusterer merged automatically into the kept ones, in the store."""
        merges, self.merges = self.merges, []
        follow_merges(conn, merges, now=now)

    def summary(self, event_id: str) -> EventSummary | None:
        """The live event's summary (event facts read its title words)."""
        return self.clusterer.summary(event_id)

    def merge(self, keep: str, other: str) -> None:
        """A person merged `other` into `keep`: later posts of `other` go to `keep`."""
        self.clusterer.merge(keep, other)

    def split(self, event_id: str, posts: list[Post], *, new_id: str, partition: str) -> None:
        """A person moved `posts` out of `event_id` into `new_id`: later copies follow them,
        and the two events are never merged automatically (applying one twice is a no-op)."""
        self.clusterer.split(event_id, posts, partition=partition, new_id=new_id)

    # A batch's transaction: the live events follow it (`Pipeline.transactional`).
    def begin(self) -> None:
        self.adoptions = []
        self.merges = []
        self.clusterer.begin()

    def commit(self) -> None:
        self.clusterer.commit()

    def rollback(self) -> None:
        self.adoptions = []
        self.merges = []
        self.clusterer.rollback()

    def snapshot(self) -> Iterator[bytes]:
        """The clusterer's state as zlib-compressed JSON, in pieces of `CHECKPOINT_PIECE`
        bytes (the last one shorter) made as they are read: neither the JSON nor the
        compressed whole ever exists in memory, and the store writes one piece at a time."""
        size = CHECKPOINT_PIECE
        pack = zlib.compressobj(CHECKPOINT_LEVEL)
        pending = bytearray()
        for part in self.clusterer.snapshot_parts():
            pending += pack.compress(part)
            while len(pending) >= size:
                yield bytes(pending[:size])
                del pending[:size]
        pending += pack.flush()
        while len(pending) > size:
            yield bytes(pending[:size])
            del pending[:size]
        yield bytes(pending)

    def restore(self, parts: Iterable[bytes]) -> None:
        pieces = iter(parts)
        first = next(pieces, b"")
        data: bytes | bytearray
        if first[:1] == b"{":
            # Written before checkpoints were compressed: the JSON itself, in one piece.
            data = first + b"".join(pieces)
        else:
            unpack = zlib.decompressobj()
            buffer = bytearray(unpack.decompress(first))
            for piece in pieces:
                buffer += unpack.decompress(piece)
            buffer += unpack.flush()
            if not unpack.eof:
                raise ValueError("the clusterer's checkpoint is cut short")
            data = buffer  # orjson reads a bytearray as it is: no copy
        self.clusterer.restore(data)
        self.clusterer.keep_no_retired()  # a checkpoint from before kept them
        # The snapshot may predate stored splits and merges: read them all again (each
        # applies once).
        self.splits_seen = 0
        self.merges_seen = set()
