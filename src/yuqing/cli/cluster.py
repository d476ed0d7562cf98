"""`yuqing cluster` (CONTRACTS): adds "event_id" to each post, online, in arrival order.

A line's optional `partition` string (the organization whose watches it matched) keeps
events apart, as in the live pipeline; a `duplicate_of` set by `yuqing dedup` makes the
copy join its original's event.
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
    from yuqing.analysis.events.tokenize import warm_up

    warm_up()
    clusterer = OnlineClusterer()

    def annotate(posts: list[Post]) -> None:
        for post in posts:
            partition = post.extra.get("partition")
            assignment = clusterer.assign(
                post, partition=partition if isinstance(partition, str) else ""
            )
            post.annotations["event_id"] = assignment.event_id

    run_stream(annotate, input_path=input_path, output_path=output_path)


def register(app: typer.Typer) -> None:
    """Add the `cluster` command to `app`."""
    app.command("cluster")(cluster)
