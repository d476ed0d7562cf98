"""`yuqing cluster` (CONTRACTS): adds "event_id" to each post, online, in arrival order.

A line's optional `partition` string (the organization whose watches it matched) keeps
events apart, as in the live pipeline; a `duplicate_of` set by `yuqing dedup` makes the
copy join its original's event, and a `reply_to` naming an earlier post (its id or URL)
makes the reply join its parent's event. A reply whose parent comes later in the same
batch of lines waits for it (`ReplyWaiter`); otherwise it is clustered by its text.
"""

from __future__ import annotations

from pathlib import Path

import typer

from yuqing.cli.jsonlines import run_stream
from yuqing.cli.streams import InputOpt, OutputOpt
from yuqing.monitor.posts import Post


def cluster(input_path: Path | None = InputOpt, output_path: Path | None = OutputOpt) -> None:
    """Group posts into events as they arrive (adds "event_id")."""
    from yuqing.analysis.events.clusterer import OnlineClusterer
    from yuqing.analysis.events.threads import ReplyWaiter
    from yuqing.analysis.events.tokenize import warm_up

    warm_up()
    waiter = ReplyWaiter(OnlineClusterer())

    def annotate(posts: list[Post]) -> None:
        # Lines are written back in input order after each batch, so a reply waits for
        # its parent at most until the end of its batch.
        placed = []
        for post in posts:
            partition = post.extra.get("partition")
            placed += waiter.push(post, partition=partition if isinstance(partition, str) else "")
        for one in placed + waiter.flush():
            one.post.annotations["event_id"] = one.assignment.event_id

    run_stream(annotate, input_path=input_path, output_path=output_path)


def register(app: typer.Typer) -> None:
    """Add the `cluster` command to `app`."""
    app.command("cluster")(cluster)
