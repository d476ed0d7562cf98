"""The shipped sentiment model: a Chinese and an English linear model over hashed n-grams.

Texts are routed by script (`features.route_share`): the Chinese model reads CJK text, the
English model Latin-script text, a mixed text gets the average of both weighted by the
share of each script. The Chinese model is two-stage: a polarity logit (positive vs
negative, trained on reviews and Weibo) and a neutral logit (neutral vs not, trained on
Weibo posts with the reviews as non-neutral), combined as P(neu) = σ(n),
P(pos) = (1 − P(neu))·σ(p), P(neg) = (1 − P(neu))·(1 − σ(p)). The English model is a
3-class softmax with VADER lexicon features beside the n-grams.

Run time needs numpy (and jieba, a dependency already, to cut Chinese words). The model is
one compressed `.npz` of plain arrays (IDF per bucket, weights, intercepts, the lexicon)
plus a JSON string of metadata; it is loaded with `allow_pickle=False`, so a tampered model
file cannot run code, and no scikit-learn version ties the file to the install.

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


@dataclass(frozen=True, slots=True)
class Sentiment:
    """What `yuqing classify` adds to a post (CONTRACTS): a label and a polarity in [-1, 1]."""

    label: Label
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score}


class LinearPart:
    """Linear logits over one hashed feature space: IDF per bucket, weights, intercepts.

    `coef` has one row per bucket and then one per dense feature (the lexicon).
    """

    def __init__(
        self,
        idf: npt.NDArray[np.floating],
        coef: npt.NDArray[np.floating],
        intercept: npt.NDArray[np.floating],
    ) -> None:
        if coef.ndim != 2 or coef.shape[0] < idf.shape[0] or intercept.shape != coef.shape[1:]:
            raise ValueError("model arrays do not match each other")
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)

    def logits(self, batch: features.Batch) -> npt.NDArray[np.float64]:
        x = features.weight(batch, self.idf)
        n, k = x.n_rows, self.coef.shape[1]
        rows = np.repeat(np.arange(n), np.diff(x.indptr))
        contrib = self.coef[x.indices] * x.data[:, None]
        out = np.empty((n, k), dtype=np.float64)
        for j in range(k):
            out[:, j] = np.bincount(rows, weights=contrib[:, j], minlength=n)
        return out + self.intercept

    def arrays(self, prefix: str) -> dict[str, npt.NDArray[Any]]:
        return {
            prefix + "idf": self.idf.astype(np.float16),
            prefix + "coef": self.coef.astype(np.float16),
            prefix + "intercept": self.intercept.astype(np.float32),
        }


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
        lexicon: features.Lexicon,
        neutral_margin: float = 0.0,
        meta: dict[str, Any] | None = None,
    ) -> None:
        zh_rows = features.ZH_BUCKETS + features.N_ZH_EMOTION
        if zh.idf.shape != (features.ZH_BUCKETS,) or zh.coef.shape != (zh_rows, 2):
            raise ValueError("the Chinese model does not match the featurizer's dimensions")
        en_rows = features.EN_BUCKETS + features.N_LEXICON
        if en.idf.shape != (features.EN_BUCKETS,) or en.coef.shape != (en_rows, 3):
            raise ValueError("the English model does not match the featurizer's dimensions")
        self.zh = zh
        self.en = en
        self.lexicon = lexicon
        self.neutral_margin = float(neutral_margin)
        self.meta = meta or {}

    @property
    def coef(self) -> npt.NDArray[np.float32]:
        """All weights as one (`features.N_COLUMNS`, 3) array, columns in `LABELS` order.

        For inspection: Chinese rows first as (0, neutral logit, polarity logit), read by
        the two-stage rule of `zh_proba`, not by a softmax; then the English rows (n-gram
        buckets, then the lexicon features).
        """
        zh = np.zeros((features.ZH_BUCKETS + features.N_ZH_EMOTION, 3), dtype=np.float32)
        zh[:, 1] = self.zh.coef[:, 1]
        zh[:, 2] = self.zh.coef[:, 0]
        out: npt.NDArray[np.float32] = np.concatenate([zh, self.en.coef]).astype(np.float32)
        return out

    @classmethod
    def load(cls, path: Path | None = None) -> SentimentModel:
        """Load a model file; the one shipped inside the package by default."""
        source = resources.files(__package__).joinpath("data", MODEL_FILE) if path is None else path
        with source.open("rb") as fh, np.load(fh, allow_pickle=False) as a:
            meta = json.loads(str(a["meta"]))
            words = str(a["lexicon_words"]).split("\n")
            values = a["lexicon_values"].astype(float).tolist()
            model = cls(
                zh=LinearPart(a["zh_idf"], a["zh_coef"], a["zh_intercept"]),
                en=LinearPart(a["en_idf"], a["en_coef"], a["en_intercept"]),
                lexicon=features.Lexicon(dict(zip(words, values, strict=True))),
                neutral_margin=float(meta.get("neutral_margin", 0.0)),
                meta=meta,
            )
        # Part of loading: jieba reads its dictionary once, not inside the first batch.
        features.init_segmenter()
        return model

    def save(self, path: Path) -> None:
        """Write the model as compressed float16 arrays (halves the size; scores move < 1e-3)."""
        meta = {**self.meta, "neutral_margin": self.neutral_margin}
        words = sorted(self.lexicon.valence)
        arrays: dict[str, Any] = {
            **self.zh.arrays("zh_"),
            **self.en.arrays("en_"),
            "lexicon_words": np.array("\n".join(words)),
            "lexicon_values": np.array([self.lexicon.valence[w] for w in words], dtype=np.float32),
            "meta": np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        }
        np.savez_compressed(path, **arrays)

    # -- batch API -------------------------------------------------------------------

    def proba_of(self, x: features.Featurized) -> npt.NDArray[np.float64]:
        """Class probabilities (negative, neutral, positive) of featurized texts.

        A text without Chinese or Latin words (empty, emoji-only, markup-only) gets exactly
        neutral: nothing can be said about it.
        """
        share = x.zh_share
        proba = np.zeros((len(share), 3), dtype=np.float64)
        has_zh = np.diff(x.zh.indptr) > 0
        has_en = np.diff(x.en.indptr) > 0
        if has_zh.any():
            proba += np.nan_to_num(share)[:, None] * zh_proba(self.zh.logits(x.zh))
        if has_en.any():
            proba += np.nan_to_num(1.0 - share)[:, None] * _softmax(self.en.logits(x.en))
        proba[np.isnan(share)] = (0.0, 1.0, 0.0)
        return proba

    def predict_proba_many(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Class probabilities for each text, columns in `LABELS` order."""
        return self.proba_of(features.featurize(texts, self.lexicon))

    def decide(self, proba: npt.NDArray[np.float64]) -> list[Sentiment]:
        """Label and score: polarity is P(pos) − P(neg); weak polarity is neutral."""
        out: list[Sentiment] = []
        for p_neg, p_neu, p_pos in proba.tolist():
            score = max(-1.0, min(1.0, p_pos - p_neg))
            best = max(range(3), key=(p_neg, p_neu, p_pos).__getitem__)
            if best != 1 and abs(score) < self.neutral_margin:
                best = 1
            # Keep the sign consistent with the label a user reads.
            if (best == 2 and score <= 0) or (best == 0 and score >= 0):
                best = 1
            out.append(Sentiment(LABELS[best], round(score, 4)))
        return out

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
