"""People's corrections in the store flow into the next model build (docs/sentiment.md)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.analysis.tiny_corpus import write_tiny_corpus
from tests.conftest import Cli, Store
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.feed import correct_sentiment
from yuqing.monitor.models import StoredPost
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

TEXTS = {"a": "明天下午三点学校召开家长会", "b": "食堂今天的菜一般般吧"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_corpus(tmp_path_factory.mktemp("shared") / "data")


@pytest.fixture
def corrected(store: Store, clock: FrozenClock, settings: Settings) -> Store:
    with Session(store.engine) as session:
        watches = "watches:\n  - name: school\n    rule: 学校 | 食堂\n"
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(watches, filename="w.yaml")
        )
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    when = "2026-03-02T12:00:00+08:00"
    pipeline.run(
        [
            Record(i, obj={"id": k, "source": "weibo", "text": t, "published_at": when})
            for i, (k, t) in enumerate(TEXTS.items(), 1)
        ]
    )
    with Session(store.engine) as session:
        pks = dict(session.execute(select(StoredPost.post_id, StoredPost.pk)).all())
        correct_sentiment(session=session, clock=clock, pk=pks["a"], by="li", label="positive")
        clock.set(clock.now() + timedelta(minutes=5))  # a second look: neutral after all
        correct_sentiment(session=session, clock=clock, pk=pks["a"], by="wang", label="neutral")
        correct_sentiment(session=session, clock=clock, pk=pks["b"], by="li", label="negative")
        session.commit()
    return store


def test_corrections_export_keeps_the_latest_label_per_post(
    corrected: Store, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "fixes.jsonl"
    done = cli("model", "corrections", "-o", str(out))
    assert done.code == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(x["post_id"], x["text"], x["label"], x["by"]) for x in lines] == [
        ("a", TEXTS["a"], "neutral", "wang"),
        ("b", TEXTS["b"], "negative", "li"),
    ]


def test_model_train_from_store_trains_on_the_corrections(
    corrected: Store, cli: Cli, corpus: Path, tmp_path: Path
) -> None:
    fixes = tmp_path / "extra.jsonl"
    # The file says positive; the store's later correction (negative) wins for that text.
    fixes.write_text(json.dumps({"text": TEXTS["b"], "label": "positive"}), encoding="utf-8")
    out = tmp_path / "model"
    done = cli(
        "model", "train", "--data", str(corpus), "--out", str(out),
        "--from-store", "--corrections", str(fixes), "--no-eval",
    )  # fmt: skip
    assert done.code == 0, done.stderr
    meta = json.loads(done.stdout[: done.stdout.rindex("\nsha256 ")])
    assert meta["trained_on"]["corrections"] == 2
