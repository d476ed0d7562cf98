"""Run the bundled demo scenario through the live pipeline and report what it found.

The same `Pipeline` as `yuqing ingest` runs on a fresh store; nothing here is a second
copy of it. The web UI issue replaces the report with the live server.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from yuqing.core.clock import Clock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import PostWatch, StoredPost
from yuqing.monitor.readers import read_jsonl
from yuqing.monitor.schemas import IngestSummary
from yuqing.monitor.views_text import post_line
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline


def _data(name: str) -> bytes:
    return resources.files("yuqing.demo").joinpath(name).read_bytes()


def run_demo(
    *, engine: Engine, clock: Clock, settings: Settings, echo: Callable[[str], None]
) -> IngestSummary:
    """Load the demo watches, replay the scenario, print what each watch found."""
    watches = load_watch_text(_data("watches.yaml").decode("utf-8"), filename="demo/watches.yaml")
    with Session(engine) as session:
        service.upsert_watches(session=session, clock=clock, watches=watches)
        session.commit()
    pipeline = build_pipeline(engine=engine, clock=clock, settings=settings)
    summary = pipeline.run(
        read_jsonl(io.BytesIO(_data("scenario.jsonl"))),
        on_reject=lambda line, reason: echo(f"  rejected line {line}: {reason}"),
    )
    echo(f"summary: {json.dumps(summary.to_json())}")
    with Session(engine) as session:
        for watch in watches:
            rows = session.scalars(
                select(StoredPost)
                .join(PostWatch, PostWatch.post_pk == StoredPost.pk)
                .where(PostWatch.watch == watch.name)
                .where(StoredPost.duplicate_of_pk.is_(None))
                .order_by(StoredPost.published_at)
            ).all()
            copies = session.scalar(
                select(func.count())
                .select_from(StoredPost)
                .join(PostWatch, PostWatch.post_pk == StoredPost.pk)
                .where(PostWatch.watch == watch.name)
                .where(StoredPost.duplicate_of_pk.is_not(None))
            )
            echo(f"\n监测方案 watch {watch.name}: {len(rows)} posts, {copies} copies")
            for row in rows:
                echo("  " + post_line(row, settings.timezone))
    return summary


def demo_home(base: Path) -> Path:
    """A fresh folder under `base` for one demo run."""
    base.mkdir(parents=True, exist_ok=True)
    n = 1
    while (base / f"demo-{n}").exists():
        n += 1
    home = base / f"demo-{n}"
    home.mkdir()
    return home
