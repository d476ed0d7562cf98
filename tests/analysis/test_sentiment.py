"""The shipped sentiment model and `yuqing classify` (issue 4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from yuqing.analysis.sentiment import corpora, features
from yuqing.analysis.sentiment.corrections import record_correction
from yuqing.analysis.sentiment.model import LABELS, SentimentModel, get_model
from yuqing.cli import classify

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sentiment"


def read_fixture(name: str) -> list[dict[str, str]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return get_model()


def test_model_loads_from_package_quickly() -> None:
    start = perf_counter()
    loaded = SentimentModel.load()
    elapsed = perf_counter() - start
    # Reported, not asserted: timing belongs in bench/; the budget is 2 s.
    print(f"sentiment model load: {elapsed:.2f} s")
    assert loaded.coef.shape == (features.N_COLUMNS, 3)
    assert loaded.meta["trained_on"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("这家酒店服务态度非常好，房间干净，下次还来", "positive"),
        ("质量太差了，用了两天就坏了，再也不买了", "negative"),
        ("這家餐廳的菜很好吃，服務也很周到，推薦！", "positive"),  # Traditional
        ("太失望了，客服態度惡劣，退貨也不處理", "negative"),  # Traditional
        ("I love this phone, the camera is amazing!", "positive"),
        ("Worst customer service ever, I am so angry and disappointed.", "negative"),
    ],
)
def test_obvious_examples(model: SentimentModel, text: str, label: str) -> None:
    assert model.predict_one(text) == label


@pytest.mark.parametrize("name", ["zh_reviews.jsonl", "weibo.jsonl", "tweets.jsonl"])
def test_real_excerpts_mostly_right(model: SentimentModel, name: str) -> None:
    rows = read_fixture(name)
    labels = model.predict_many([r["text"] for r in rows])
    right = sum(got == r["label"] for got, r in zip(labels, rows, strict=True))
    # Real posts are not all easy; most must be right, not every one.
    assert right >= 0.75 * len(rows)


@pytest.mark.parametrize(
    "text",
    ["", "   \n", "😀😡🎉", "<div><br/><p></p></div>", "<script>x</script>&nbsp;", "@someone"],
)
def test_nothing_to_say_is_neutral(model: SentimentModel, text: str) -> None:
    result = model.classify_one(text)
    assert result.label == "neutral"
    assert result.score == 0.0
    assert model.predict_proba_one(text) == {"negative": 0.0, "neutral": 1.0, "positive": 0.0}


def test_text_at_the_size_cap(model: SentimentModel) -> None:
    text = ("服务很好，" * 400_000)[: (1 << 20) // 3]
    assert len(text.encode("utf-8")) <= 1 << 20
    assert model.predict_one(text) == "positive"


def test_html_remains_mixed_languages_and_weibo_tags(model: SentimentModel) -> None:
    assert model.predict_one("<p>质量<b>太差</b>了，退货！</p>&amp;") == "negative"
    assert model.predict_one("这个app真的太好用了 love it, amazing [哈哈]") == "positive"
    assert model.predict_one("又被放鸽子了[怒][怒]，气死我了") == "negative"


def test_scores_in_range_and_sign_consistent(model: SentimentModel) -> None:
    texts = [
        r["text"]
        for name in ("zh_reviews.jsonl", "weibo.jsonl", "tweets.jsonl")
        for r in read_fixture(name)
    ]
    texts += ["", "😀", "好", "差", "ok", "一般般吧"]
    proba = model.predict_proba_many(texts)
    assert np.allclose(proba.sum(axis=1), 1.0)
    for result in model.classify_many(texts):
        assert -1.0 <= result.score <= 1.0
        assert result.label in LABELS
        if result.label == "positive":
            assert result.score > 0
        if result.label == "negative":
            assert result.score < 0


def test_one_and_many_agree(model: SentimentModel) -> None:
    texts = [r["text"] for r in read_fixture("weibo.jsonl")]
    assert model.predict_many(texts) == [model.predict_one(t) for t in texts]


def test_saved_model_round_trip(model: SentimentModel, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model.save(path)
    again = SentimentModel.load(path)
    texts = [r["text"] for r in read_fixture("zh_reviews.jsonl")]
    assert np.allclose(again.predict_proba_many(texts), model.predict_proba_many(texts), atol=2e-3)


def test_corrections_are_stored_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "corrections.jsonl"
    at = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    record_correction(path=path, text="某地发生交通事故", label="neutral", at=at, post_id="p1")
    record_correction(path=path, text="太好了", label="positive", at=at)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("not json\n")
    read = list(corpora.read_corrections(path))
    assert [(ex.text, ex.label) for ex in read] == [("某地发生交通事故", 1), ("太好了", 2)]
    # A user's label beats a corpus label for the same text.
    kept = corpora.deduplicate([corpora.Example("太好了!", 0, "waimai_10k"), *read])
    assert {ex.text: ex.label for ex in kept}["太好了"] == 2


def test_classify_command(tmp_path: Path) -> None:
    app = typer.Typer()
    classify.register(app)
    app.command("noop")(lambda: None)  # two commands, so typer keeps command names
    posts = [
        {"id": "a", "text": "这家店的菜太难吃了，服务员态度也差", "extra": 1},
        {"id": "b", "title": "好消息", "text": "<p>我们班拿了第一名，太开心了！</p>"},
        {"id": "c", "text": "😀"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in posts) + "\nnot json\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["classify", "--input", str(src), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["extra"] == 1
    assert rows[0]["sentiment"]["label"] == "negative"
    assert rows[1]["sentiment"]["label"] == "positive"
    assert rows[2]["sentiment"] == {"label": "neutral", "score": 0.0}
    assert "LINE 4" in result.stderr
