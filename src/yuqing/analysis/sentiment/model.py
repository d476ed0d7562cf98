"""The shipped sentiment model: hashed n-gram TF-IDF features and a 3-class linear model.

Run time needs numpy only. The model is one compressed `.npz` of plain arrays (IDF per
bucket, weights, intercepts) plus a JSON string of metadata; it is loaded with
`allow_pickle=False`, so a tampered model file cannot run code, and no scikit-learn
version ties the file to the install.

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


class SentimentModel:
    """A linear softmax classifier over `features` (see the module docstring)."""

    def __init__(
        self,
        *,
        idf: npt.NDArray[np.floating],
        coef: npt.NDArray[np.floating],
        intercept: npt.NDArray[np.floating],
        neutral_margin: float = 0.0,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if idf.shape != (features.N_FEATURES,) or coef.shape != (features.N_COLUMNS, 3):
            raise ValueError("model arrays do not match the featurizer's dimensions")
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.neutral_margin = float(neutral_margin)
        self.meta = meta or {}

    @classmethod
    def load(cls, path: Path | None = None) -> SentimentModel:
        """Load a model file; the one shipped inside the package by default."""
        source = resources.files(__package__).joinpath("data", MODEL_FILE) if path is None else path
        with source.open("rb") as fh, np.load(fh, allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["meta"]))
            return cls(
                idf=arrays["idf"],
                coef=arrays["coef"],
                intercept=arrays["intercept"],
                neutral_margin=float(meta.get("neutral_margin", 0.0)),
                meta=meta,
            )

    def save(self, path: Path) -> None:
        """Write the model as compressed float16 arrays (halves the size; scores move < 1e-3)."""
        meta = {**self.meta, "neutral_margin": self.neutral_margin}
        np.savez_compressed(
            path,
            idf=self.idf.astype(np.float16),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            meta=np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        )

    # -- batch API -------------------------------------------------------------------

    def proba_of_batch(self, batch: features.Batch) -> npt.NDArray[np.float64]:
        """Class probabilities (negative, neutral, positive) of raw featurized rows.

        A row without any feature (empty, emoji-only, markup-only text) gets exactly
        neutral: nothing can be said about it.
        """
        x = features.weight(batch, self.idf)
        n = x.n_rows
        rows = np.repeat(np.arange(n), np.diff(x.indptr))
        contrib = self.coef[x.indices] * x.data[:, None]
        logits = np.empty((n, 3), dtype=np.float64)
        for k in range(3):
            logits[:, k] = np.bincount(rows, weights=contrib[:, k], minlength=n)
        logits += self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        empty = np.diff(x.indptr) == 0
        proba[empty] = (0.0, 1.0, 0.0)
        return proba

    def predict_proba_many(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Class probabilities for each text, columns in `LABELS` order."""
        return self.proba_of_batch(features.raw_batch(texts))

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
