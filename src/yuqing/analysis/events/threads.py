"""Replies that arrive before their parent wait a little for it.

A comment can reach YuQing before the post it answers (two sources polled at different
times, a crawler that reads a thread's replies first). `ReplyWaiter` holds such a reply,
bounded by stream time (`max_wait`), by how many posts arrived after it (`max_posts`) and
by how many replies wait at once (`max_held`); when the parent is assigned the reply
joins its event, else, once a bound is reached, it is clustered by its text like any
post. Each post comes out exactly once, with its assignment, in the order decided.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from yuqing.analysis.events.clusterer import OnlineClusterer
from yuqing.analysis.events.model import Assignment
from yuqing.monitor.posts import Post, reply_parent


@dataclass(frozen=True, slots=True)
class Placed:
    """A post, the partition it was clustered in, and the event it joined."""

    post: Post
    partition: str
    assignment: Assignment


@dataclass(slots=True)
class _Held:
    post: Post
    partition: str
    key: str  # "partition\x1fparent"
    since: datetime  # stream time when it arrived
    arrival: int  # how many posts had arrived before it
    done: bool = False


class ReplyWaiter:
    """Clusters posts in order, letting a reply whose parent is unseen wait for it."""

    def __init__(
        self,
        clusterer: OnlineClusterer,
        *,
        max_wait: timedelta = timedelta(minutes=10),
        max_posts: int = 1000,
        max_held: int = 1000,
    ) -> None:
        self.clusterer = clusterer
        self.max_wait = max_wait
        self.max_posts = max_posts
        self.max_held = max_held
        self._by_parent: dict[str, list[_Held]] = {}
        self._queue: deque[_Held] = deque()  # arrival order, for the bounds
        self._arrivals = 0
        self._waiting = 0
        self._now: datetime | None = None  # the stream's clock: latest post time seen

    def held(self) -> int:
        """How many replies wait for their parent now."""
        return self._waiting

    def push(self, post: Post, *, partition: str = "") -> list[Placed]:
        """Take one post; returns the posts placed now (this one unless it waits)."""
        self._arrivals += 1
        at = min(post.published_at, post.received_at)
        if self._now is None or at > self._now:
            self._now = at
        out: list[Placed] = []
        parent = reply_parent(post)
        if parent is not None and self.clusterer.event_of_post(parent, partition=partition) is None:
            held = _Held(post, partition, f"{partition}\x1f{parent}", self._now, self._arrivals)
            self._by_parent.setdefault(held.key, []).append(held)
            self._queue.append(held)
            self._waiting += 1
        else:
            self._place(post, partition, out)
        self._expire(out)
        return out

    def flush(self) -> list[Placed]:
        """Place every waiting reply by its text (end of the input or of a batch)."""
        out: list[Placed] = []
        while self._queue:
            held = self._queue.popleft()
            if not held.done:
                self._release(held, out)
        return out

    def _place(self, post: Post, partition: str, out: list[Placed]) -> None:
        out.append(Placed(post, partition, self.clusterer.assign(post, partition=partition)))
        # Replies waiting for this post (by id or URL) join it now; their own replies
        # may be waiting too, so follow the chain.
        pending = [post]
        while pending:
            parent = pending.pop()
            for ref in (parent.id, parent.url):
                if not ref:
                    continue
                for held in self._by_parent.pop(f"{partition}\x1f{ref}", ()):
                    if held.done:
                        continue
                    held.done = True
                    self._waiting -= 1
                    assignment = self.clusterer.assign(held.post, partition=partition)
                    out.append(Placed(held.post, partition, assignment))
                    pending.append(held.post)

    def _expire(self, out: list[Placed]) -> None:
        assert self._now is not None
        queue = self._queue
        while queue:
            oldest = queue[0]
            if oldest.done:
                queue.popleft()
                continue
            waited_posts = self._arrivals - oldest.arrival
            if (
                self._waiting <= self.max_held
                and waited_posts < self.max_posts
                and self._now - oldest.since < self.max_wait
            ):
                break
            queue.popleft()
            self._release(oldest, out)

    def _release(self, held: _Held, out: list[Placed]) -> None:
        group = self._by_parent.get(held.key)
        if group is not None:
            group.remove(held)
            if not group:
                del self._by_parent[held.key]
        held.done = True
        self._waiting -= 1
        # Its parent never came (in time): clustered by its text; its own waiting
        # replies follow it into that event.
        self._place(held.post, held.partition, out)
