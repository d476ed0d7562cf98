"""The hidden-layer part of the sentiment model (bag.BagPart): numpy forward pass against a
plain-Python reference, file round trip, and (with PyTorch) its build-time fit."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from yuqing.analysis.sentiment import features
from yuqing.analysis.sentiment.bag import BagPart
from yuqing.analysis.sentiment.model import SentimentModel

SHIFT = 2


def _tiny_part(rng: np.random.Generator, rows: int = 4, dim: int = 3, n_out: int = 2) -> BagPart:
    return BagPart(
        rng.normal(0, 1, (rows, dim)).astype(np.float16),
        rng.normal(0, 1, (2, dim)).astype(np.float32),
        rng.normal(0, 0.5, dim).astype(np.float32),
        rng.normal(0, 1, (dim, n_out)).astype(np.float32),
        rng.normal(0, 1, n_out).astype(np.float32),
        SHIFT,
    )


def _reference(
    part: BagPart, rows: list[dict[int, float]], dense: list[list[float]], idf: list[float]
) -> list[list[float]]:
    """The forward pass written out with loops over plain floats."""
    emb = part.emb.astype(float).tolist()
    out = []
    for counts, d in zip(rows, dense, strict=True):
        v = {b: (1.0 + math.log(c)) * idf[b] for b, c in counts.items()}
        norm = math.sqrt(sum(x * x for x in v.values()))
        hidden = []
        for k in range(part.emb.shape[1]):
            s = sum(x / norm * emb[b >> SHIFT][k] for b, x in v.items()) if norm > 0 else 0.0
            s += sum(d[j] * float(part.dense_w[j, k]) for j in range(len(d)))
            s += float(part.b1[k])
            hidden.append(max(s, 0.0))
        out.append(
            [
                sum(h * float(part.w2[k, o]) for k, h in enumerate(hidden)) + float(part.b2[o])
                for o in range(part.w2.shape[1])
            ]
        )
    return out


def _sparse(rows: list[dict[int, float]]) -> features.Sparse:
    indptr, cols, values = [0], [], []
    for counts in rows:
        for b in sorted(counts):
            cols.append(b)
            # The featurizer's values are sublinear term frequencies, 1 + log(count).
            values.append(1.0 + math.log(counts[b]))
        indptr.append(len(cols))
    return features.Sparse(
        np.array(indptr, dtype=np.int64),
        np.array(cols, dtype=np.int64),
        np.array(values, dtype=np.float32),
    )


def test_numpy_forward_pass_matches_a_plain_python_reference() -> None:
    rng = np.random.default_rng(7)
    part = _tiny_part(rng)
    idf = [1.5, 0.0, 2.0, 1.0, 3.0, 1.2, 0.7, 2.2, 1.1, 1.9, 0.0, 2.5, 1.3, 1.7, 0.9, 2.8]
    rows = [
        {0: 2.0, 3: 1.0, 5: 4.0, 14: 1.0},  # buckets 0 and 3 share embedding row 0
        {},  # no feature: dense part and bias only
        {1: 3.0, 10: 1.0},  # only buckets whose IDF is 0: counts as empty
        {7: 1.0},
    ]
    dense = [[0.5, -1.0], [1.0, 2.0], [0.0, 0.0], [-0.3, 0.2]]
    got = part.logits(
        _sparse(rows), np.array(dense, dtype=np.float32), np.array(idf, dtype=np.float16)
    )
    want = _reference(part, rows, dense, idf)
    assert got.shape == (4, 2)
    np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-4)


def test_mismatched_arrays_are_refused() -> None:
    rng = np.random.default_rng(1)
    part = _tiny_part(rng)
    with pytest.raises(ValueError, match="do not match"):
        BagPart(part.emb, part.dense_w, part.b1, part.w2[:2], part.b2, SHIFT)
    with pytest.raises(ValueError, match="out of range"):
        BagPart(part.emb, part.dense_w, part.b1, part.w2, part.b2, 40)


def test_model_file_keeps_the_hidden_layer_and_adds_its_logits(tmp_path: Path) -> None:
    shipped = SentimentModel.load()
    rng = np.random.default_rng(3)
    shift = features.ZH_BITS - 6  # 64 embedding rows: a tiny file
    zh_bag = BagPart(
        rng.normal(0, 1, (64, 8)).astype(np.float16),
        rng.normal(0, 1, (features.N_ZH_DENSE, 8)).astype(np.float32),
        np.zeros(8, dtype=np.float32),
        rng.normal(0, 1, (8, shipped.zh.n_logits)).astype(np.float32),
        np.zeros(shipped.zh.n_logits, dtype=np.float32),
        shift,
    )
    model = SentimentModel(
        zh=shipped.zh,
        en=shipped.en,
        tables=shipped.tables,
        calibration=shipped.calibration,
        meta=dict(shipped.meta),
        zh_bag=zh_bag,
    )
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = SentimentModel.load(path)
    assert loaded.zh_bag is not None and loaded.en_bag is None
    assert loaded.meta["format"] == 6
    assert loaded.zh_bag.shift == shift
    texts = ["服务态度太差了，再也不来了", "很好吃，下次还来", "今天天气不错"]
    x = loaded.featurize(texts)
    linear = loaded.zh.logits(x.zh, x.zh_dense)
    hidden = loaded.zh_bag.logits(x.zh, x.zh_dense, loaded.zh.idf)
    assert np.abs(hidden).max() > 0.1
    np.testing.assert_allclose(loaded.zh_raw_logits(x), linear + hidden)
    # A hidden layer whose output layer is zero changes nothing.
    silent = SentimentModel(
        zh=shipped.zh,
        en=shipped.en,
        tables=shipped.tables,
        calibration=shipped.calibration,
        zh_bag=BagPart(zh_bag.emb, zh_bag.dense_w, zh_bag.b1, zh_bag.w2 * 0, zh_bag.b2 * 0, shift),
    )
    np.testing.assert_allclose(silent.predict_proba_many(texts), shipped.predict_proba_many(texts))


def test_a_hidden_layer_of_the_wrong_size_is_refused() -> None:
    shipped = SentimentModel.load()
    rng = np.random.default_rng(4)
    with pytest.raises(ValueError, match="hidden-layer part"):
        SentimentModel(
            zh=shipped.zh,
            en=shipped.en,
            tables=shipped.tables,
            zh_bag=_tiny_part(rng, n_out=shipped.zh.n_logits),  # covers 16 buckets, not 2^21
        )


def test_build_time_fit_learns_and_is_reproducible() -> None:
    pytest.importorskip("torch")
    from yuqing.analysis.sentiment import bag_train

    rng = np.random.default_rng(5)
    n, n_buckets = 400, 1 << 10
    # Positive texts use buckets below 512, negative ones above: a hidden layer must learn it.
    label = rng.integers(0, 2, n)
    rows = []
    for y in label.tolist():
        lo = 0 if y else 512
        rows.append({int(b): 1.0 for b in rng.integers(lo, lo + 512, 6)})
    m = _sparse(rows)
    dense = np.zeros((n, 2), dtype=np.float32)
    idf = np.ones(n_buckets, dtype=np.float32)
    targets = label[:, None].astype(np.float32)
    weights = np.ones((n, 1), dtype=np.float32)
    settings = bag_train.Settings(dim=8, shift=2, epochs=5, lr=0.02, batch=32)

    def fit() -> BagPart:
        return bag_train.fit(
            m, dense, idf, targets, weights, n_buckets=n_buckets, softmax=False, settings=settings
        )

    part = fit()
    z = part.logits(m, dense, idf)[:, 0]
    assert np.mean((z > 0) == (label == 1)) > 0.95
    again = fit()
    np.testing.assert_array_equal(part.emb, again.emb)
    np.testing.assert_array_equal(part.w2, again.w2)


def test_build_with_hidden_layer_writes_a_model_that_uses_it(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from tests.analysis.tiny_corpus import write_tiny_corpus
    from yuqing.analysis.sentiment import train

    data = write_tiny_corpus(tmp_path / "shared" / "data")
    meta = train.build(data, tmp_path / "out", hidden_layer=True, on_progress=lambda _: None)
    assert set(meta["hidden_layer"]) == {"zh", "en"}
    model = SentimentModel.load(tmp_path / "out" / "model.npz")
    assert model.zh_bag is not None and model.en_bag is not None
    texts = ["服务态度太差了，再也不来了", "what a lovely day :)"]
    x = model.featurize(texts)
    assert np.abs(model.zh_bag.logits(x.zh, x.zh_dense, model.zh.idf)).max() > 0
    assert len(model.classify_many(texts)) == 2


def test_build_without_torch_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yuqing.analysis.sentiment import bag_train, train
    from yuqing.core.errors import InvalidInput

    monkeypatch.setattr(bag_train, "available", lambda: False)
    with pytest.raises(InvalidInput, match=r"hidden-layer needs PyTorch"):
        train.build(tmp_path, tmp_path / "out", hidden_layer=True)


def test_a_model_without_hidden_layer_is_still_written_as_format_5(tmp_path: Path) -> None:
    shipped = SentimentModel.load()
    path = tmp_path / "model.npz"
    shipped.save(path)
    assert SentimentModel.load(path).meta["format"] == 5
