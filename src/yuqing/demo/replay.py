"""Replay the demo scenario through the live pipeline as the clock reaches each post.

A scenario post carries `offset_s`, seconds after the replay starts; it is dated then
and pushed through the same pipeline as every other source when the clock gets there.
On an accelerated clock the story of three days unfolds in minutes; on a frozen one a
test replays it at once, since waiting advances the clock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.readers import Record
from yuqing.monitor.schemas import IngestSummary


@dataclass(frozen=True)
class ScenarioPost:
    """One post of the scenario and when it appears, counted from the replay's start."""

    offset: timedelta
    post: dict[str, Any]

    def dated(self, start: datetime) -> dict[str, Any]:
        """The post as a source would give it, published at `start + offset`."""
        return self.post | {"published_at": (start + self.offset).isoformat()}


def load_scenario() -> list[ScenarioPost]:
    """The bundled scenario, in the order its posts appear."""
    raw = resources.files("yuqing.demo").joinpath("scenario.jsonl").read_text("utf-8")
    posts = []
    for line in raw.splitlines():
        if line.strip():
            obj = json.loads(line)
            offset = timedelta(seconds=obj.pop("offset_s"))
            posts.append(ScenarioPost(offset, obj))
    return sorted(posts, key=lambda p: p.offset)


def remaining(posts: Sequence[ScenarioPost], fed: int) -> list[ScenarioPost]:
    """The posts after the first `fed`, moved earlier so that the first comes at once.

    A replay cut short goes on where it stopped, and a finished one is not repeated.
    """
    left = list(posts[fed:])
    if not left:
        return []
    shift = left[0].offset
    return [ScenarioPost(p.offset - shift, p.post) for p in left]


class Replay:
    """Pushes each scenario post through `pipeline` when the clock reaches it."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        posts: Sequence[ScenarioPost],
        stop: threading.Event,
        on_batch: Callable[[datetime, IngestSummary], None] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.posts = list(posts)
        self.stop = stop
        self.on_batch = on_batch
        self.summary = IngestSummary()
        self.fed = 0  # posts handed to the pipeline so far

    def run(self) -> IngestSummary:
        """Replay until every post is in or `stop` is set; returns what the pipeline said."""
        clock = self.pipeline.clock
        start = clock.now()
        while self.fed < len(self.posts) and not self.stop.is_set():
            now = clock.now()
            end = self.fed
            while end < len(self.posts) and start + self.posts[end].offset <= now:
                end += 1
            due = self.posts[self.fed : end]
            if due:
                # All that came due while the last batch ran go in one batch, as a poll does.
                records = [Record(self.fed + n + 1, obj=p.dated(start)) for n, p in enumerate(due)]
                batch = self.pipeline.run(records)
                self.fed += len(due)
                self.summary.add(batch)
                if self.on_batch is not None:
                    self.on_batch(now, batch)
                continue
            wait = start + self.posts[self.fed].offset - now
            clock.wait(wait.total_seconds(), self.stop)
        return self.summary
