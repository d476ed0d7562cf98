"""Sentiment through an organization's own OpenAI-compatible endpoint (docs/llm.md),
against a fake server on 127.0.0.1 that speaks the real chat-completions format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Cli, Store
from tests.fakes.chat import FakeChat, Messages, keyword_labeller
from yuqing.analysis.llm.classify import (
    COOLDOWN_SECONDS,
    SHIPPED_MODEL,
    Classifier,
    EndpointClassifier,
)
from yuqing.analysis.sentiment.model import get_model
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import InvalidInput
from yuqing.core.llm_settings import LLMSettings, load_llm_settings
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

NEGATIVE = "食堂的饭菜太差了，我要投诉"
POSITIVE = "感谢老师们的辛苦付出，点赞"
PLAIN = "明天下午三点召开家长会，地点在学校礼堂"


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    fake = FakeChat(keyword_labeller, api_key="secret")
    yield fake
    fake.close()


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def endpoint(chat: FakeChat, **changes: object) -> LLMSettings:
    base = LLMSettings(url=chat.url, model="qwen-local", api_key="secret", classify=True)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_labels_come_from_the_endpoint_and_say_so(chat: FakeChat) -> None:
    classifier = EndpointClassifier(endpoint(chat), get_model())
    results = classifier.classify_many([NEGATIVE, POSITIVE, PLAIN], "microblog")
    assert [r.label for r in results] == ["negative", "positive", "neutral"]
    assert {r.model for r in results} == {"endpoint:qwen-local"}
    assert all(r.as_dict()["model"] == "endpoint:qwen-local" for r in results)
    sent = chat.requests[0]
    assert sent["model"] == "qwen-local" and sent["temperature"] == 0
    assert [p["text"] for p in json.loads(sent["messages"][-1]["content"])] == [
        NEGATIVE,
        POSITIVE,
        PLAIN,
    ]


def test_the_endpoint_label_wins_over_the_shipped_one() -> None:
    def all_negative(messages: Messages) -> str:  # a model that reads irony, say
        return json.dumps({"labels": ["negative"] * len(json.loads(messages[-1]["content"]))})

    assert get_model().classify_many([PLAIN])[0].label == "neutral"
    fake = FakeChat(all_negative)
    try:
        result = EndpointClassifier(endpoint(fake), get_model()).classify_many([PLAIN])[0]
    finally:
        fake.close()
    assert (result.label, result.score, result.model) == ("negative", -1.0, "endpoint:qwen-local")


def test_batches_and_cache_ask_once_per_text(chat: FakeChat) -> None:
    classifier = EndpointClassifier(endpoint(chat, batch=16), get_model())
    texts = [f"{POSITIVE} {i}" for i in range(40)] + [f"{POSITIVE} 0"]  # one copy
    classifier.classify_many(texts)
    assert [len(json.loads(r["messages"][-1]["content"])) for r in chat.requests] == [16, 16, 8]
    classifier.classify_many(texts[:10])  # all known: nothing asked
    assert len(chat.requests) == 3


@pytest.mark.parametrize("failure", ["server_error", "garbage"])
def test_a_failing_endpoint_falls_back_and_rests(chat: FakeChat, failure: str) -> None:
    ticks = Ticks()
    classifier = EndpointClassifier(endpoint(chat), get_model(), monotonic=ticks)
    shipped = get_model().classify_many([PLAIN, NEGATIVE])
    chat.fail_next(failure)
    results = classifier.classify_many([PLAIN, NEGATIVE])
    assert [(r.label, r.score) for r in results] == [(s.label, s.score) for s in shipped]
    assert {r.model for r in results} == {SHIPPED_MODEL}
    assert len(chat.requests) == 1
    classifier.classify_many([PLAIN])  # resting: the endpoint is not asked
    assert len(chat.requests) == 1
    ticks.now += COOLDOWN_SECONDS + 1
    assert classifier.classify_many([PLAIN])[0].model == "endpoint:qwen-local"
    assert len(chat.requests) == 2


def test_an_answer_with_the_wrong_count_keeps_the_shipped_labels() -> None:
    def short(messages: Messages) -> str:
        return json.dumps({"labels": ["negative"]})

    fake = FakeChat(short)
    try:
        results = EndpointClassifier(endpoint(fake, api_key=None), get_model()).classify_many(
            [POSITIVE, PLAIN]
        )
    finally:
        fake.close()
    assert {r.model for r in results} == {SHIPPED_MODEL}


def test_a_hanging_endpoint_costs_one_timeout(chat: FakeChat) -> None:
    chat.fail_next("hang")
    classifier = EndpointClassifier(endpoint(chat, timeout_seconds=0.3), get_model())
    results = classifier.classify_many([NEGATIVE] * 3 + [POSITIVE] * 40)
    assert {r.model for r in results} == {SHIPPED_MODEL}
    assert len(chat.requests) == 1  # the later batches waited out the rest


def test_a_wrong_key_is_a_failure_not_a_crash(chat: FakeChat) -> None:
    results = EndpointClassifier(endpoint(chat, api_key="wrong"), get_model()).classify_many(
        [NEGATIVE]
    )
    assert results[0].model == SHIPPED_MODEL


def test_off_by_default_and_without_classify() -> None:
    assert load_llm_settings({}) is None
    settings = load_llm_settings(
        {"YUQING_LLM_URL": "http://10.0.0.5:8000/v1", "YUQING_LLM_MODEL": "m"}
    )
    assert settings is not None and not settings.classify
    result = Classifier(settings).classify_many([NEGATIVE])[0]
    assert result.model is None and "model" not in result.as_dict()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"YUQING_LLM_URL": "ftp://x/v1", "YUQING_LLM_MODEL": "m"}, "YUQING_LLM_URL"),
        ({"YUQING_LLM_URL": "http://x/v1"}, "YUQING_LLM_MODEL"),
        (
            {"YUQING_LLM_URL": "http://x/v1", "YUQING_LLM_MODEL": "m", "YUQING_LLM_BATCH": "0"},
            "YUQING_LLM_BATCH",
        ),
    ],
)
def test_bad_settings_are_one_line_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_llm_settings(env)


def test_the_pipeline_stores_which_model_labelled_each_post(
    store: Store, clock: FrozenClock, settings: Settings, chat: FakeChat
) -> None:
    with Session(store.engine) as session:
        watches = "watches:\n  - name: school\n    rule: 食堂 | 老师 | 家长会\n"
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(watches, filename="w.yaml")
        )
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    pipeline = build_pipeline(
        engine=store.engine, clock=clock, settings=replace(settings, llm=endpoint(chat))
    )
    texts = {"a": NEGATIVE, "b": POSITIVE, "c": PLAIN}
    published = "2026-03-02T12:00:00+08:00"
    pipeline.run(
        [
            Record(i, obj={"id": k, "source": "weibo", "text": t, "published_at": published})
            for i, (k, t) in enumerate(texts.items(), 1)
        ]
    )
    with Session(store.engine) as session:
        rows = session.execute(
            select(StoredPost.post_id, StoredPost.sentiment_label, StoredPost.annotations)
        ).all()
    stored = {post_id: (label, notes["sentiment"]["model"]) for post_id, label, notes in rows}
    assert stored == {
        "a": ("negative", "endpoint:qwen-local"),
        "b": ("positive", "endpoint:qwen-local"),
        "c": ("neutral", "endpoint:qwen-local"),
    }


def test_yuqing_classify_uses_the_endpoint(cli: Cli, chat: FakeChat, tmp_path: Path) -> None:
    cli.env.update(
        {
            "YUQING_LLM_URL": chat.url,
            "YUQING_LLM_MODEL": "qwen-local",
            "YUQING_LLM_API_KEY": "secret",
            "YUQING_LLM_CLASSIFY": "1",
        }
    )
    post = {"id": "1", "source": "weibo", "text": PLAIN, "published_at": "2026-03-02T12:00:00"}
    done = cli("classify", input=json.dumps(post, ensure_ascii=False) + "\n")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["sentiment"]["model"] == "endpoint:qwen-local"
    assert json.loads(done.stdout)["sentiment"]["label"] == "neutral"
