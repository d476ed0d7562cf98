"""`yuqing cluster` (CONTRACTS): adds "event_id" to each post, online, in arrival order.

A line's optional `partition` string (the organization whose watches it matched) keeps
events apart, as in the live pipeline; a `duplicate_of` set by `yuqing dedup` makes the
copy join its original's event, and a `reply_to` naming an earlier post (its id or URL)
makes the reply join its parent's event. A reply whose parent comes later waits for it
(`ReplyWaiter`: at most 10 minutes of the posts' own time or 1,000 later lines), and so
do the lines after it, so the output keeps the input's order; a reply whose parent does
not come in that time is clustered by its text.
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
    from yuqing.analysis.events.threads import Placed, ReplyWaiter
    from yuqing.analysis.events.tokenize import warm_up

    warm_up()
    waiter = ReplyWaiter(OnlineClusterer())

    def mark(placed: list[Placed]) -> None:
        for one in placed:
            one.post.annotations["event_id"] = one.assignment.event_id

    def annotate(posts: list[Post]) -> None:
        # The waiter is kept across batches of lines: a reply (and every line after it)
        # is written once its parent came or its wait ran out, not at the batch's end.
        for post in posts:
            partition = post.extra.get("partition")
            mark(waiter.push(post, partition=partition if isinstance(partition, str) else ""))

    run_stream(
        annotate,
        input_path=input_path,
        output_path=output_path,
        ready=lambda post: "event_id" in post.annotations,
        finish=lambda: mark(waiter.flush()),
    )


def register(app: typer.Typer) -> None:
    """Add the `cluster` command to `app`."""
    app.command("cluster")(cluster)
