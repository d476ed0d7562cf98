"""Stream commands (CONTRACTS): stdin → stdout JSON Lines with fields added.

They need no database and no server; each keeps its state in memory and runs the same
step code as the live pipeline.
"""

from __future__ import annotations

from pathlib import Path

import typer

from yuqing.cli.jsonlines import run_stream
from yuqing.monitor.posts import Post

InputOpt = typer.Option(None, "--input", "-i", help="Read posts from FILE instead of stdin.")
OutputOpt = typer.Option(None, "--output", "-o", help="Write posts to FILE instead of stdout.")


def match(
    rule: str | None = typer.Option(None, "--rule", help='A watch rule; adds "matched".'),
    watches: Path | None = typer.Option(None, "--watches", help='A watch file; adds "watches".'),
    input_path: Path | None = InputOpt,
    output_path: Path | None = OutputOpt,
) -> None:
    """Match posts against a rule or a watch file."""
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.monitor.rules import compile_rule
    from yuqing.monitor.watches import WatchMatcher, load_watch_file

    if (rule is None) == (watches is None):
        raise InvalidInput(_("give exactly one of --rule or --watches"))
    if rule is not None:
        compiled = compile_rule(rule)

        def annotate(posts: list[Post]) -> None:
            for post in posts:
                post.annotations["matched"] = compiled.matches(post.folded)

    else:
        assert watches is not None
        matcher = WatchMatcher(load_watch_file(watches))

        def annotate(posts: list[Post]) -> None:
            for post in posts:
                post.annotations["watches"] = matcher.match(post.folded, source=post.source)

    run_stream(annotate, input_path=input_path, output_path=output_path)


def dedup(input_path: Path | None = InputOpt, output_path: Path | None = OutputOpt) -> None:
    """Mark copies of earlier posts (adds "duplicate_of")."""
    from yuqing.monitor.dedup import Deduplicator

    dedup_state = Deduplicator()

    def annotate(posts: list[Post]) -> None:
        for post in posts:
            post.annotations["duplicate_of"] = dedup_state.check_and_add(post)

    run_stream(annotate, input_path=input_path, output_path=output_path)


def register(app: typer.Typer) -> None:
    app.command("match")(match)
    app.command("dedup")(dedup)
