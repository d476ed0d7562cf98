"""The shipped sentiment model: a Chinese and an English linear model over hashed n-grams.

Texts are routed by script (`features.route_share`): the Chinese model reads CJK text, the
English model Latin-script text, a mixed text gets the average of both weighted by the
share of each script. The Chinese model is two-stage: a polarity logit (positive vs
negative, trained on reviews and Weibo) and a neutral logit (neutral vs not, trained on
Weibo posts with the reviews as non-neutral), combined as P(neu) = σ(n),
P(pos) = (1 − P(neu))·σ(p), P(neg) = (1 − P(neu))·(1 − σ(p)). The English model is a
3-class softmax with VADER lexicon features beside the n-grams.

Run time needs numpy and rjieba (a dependency already, to cut Chinese words). The model is
one compressed `.npz` of plain arrays (IDF per bucket, weights, intercepts, the fold table,
the lexicon) plus a JSON string of metadata; it is loaded with `allow_pickle=False`, so a
tampered model file cannot run code, and no scikit-learn version ties the file to the
install.

Interface (STYLE: models speak river's API)::

    >>> model = get_model()
    >>> model.predict_one("服务态度太差了，再也不来了")
    'negative'
    >>> model.classify_many(["很好吃", ""])  # doctest: +SKIP
    [Sentiment(label='positive', score=0.93), Sentiment(label='neutral', score=0.0)]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from yuqing.analysis.sentiment import features

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, Label, Label] = ("negative", "neutral", "positive")
MODEL_FILE = "model.npz"
FORMAT = 3


@dataclass(frozen=True, slots=True)
class Sentiment:
    """What `yuqing classify` adds to a post (CONTRACTS): a label and a polarity in [-1, 1]."""

    label: Label
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score}


class LinearPart:
    """Linear logits over one hashed feature space plus its dense features.

    `idf` (one per bucket), `coef` (one row per bucket, one column per logit),
    `dense_coef` (one row per dense feature), `intercept`. At run time the IDF and the
    weights are read together from one packed table of 4 float32 a bucket (16 bytes:
    [IDF, weights…], zero-padded), one cache line per lookup.
    """

    def __init__(
        self,
        idf: npt.NDArray[np.floating[Any]],
        coef: npt.NDArray[np.floating[Any]],
        dense_coef: npt.NDArray[np.floating[Any]],
        intercept: npt.NDArray[np.floating[Any]],
    ) -> None:
        if coef.ndim != 2 or coef.shape[0] != idf.shape[0] or intercept.shape != coef.shape[1:]:
            raise ValueError("model arrays do not match each other")
        if dense_coef.ndim != 2 or dense_coef.shape[1] != coef.shape[1]:
            raise ValueError("model arrays do not match each other")
        if coef.shape[1] > 3:
            raise ValueError("at most 3 logits")
        self.n_logits = coef.shape[1]
        self.table = np.empty((idf.shape[0], 4), dtype=np.float32)
        self.table[:, 0] = idf
        self.table[:, 1 : 1 + self.n_logits] = coef
        self.table[:, 1 + self.n_logits :] = 0.0
        self.dense_coef = dense_coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)

    @property
    def idf(self) -> npt.NDArray[np.float32]:
        return self.table[:, 0]

    @property
    def coef(self) -> npt.NDArray[np.float32]:
        return self.table[:, 1 : 1 + self.n_logits]

    def logits(self, m: features.Sparse, dense: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return features.weighted_logits(m, dense, self.table, self.dense_coef, self.intercept)

    def arrays(self, prefix: str) -> dict[str, npt.NDArray[Any]]:
        return {
            prefix + "idf": self.idf.astype(np.float16),
            prefix + "coef": self.coef.astype(np.float16),
            prefix + "dense_coef": self.dense_coef.astype(np.float32),
            prefix + "intercept": self.intercept.astype(np.float32),
        }

    @classmethod
    def from_arrays(cls, a: Any, prefix: str) -> LinearPart:
        return cls(
            a[prefix + "idf"], a[prefix + "coef"], a[prefix + "dense_coef"], a[prefix + "intercept"]
        )


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def _softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: npt.NDArray[np.float64] = e / e.sum(axis=1, keepdims=True)
    return out


def zh_proba(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(negative, neutral, positive) from the Chinese (polarity, neutral) logits."""
    p_pos = _sigmoid(logits[:, 0])
    p_neu = _sigmoid(logits[:, 1])
    return np.stack([(1 - p_neu) * (1 - p_pos), p_neu, (1 - p_neu) * p_pos], axis=1)


class SentimentModel:
    """Two linear models, one per script, and the decision rule (see the module docstring)."""

    def __init__(
        self,
        *,
        zh: LinearPart,
        en: LinearPart,
        tables: features.Tables,
        neutral_margin: float = 0.0,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if zh.coef.shape != (features.ZH_BUCKETS, 2) or zh.dense_coef.shape[0] != (
            features.N_ZH_DENSE
        ):
            raise ValueError("the Chinese model does not match the featurizer's dimensions")
        if en.coef.shape != (features.EN_BUCKETS, 3) or en.dense_coef.shape[0] != (
            features.N_EN_DENSE
        ):
            raise ValueError("the English model does not match the featurizer's dimensions")
        self.zh = zh
        self.en = en
        self.tables = tables
        self.neutral_margin = float(neutral_margin)
        self.meta = meta or {}

    @classmethod
    def load(cls, path: Path | None = None) -> SentimentModel:
        """Load a model file; the one shipped inside the package by default."""
        source = resources.files(__package__).joinpath("data", MODEL_FILE) if path is None else path
        with source.open("rb") as fh, np.load(fh, allow_pickle=False) as a:
            meta = json.loads(str(a["meta"]))
            if meta.get("format") != FORMAT:
                raise ValueError(f"sentiment model format {meta.get('format')}, not {FORMAT}")
            words = str(a["lexicon_words"]).split("\n")
            values = a["lexicon_values"].astype(float).tolist()
            tables = features.Tables.of(
                features.FoldTable(a["fold_pairs"]),
                features.Lexicon(dict(zip(words, values, strict=True))),
            )
            model = cls(
                zh=LinearPart.from_arrays(a, "zh_"),
                en=LinearPart.from_arrays(a, "en_"),
                tables=tables,
                neutral_margin=float(meta.get("neutral_margin", 0.0)),
                meta=meta,
            )
        # Part of loading: rjieba reads its dictionary once, not inside the first batch.
        features.warm_up()
        return model

    def save(self, path: Path) -> None:
        """Write the model as compressed float16 arrays (halves the size; scores move < 1e-3)."""
        meta = {**self.meta, "neutral_margin": self.neutral_margin, "format": FORMAT}
        valence = self.tables.lexicon.valence
        words = sorted(valence)
        arrays: dict[str, Any] = {
            **self.zh.arrays("zh_"),
            **self.en.arrays("en_"),
            "fold_pairs": self.tables.fold.pairs,
            "lexicon_words": np.array("\n".join(words)),
            "lexicon_values": np.array([valence[w] for w in words], dtype=np.float32),
            "meta": np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        }
        np.savez_compressed(path, **arrays)

    # -- batch API -------------------------------------------------------------------

    def featurize(self, texts: Sequence[str]) -> features.Featurized:
        return features.featurize(texts, self.tables)

    def proba_of(self, x: features.Featurized) -> npt.NDArray[np.float64]:
        """Class probabilities (negative, neutral, positive) of featurized texts.

        A text without Chinese or Latin words (empty, emoji-only, markup-only) gets exactly
        neutral: nothing can be said about it.
        """
        share = x.zh_share
        known = ~np.isnan(share)
        proba = np.zeros((len(share), 3), dtype=np.float64)
        zh_w = np.where(known, share, 0.0)
        if (zh_w > 0).any():
            proba += zh_w[:, None] * zh_proba(self.zh.logits(x.zh, x.zh_dense))
        if (zh_w < 1)[known].any():
            en_w = np.where(known, 1.0 - zh_w, 0.0)
            proba += en_w[:, None] * _softmax(self.en.logits(x.en, x.en_dense))
        proba[~known] = (0.0, 1.0, 0.0)
        return proba

    def predict_proba_many(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Class probabilities for each text, columns in `LABELS` order."""
        return self.proba_of(self.featurize(texts))

    def label_ids(self, proba: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """0/1/2 (`LABELS` order) per row: the most probable class, neutral when the
        polarity is under `neutral_margin` or its sign disagrees with that class."""
        score = np.clip(proba[:, 2] - proba[:, 0], -1.0, 1.0)
        best = np.argmax(proba, axis=1)
        weak = np.abs(score) < self.neutral_margin
        wrong_sign = ((best == 2) & (score <= 0)) | ((best == 0) & (score >= 0))
        out: npt.NDArray[np.int64] = np.where(weak | wrong_sign, 1, best).astype(np.int64)
        return out

    def decide(self, proba: npt.NDArray[np.float64]) -> list[Sentiment]:
        """Label and score: polarity is P(pos) − P(neg); weak polarity is neutral."""
        score = np.round(np.clip(proba[:, 2] - proba[:, 0], -1.0, 1.0), 4) + 0.0
        ids = self.label_ids(proba)
        return [Sentiment(LABELS[i], s) for i, s in zip(ids.tolist(), score.tolist(), strict=True)]

    def classify_many(self, texts: Sequence[str]) -> list[Sentiment]:
        """Label and score of each text."""
        return self.decide(self.predict_proba_many(texts))

    def predict_many(self, texts: Sequence[str]) -> list[Label]:
        """The label of each text."""
        return [s.label for s in self.classify_many(texts)]

    # -- river's one-at-a-time API ---------------------------------------------------

    def predict_proba_one(self, x: str) -> dict[str, float]:
        """Class probabilities of one text, keyed by label."""
        proba = self.predict_proba_many([x])[0]
        return {label: float(p) for label, p in zip(LABELS, proba, strict=True)}

    def predict_one(self, x: str) -> Label:
        """The label of one text."""
        return self.classify_many([x])[0].label

    def classify_one(self, x: str) -> Sentiment:
        """Label and score of one text."""
        return self.classify_many([x])[0]


@lru_cache(maxsize=1)
def get_model() -> SentimentModel:
    """The shipped model, loaded once per process."""
    return SentimentModel.load()
