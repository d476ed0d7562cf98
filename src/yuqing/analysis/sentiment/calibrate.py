"""Calibration of the sentiment model on held-out data (build time, needs scipy).

The model's probabilities come from regularised logistic regressions trained with class
and source weights, so they are not frequencies. Fitted here on the calibration part of
`splits` (never trained on), by minimum log-loss:

- Chinese, microblog row: a·z on the polarity logit (a temperature: the polarity decided
  does not change) and c·n + d on the neutral logit (Platt scaling: the neutral head's
  prior came from the training weights), on the Weibo posts: three-class log-loss for
  the sets annotated with neutral (SMP2020, NLPCC), the polarity log-loss given "not
  neutral" for weibo_senti_100k (binary labels);
- Chinese, review row: a on the reviews' polarity (binary corpora), read by the review
  head; c, d are the microblog row's (reviews carry no neutral label to fit them on);
- Chinese, general row (news and forum posts): a on every calibration text read by the
  general head (reviews and posts: what it was trained on), c, d the microblog row's;
- English: logits / T on TweetEval (temperature scaling).

Stored as (a, b, c, d) and (T, b0, b1, b2) with the offsets b at 0: the format allows
them (a later build may fit them) and the model applies them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from yuqing.analysis.sentiment import corpora
from yuqing.analysis.sentiment.corpora import Example
from yuqing.analysis.sentiment.model import Calibration, zh_proba

F64 = npt.NDArray[np.float64]
EPS = 1e-12
# Fewer held-out texts than this for a row: its calibration stays the identity.
MIN_TEXTS = 100
IDENTITY = (1.0, 0.0, 1.0, 0.0)
THREE_CLASS_SOURCES = frozenset(
    {"smp2020_usual", "smp2020_virus", "smp2020_eval", "nlpcc2014", "corrections"}
)


def _log_sigmoid(z: F64) -> F64:
    out: F64 = -np.logaddexp(0.0, -z)
    return out


def zh_loss(params: Sequence[float] | F64, logits: F64, y: F64, three: F64) -> float:
    """Mean log-loss of (a, b, c, d) on Chinese logits; `three` marks three-class rows."""
    a, b, c, d = params
    z = np.stack([a * logits[:, 0] + b, c * logits[:, 1] + d], axis=1)
    p = np.clip(zh_proba(z), EPS, 1.0)
    idx = y.astype(np.int64)
    full = -np.log(p[np.arange(len(y)), idx])
    sign = np.where(idx == corpora.POSITIVE, 1.0, -1.0)
    polar = -_log_sigmoid(sign * z[:, 0])
    return float(np.mean(np.where(three > 0, full, polar)))


def _minimize(fun: Callable[[F64], float], x0: Sequence[float]) -> F64:
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    res = minimize(
        fun,
        np.array(x0, dtype=np.float64),
        method="Nelder-Mead",
        options={"xatol": 1e-4, "fatol": 1e-7, "maxiter": 4000},
    )
    out: F64 = res.x
    return out


def fit_zh_row(
    logits: F64, examples: Sequence[Example], fixed_neutral: tuple[float, float] | None
) -> tuple[float, float, float, float]:
    """(a, 0, c, d): the polarity logit scaled (a temperature: the sign, so the polarity
    decided, stays), the neutral logit scaled and shifted (the neutral head's prior was
    set by training weights, not by how often posts are neutral)."""
    y = np.array([ex.label for ex in examples], dtype=np.float64)
    three = np.array([ex.source in THREE_CLASS_SOURCES for ex in examples], dtype=np.float64)
    if fixed_neutral is None:
        x = _minimize(lambda p: zh_loss((p[0], 0.0, p[1], p[2]), logits, y, three), (1.0, 1.0, 0.0))
        return (float(x[0]), 0.0, float(x[1]), float(x[2]))
    c, d = fixed_neutral
    x = _minimize(lambda p: zh_loss((p[0], 0.0, c, d), logits, y, three), (1.0,))
    return (float(x[0]), 0.0, c, d)


def en_loss(params: Sequence[float] | F64, logits: F64, y: npt.NDArray[np.int64]) -> float:
    z = logits / max(float(params[0]), 1e-3)
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(len(y)), y]))


def fit_en(logits: F64, examples: Sequence[Example]) -> tuple[float, float, float, float]:
    """(T, 0, 0, 0): a temperature only. Class offsets fitted by log-loss favour the
    frequent neutral class and cost three points of TweetEval macro-recall."""
    y = np.array([ex.label for ex in examples], dtype=np.int64)
    x = _minimize(lambda p: en_loss(p, logits, y), (1.0,))
    return (float(x[0]), 0.0, 0.0, 0.0)


def fit(
    zh_logits: dict[str, F64],
    zh_examples: Sequence[Example],
    zh_is_review: npt.NDArray[np.bool_],
    en_logits: F64,
    en_examples: Sequence[Example],
) -> Calibration:
    """The calibration of uncalibrated logits of the calibration part (see module doc).

    `zh_logits`: per polarity head ("general", "microblog", "review"), its (polarity,
    neutral) logits of every Chinese calibration text."""
    rows = {
        "microblog": np.flatnonzero(~zh_is_review),
        "review": np.flatnonzero(zh_is_review),
        "general": np.arange(len(zh_examples)),
    }

    def row(head: str, fixed_neutral: tuple[float, float] | None) -> tuple[float, ...]:
        idx = rows[head]
        if len(idx) < MIN_TEXTS:
            return (1.0, 0.0, *(fixed_neutral or (1.0, 0.0)))
        return fit_zh_row(zh_logits[head][idx], [zh_examples[int(i)] for i in idx], fixed_neutral)

    microblog = _four(row("microblog", None))
    neutral = (microblog[2], microblog[3])
    zh = {
        "general": _four(row("general", neutral)),
        "microblog": microblog,
        "review": _four(row("review", neutral)),
    }
    en = fit_en(en_logits, en_examples) if len(en_examples) >= MIN_TEXTS else IDENTITY
    return Calibration(zh, en)


def _four(v: Sequence[float]) -> tuple[float, float, float, float]:
    a, b, c, d = v
    return (a, b, c, d)
