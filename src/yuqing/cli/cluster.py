"""`yuqing cluster` (CONTRACTS): adds "event_id" to each post, online, in arrival order.

A line's optional `partition` string (the organization whose watches it matched) keeps
events apart, as in the live pipeline; a `duplicate_of` set by `yuqing dedup` makes the
copy join its original's event, and a `reply_to` naming an earlier post (its id or URL)
makes the reply join its parent's event. A reply whose parent comes later waits for it
(`ReplyWaiter`: at most 10 minutes of the posts' own time or 1,000 later lines), and so
do the lines after it, so the output keeps the input's order; a reply whose parent does
not come in that time is clustered by its text.

The clusterer merges two events it finds to be one story (`ClusterConfig.merge_threshold`):
later posts of both go to the kept one, but a line already written keeps the id it got.
`--final-ids` holds the whole output to the end of the input and writes each line with its
event's id as it stands then (the merges followed, as the live pipeline's store shows it,
and as `python -m yuqing.analysis.events.evaluate` scores it).

`--watches FILE` matches each line against a watch file, as the live pipeline does: the
words of who and where its watches are about (`watches.who_and_where`) then do not count
in its similarity with an event's posts, so an organization's stories keep apart though
every post names it (docs/events.md "Keeping stories apart"). The lines are written
without a "watches" field (`yuqing match --watches` adds one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from yuqing.cli.jsonlines import run_stream
from yuqing.cli.streams import InputOpt, OutputOpt
from yuqing.monitor.posts import Post

FinalIdsOpt = typer.Option(
    False,
    "--final-ids",
    help="Hold the output to the end of the input and write each post's event id as it "
    "stands then (after the automatic merges).",
)


WatchesOpt = typer.Option(
    None,
    "--watches",
    help="A watch file: the names of who and where each post's watches are about do not "
    "count in its similarity with an event's posts.",
)


def cluster(
    input_path: Path | None = InputOpt,
    output_path: Path | None = OutputOpt,
    final_ids: bool = FinalIdsOpt,
    watches: Path | None = WatchesOpt,
) -> None:
    """Group posts into events as they arrive (adds "event_id")."""
    from yuqing.analysis.events.clusterer import OnlineClusterer
    from yuqing.analysis.events.threads import Placed, ReplyWaiter
    from yuqing.analysis.events.tokenize import warm_up

    mark_names = _name_marker(watches) if watches is not None else None
    warm_up()
    waiter = ReplyWaiter(OnlineClusterer())
    placed_posts: list[Post] = []  # with `final_ids`: every post, to resolve at the end

    def mark(placed: list[Placed]) -> None:
        for one in placed:
            one.post.annotations["event_id"] = one.assignment.event_id
            if final_ids:
                placed_posts.append(one.post)

    def finish() -> None:
        mark(waiter.flush())
        resolve = waiter.clusterer.resolve
        for post in placed_posts:
            post.annotations["event_id"] = resolve(str(post.annotations["event_id"]))

    def annotate(posts: list[Post]) -> None:
        # The waiter is kept across batches of lines: a reply (and every line after it)
        # is written once its parent came or its wait ran out, not at the batch's end.
        if mark_names is not None:
            mark_names(posts)
        for post in posts:
            partition = post.extra.get("partition")
            mark(waiter.push(post, partition=partition if isinstance(partition, str) else ""))

    run_stream(
        annotate,
        input_path=input_path,
        output_path=output_path,
        # With `final_ids` nothing is written before `finish`.
        ready=lambda post: not final_ids and "event_id" in post.annotations,
        finish=finish,
    )


def _name_marker(path: Path) -> Callable[[list[Post]], None]:
    """What marks the names of a batch's posts by the watches of the file at `path`."""
    from yuqing.analysis.steps import mark_selection_words, selection_words
    from yuqing.monitor.watches import WatchMatcher, load_watch_file, who_and_where

    loaded = load_watch_file(path)
    matcher = WatchMatcher(loaded)
    names = {w.name: selection_words(terms) for w in loaded if (terms := who_and_where(w))}

    def mark(posts: list[Post]) -> None:
        for post in posts:
            post.watches = matcher.match(post.folded, source=post.source)
        mark_selection_words(posts, names)

    return mark


def register(app: typer.Typer) -> None:
    """Add the `cluster` command to `app`."""
    app.command("cluster")(cluster)
