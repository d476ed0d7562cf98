"""The shipped sentiment model: a Chinese and an English linear model over hashed n-grams.

Texts are routed by script (`features.route_share`): the Chinese model reads CJK text, the
English model Latin-script text, a mixed text gets the average of both weighted by the
share of each script. The Chinese model is two-stage: a polarity logit (positive vs
negative) from the head of the text's domain (reviews, microblog posts, or the general
head trained on both for news and forum posts) and a neutral logit (neutral vs not,
trained on Weibo posts with the reviews as non-neutral), combined as P(neu) = σ(n),
P(pos) = (1 − P(neu))·σ(p), P(neg) = (1 − P(neu))·(1 − σ(p)). The English model is a
3-class softmax with VADER lexicon features beside the n-grams.

A file may also hold a hidden-layer part per language (`bag.BagPart`, format 6, built with
`yuqing model train --hidden-layer`): its logits are added to the linear ones before the
calibration. The shipped model has none (measured: no gain; docs/sentiment.md).

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
from yuqing.analysis.sentiment.bag import BagPart

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, Label, Label] = ("negative", "neutral", "positive")
MODEL_FILE = "model.npz"
FORMAT = 6
# Formats this code reads: 3 (two Chinese logits, no calibration), 4 (three: no review
# head, reviews read by the general head), 5 (four: the review head), 6 (5 with an
# optional hidden-layer part per language, `bag.BagPart`, whose logits add to the linear ones).
FORMAT_LINEAR = 5
READABLE_FORMATS = (3, 4, FORMAT_LINEAR, FORMAT)

# Kinds of text (CONTRACTS Post `platform` → `domain_of_platform`). The Chinese model has a
# polarity head for reviews, one for microblog posts and a general one (reviews and posts
# together), each with its own calibration; news and forum posts have no labelled data of
# their own and are read by the general head (`head_of_domain`).
Domain = Literal["review", "microblog", "news", "forum"]
DOMAINS: tuple[Domain, ...] = ("review", "microblog", "news", "forum")
DEFAULT_DOMAIN: Domain = "microblog"
# One domain for a whole batch, one per text, or None (the default domain).
Domains = str | Sequence[str] | None
_PLATFORM_DOMAIN: dict[str, Domain] = {
    "news": "news",
    "portal": "news",
    "forum": "forum",
    "board": "forum",
    "qa": "forum",
    "review": "review",
}


def domain_of_platform(platform: str | None) -> Domain:
    """The domain a post's platform reads as (microblog for social and unknown ones)."""
    return _PLATFORM_DOMAIN.get(platform or "", DEFAULT_DOMAIN)


# Polarity heads: the column of the Chinese weights each one is (column 1 is the neutral
# logit) and the calibration row it uses.
HEADS = ("general", "microblog", "review")
_HEAD_COLUMN = {"general": 0, "microblog": 2, "review": 3}


def head_of_domain(domain: str) -> str:
    """Which polarity head (and calibration row) reads a domain: reviews the review head
    (trained on reviews alone), microblog posts the microblog head (Weibo alone), news
    and forum posts the general head trained on both: they have no labelled data of their
    own, and on text unlike either corpus the head that has seen both is the safer one
    (docs/sentiment.md, "Which head reads which text")."""
    if domain in ("review", "microblog"):
        return domain
    return "general"


@dataclass(frozen=True, slots=True)
class Calibration:
    """Affine maps of the logits fitted on held-out data (minimum log-loss).

    Chinese, per calibration row (one per polarity head: general, microblog, review):
    polarity and neutral logits become a·z + b each (Platt scaling of the two heads).
    English: logits / T + b (temperature scaling with class offsets). Identity by default.
    """

    zh: dict[str, tuple[float, float, float, float]]
    en: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)

    @classmethod
    def identity(cls) -> Calibration:
        return cls(dict.fromkeys(HEADS, (1.0, 0.0, 1.0, 0.0)))

    def as_json(self) -> dict[str, Any]:
        return {"zh": {k: list(v) for k, v in self.zh.items()}, "en": list(self.en)}

    @classmethod
    def from_json(cls, data: Any) -> Calibration:
        if not data:
            return cls.identity()
        zh = {str(k): _four(v) for k, v in data["zh"].items()}
        # Format 4 had no review head: its "review" row calibrated the general head.
        if "general" not in zh and "review" in zh:
            zh["general"] = zh["review"]
        return cls(zh, _four(data["en"]))


def _four(v: Any) -> tuple[float, float, float, float]:
    a, b, c, d = (float(x) for x in v)
    return (a, b, c, d)


@dataclass(frozen=True, slots=True)
class Sentiment:
    """What `yuqing classify` adds to a post (CONTRACTS): a label and a polarity in [-1, 1]."""

    label: Label
    score: float
    # Calibrated probability that the label is right (see docs/sentiment.md, Calibration).
    confidence: float = 1.0
    # Which model gave the label, recorded only when an endpoint may label posts
    # (docs/llm.md): `endpoint:NAME` or the shipped model's name.
    model: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "score": self.score,
            "confidence": self.confidence,
        }
        if self.model is not None:
            out["model"] = self.model
        return out


MAX_LOGITS = 7


class LinearPart:
    """Linear logits over one hashed feature space plus its dense features.

    `idf` (one per bucket), `coef` (one row per bucket, one column per logit),
    `dense_coef` (one row per dense feature), `intercept`. At run time the IDF and the
    weights are read together from one packed table row per bucket: [IDF, weights…] in
    float16, zero-padded to 4 or 8 values (8 or 16 bytes, one cache line per lookup).
    The file stores float16 already, so the table holds exactly the saved values.
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
        if coef.shape[1] > MAX_LOGITS:
            raise ValueError(f"at most {MAX_LOGITS} logits")
        self.n_logits = coef.shape[1]
        width = 4 if self.n_logits < 4 else 8
        self.table = np.empty((idf.shape[0], width), dtype=np.float16)
        self.table[:, 0] = idf
        self.table[:, 1 : 1 + self.n_logits] = coef
        self.table[:, 1 + self.n_logits :] = 0.0
        self.dense_coef = dense_coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)

    @property
    def idf(self) -> npt.NDArray[np.float16]:
        return self.table[:, 0]

    @property
    def coef(self) -> npt.NDArray[np.float16]:
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
        calibration: Calibration | None = None,
        meta: dict[str, Any] | None = None,
        zh_bag: BagPart | None = None,
        en_bag: BagPart | None = None,
    ) -> None:
        if (
            zh.coef.shape[0] != features.ZH_BUCKETS
            or zh.n_logits not in (2, 3, 4)
            or zh.dense_coef.shape[0] != features.N_ZH_DENSE
        ):
            raise ValueError("the Chinese model does not match the featurizer's dimensions")
        if en.coef.shape != (features.EN_BUCKETS, 3) or en.dense_coef.shape[0] != (
            features.N_EN_DENSE
        ):
            raise ValueError("the English model does not match the featurizer's dimensions")
        parts = ((zh_bag, zh, features.ZH_BUCKETS), (en_bag, en, features.EN_BUCKETS))
        for bag, linear, buckets in parts:
            if bag is not None and (
                bag.n_buckets() != buckets
                or bag.n_logits != linear.n_logits
                or bag.dense_w.shape[0] != linear.dense_coef.shape[0]
            ):
                raise ValueError("a hidden-layer part does not match its linear part")
        self.zh_bag = zh_bag
        self.en_bag = en_bag
        self.zh = zh
        self.en = en
        self.tables = tables
        self.neutral_margin = float(neutral_margin)
        self.calibration = calibration or Calibration.identity()
        self.meta = meta or {}

    @classmethod
    def load(cls, path: Path | None = None) -> SentimentModel:
        """Load a model file; the one shipped inside the package by default."""
        source = resources.files(__package__).joinpath("data", MODEL_FILE) if path is None else path
        with source.open("rb") as fh, np.load(fh, allow_pickle=False) as a:
            meta = json.loads(str(a["meta"]))
            if meta.get("format") not in READABLE_FORMATS:
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
                calibration=Calibration.from_json(meta.get("calibration")),
                meta=meta,
                zh_bag=BagPart.from_arrays(a, "zh_bag_"),
                en_bag=BagPart.from_arrays(a, "en_bag_"),
            )
        # Part of loading: rjieba reads its dictionary once, not inside the first batch.
        features.warm_up()
        return model

    def save(self, path: Path) -> None:
        """Write the model as compressed float16 arrays (halves the size; scores move < 1e-3)."""
        meta = {
            **self.meta,
            "neutral_margin": self.neutral_margin,
            "calibration": self.calibration.as_json(),
            # Without a hidden layer the file is a format-5 file, as older code reads it.
            "format": FORMAT if self.zh_bag or self.en_bag else FORMAT_LINEAR,
        }
        valence = self.tables.lexicon.valence
        words = sorted(valence)
        arrays: dict[str, Any] = {
            **self.zh.arrays("zh_"),
            **self.en.arrays("en_"),
            **(self.zh_bag.arrays("zh_bag_") if self.zh_bag else {}),
            **(self.en_bag.arrays("en_bag_") if self.en_bag else {}),
            "fold_pairs": self.tables.fold.pairs,
            "lexicon_words": np.array("\n".join(words)),
            "lexicon_values": np.array([valence[w] for w in words], dtype=np.float32),
            "meta": np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        }
        _save_npz(path, arrays)

    # -- batch API -------------------------------------------------------------------

    def featurize(self, texts: Sequence[str]) -> features.Featurized:
        return features.featurize(texts, self.tables)

    def head_column(self, head: str) -> int:
        """The column of the Chinese weights that a polarity head is in this file: a head
        the file lacks (older formats) falls back to the general one (column 0)."""
        column = _HEAD_COLUMN[head]
        return column if column < self.zh.n_logits else 0

    def zh_logits(
        self, x: features.Featurized, domains: Domains = None, *, calibrated: bool = True
    ) -> npt.NDArray[np.float64]:
        """The Chinese (polarity, neutral) logits: the polarity head of each text's
        domain, then that head's calibration."""
        raw = self.zh_raw_logits(x)
        heads = _domain_heads(domains, len(raw))
        logits = raw[:, :2].copy()
        for head in HEADS:
            sel = heads == head
            if not sel.any():
                continue
            logits[sel, 0] = raw[sel, self.head_column(head)]
            if calibrated:
                a, b, c, d = self.calibration.zh.get(head, (1.0, 0.0, 1.0, 0.0))
                logits[sel, 0] = a * logits[sel, 0] + b
                logits[sel, 1] = c * logits[sel, 1] + d
        return logits

    def zh_raw_logits(self, x: features.Featurized) -> npt.NDArray[np.float64]:
        """Every Chinese logit column before heads are picked: linear (+ hidden layer)."""
        raw = self.zh.logits(x.zh, x.zh_dense)
        if self.zh_bag is not None:
            raw += self.zh_bag.logits(x.zh, x.zh_dense, self.zh.idf)
        return raw

    def en_logits(
        self, x: features.Featurized, *, calibrated: bool = True
    ) -> npt.NDArray[np.float64]:
        logits = self.en.logits(x.en, x.en_dense)
        if self.en_bag is not None:
            logits += self.en_bag.logits(x.en, x.en_dense, self.en.idf)
        if calibrated:
            t, *offsets = self.calibration.en
            logits = logits / t + np.array(offsets)
        return logits

    def proba_of(
        self, x: features.Featurized, domains: Domains = None, *, calibrated: bool = True
    ) -> npt.NDArray[np.float64]:
        """Class probabilities (negative, neutral, positive) of featurized texts.

        `domains`: one domain for all texts, one per text, or None (microblog). A text
        without Chinese or Latin words (empty, emoji-only, markup-only) gets exactly
        neutral: nothing can be said about it.
        """
        share = x.zh_share
        known = ~np.isnan(share)
        proba = np.zeros((len(share), 3), dtype=np.float64)
        zh_w = np.where(known, share, 0.0)
        if (zh_w > 0).any():
            logits = self.zh_logits(x, domains, calibrated=calibrated)
            proba += zh_w[:, None] * zh_proba(logits)
        if (zh_w < 1)[known].any():
            en_w = np.where(known, 1.0 - zh_w, 0.0)
            proba += en_w[:, None] * _softmax(self.en_logits(x, calibrated=calibrated))
        proba[~known] = (0.0, 1.0, 0.0)
        return proba

    def predict_proba_many(
        self, texts: Sequence[str], domain: Domains = None
    ) -> npt.NDArray[np.float64]:
        """Class probabilities for each text, columns in `LABELS` order."""
        return self.proba_of(self.featurize(texts), domain)

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
        """Label, score and confidence: polarity is P(pos) − P(neg); weak polarity is
        neutral; confidence is the calibrated probability of the label given."""
        score = np.round(np.clip(proba[:, 2] - proba[:, 0], -1.0, 1.0), 4) + 0.0
        ids = self.label_ids(proba)
        conf = np.round(proba[np.arange(len(ids)), ids], 4) + 0.0
        return [
            Sentiment(LABELS[i], s, c)
            for i, s, c in zip(ids.tolist(), score.tolist(), conf.tolist(), strict=True)
        ]

    def classify_many(self, texts: Sequence[str], domain: Domains = None) -> list[Sentiment]:
        """Label, score and confidence of each text (`domain`: see `proba_of`)."""
        return self.decide(self.predict_proba_many(texts, domain))

    def predict_many(self, texts: Sequence[str], domain: Domains = None) -> list[Label]:
        """The label of each text."""
        return [s.label for s in self.classify_many(texts, domain)]

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


def _save_npz(path: Path, arrays: dict[str, Any]) -> None:
    """`np.savez_compressed` with fixed entry dates, so the same arrays give the same
    bytes (numpy stamps each entry with the current time): a build's hash says whether
    two builds made the same model. Written next to `path`, then renamed over it."""
    import io
    import os
    import zipfile

    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, value in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())
    os.replace(tmp, path)


def _domain_heads(domains: Domains, n: int) -> npt.NDArray[np.str_]:
    """The polarity head (`HEADS`) that reads each text."""
    if domains is None or isinstance(domains, str):
        return np.full(n, head_of_domain(domains or DEFAULT_DOMAIN))
    if len(domains) != n:
        raise ValueError("one domain per text")
    return np.array([head_of_domain(d) for d in domains])


@lru_cache(maxsize=1)
def get_model() -> SentimentModel:
    """The shipped model, loaded once per process."""
    return SentimentModel.load()
