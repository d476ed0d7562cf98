"""`yuqing ingest`: posts from files or stdin through the live pipeline (CONTRACTS)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import typer


def ingest(
    files: list[Path] = typer.Argument(None, help="JSON Lines or .csv files; stdin when none."),
    source: str = typer.Option("", "--source", help="Source name for posts that name none."),
    strict: bool = typer.Option(False, "--strict", help="Any rejected line is an error."),
) -> None:
    """Run posts through the pipeline and store what is kept; prints a JSON summary."""
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps, open_input
    from yuqing.core.errors import InvalidInput
    from yuqing.monitor.pipeline import Pipeline, SourceDefaults
    from yuqing.monitor.readers import read_csv, read_jsonl
    from yuqing.monitor.schemas import IngestSummary

    ctx = app_context()
    pipeline = Pipeline(engine=ctx.engine, clock=ctx.clock, settings=ctx.settings)
    total = IngestSummary()
    paths: list[Path | None] = list(files) if files else [None]
    for path in paths:
        suffix = f" ({path})" if len(paths) > 1 else ""
        with open_input(path) as stream:
            reader = read_csv if path is not None and path.suffix.lower() == ".csv" else read_jsonl
            total.add(
                pipeline.run(
                    reader(stream),
                    defaults=SourceDefaults(source=source),
                    on_reject=functools.partial(_report_in, suffix=suffix),
                )
            )
    sys.stdout.write(dumps(total.model_dump()) + "\n")
    if strict and total.rejected:
        raise InvalidInput(f"{total.rejected} rejected line(s) with --strict")


def _report_in(line: int, reason: str, *, suffix: str) -> None:
    from yuqing.cli.jsonlines import report

    report(line, reason + suffix)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
