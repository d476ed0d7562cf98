"""Held-out figures of the sentiment model and of two baselines (build time).

    python -m yuqing.analysis.sentiment.evaluate --data ../shared/data [--model FILE]
        [--no-snownlp] [--out figures.json]

The dev sets are those of `splits` (never trained on). Each set is scored the way its
labels allow:

- binary corpora (ChnSentiCorp dev, the weibo_senti_100k slice): accuracy of the polarity
  (P(positive) > P(negative)), neutral not being an answer there;
- three-class Weibo sets (SMP2020 usual eval, the NLPCC 2014 slice): macro-F1 and
  accuracy of the label, emoticon tags removed from the scored texts;
- TweetEval val: macro-recall of the label (its official measure).

Baselines, trained and measured the same way: TF-IDF + logistic regression (scikit-learn,
character 1–2-grams for Chinese, words 1–2-grams for English, on the same training part
and the same calibration-free argmax), and snownlp 0.12 as published (its own review
model; `pip install -e '.[sentiment-eval]'`), whose P(positive) s gives the polarity and,
for three classes, neutral for s inside a band chosen on the calibration part.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from yuqing.analysis.sentiment import corpora
from yuqing.analysis.sentiment.corpora import Example
from yuqing.analysis.sentiment.splits import Splits

Proba = npt.NDArray[np.float64]
ProbaFn = Callable[[Sequence[str], str], Proba]
LabelFn = Callable[[Proba, str], npt.NDArray[np.int64]]

BINARY = ("chnsenticorp_dev", "weibo_senti_dev")
BAND_SAMPLE = 800
# Sets whose texts are scored with their emoticon tags removed (Weibo, human labels; the
# weibo_senti texts are read tag-free already).
NO_TAGS = ("smp2020_usual_eval", "nlpcc_dev")
# Which head/calibration of a model reads a set: reviews or social posts.
DOMAIN_OF_SET = {
    "chnsenticorp_dev": "review",
    "smp2020_usual_eval": "microblog",
    "weibo_senti_dev": "microblog",
    "nlpcc_dev": "microblog",
    "tweeteval_val": "microblog",
}


def macro_recall(y: npt.NDArray[np.int64], pred: npt.NDArray[np.int64]) -> float:
    return float(np.mean([np.mean(pred[y == k] == k) for k in np.unique(y)]))


def macro_f1(y: npt.NDArray[np.int64], pred: npt.NDArray[np.int64]) -> float:
    scores = []
    for k in np.unique(y):
        tp = np.sum((pred == k) & (y == k))
        prec = tp / max(1, np.sum(pred == k))
        rec = tp / max(1, np.sum(y == k))
        scores.append(0.0 if tp == 0 else 2 * prec * rec / (prec + rec))
    return float(np.mean(scores))


def ece(proba: Proba, y: npt.NDArray[np.int64], bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence (equal-width bins)."""
    conf = proba.max(axis=1)
    right = proba.argmax(axis=1) == y
    edges = np.minimum((conf * bins).astype(np.int64), bins - 1)
    total = 0.0
    for b in range(bins):
        inside = edges == b
        if inside.any():
            total += inside.mean() * abs(conf[inside].mean() - right[inside].mean())
    return float(total)


def texts_of(name: str, examples: Sequence[Example]) -> list[str]:
    strip = name in NO_TAGS
    return [corpora.strip_tags(ex.text) if strip else ex.text for ex in examples]


def score(
    dev: dict[str, list[Example]], proba_fn: ProbaFn, label_fn: LabelFn | None = None
) -> dict[str, dict[str, float]]:
    """The figures of one model on every dev set (see the module docstring)."""
    out: dict[str, dict[str, float]] = {}
    for name, examples in dev.items():
        if not examples:
            continue
        y = np.array([ex.label for ex in examples], dtype=np.int64)
        proba = proba_fn(texts_of(name, examples), name)
        if name in BINARY:
            sign = np.where(proba[:, 2] > proba[:, 0], 2, 0)
            out[name] = {"n": len(y), "accuracy": round(float(np.mean(sign == y)), 4)}
            continue
        pred = label_fn(proba, name) if label_fn else proba.argmax(axis=1)
        figures = {
            "n": len(y),
            "accuracy": round(float(np.mean(pred == y)), 4),
            "macro_f1": round(macro_f1(y, pred), 4),
        }
        if name == "tweeteval_val":
            figures["macro_recall"] = round(macro_recall(y, pred), 4)
        out[name] = figures
    return out


# -- baselines --------------------------------------------------------------------------


def tfidf_lr(splits: Splits) -> ProbaFn:
    """TF-IDF + logistic regression on the same training part, one per language."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    zh = [ex for ex in splits.train if ex.source != "tweeteval"]
    en = [ex for ex in splits.train if ex.source == "tweeteval"]
    models = {}
    for lang, examples, vectorizer in (
        (
            "zh",
            zh,
            TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        ),
        ("en", en, TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
    ):
        pipe = make_pipeline(vectorizer, LogisticRegression(max_iter=1000))
        pipe.fit([ex.text for ex in examples], [ex.label for ex in examples])
        models[lang] = pipe

    def proba(texts: Sequence[str], name: str) -> Proba:
        pipe = models["en" if name == "tweeteval_val" else "zh"]
        p = pipe.predict_proba(list(texts))
        out = np.zeros((len(texts), 3))
        out[:, pipe.classes_] = p
        return out

    return proba


def snownlp_scores(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    from snownlp import SnowNLP

    return np.array([SnowNLP(t).sentiments if t.strip() else 0.5 for t in texts])


def snownlp_band(calib: Sequence[Example]) -> tuple[float, float]:
    """The neutral band (lo, hi) of snownlp's s with the best macro-F1 on (every k-th of)
    the Weibo posts of the calibration part that have a neutral class."""
    weibo = [ex for ex in calib if ex.source in ("smp2020_usual", "smp2020_virus", "nlpcc2014")]
    # snownlp reads ~80 texts/s: a fixed sample of them is enough to place two thresholds.
    weibo = weibo[:: max(1, len(weibo) // BAND_SAMPLE)]
    s = snownlp_scores([corpora.strip_tags(ex.text) for ex in weibo])
    y = np.array([ex.label for ex in weibo], dtype=np.int64)
    best = (0.0, (0.5, 0.5))
    grid = np.linspace(0.05, 0.95, 19)
    for lo in grid:
        for hi in grid[grid >= lo]:
            pred = np.where(s < lo, 0, np.where(s > hi, 2, 1))
            f1 = macro_f1(y, pred)
            if f1 > best[0]:
                best = (f1, (float(lo), float(hi)))
    return best[1]


def snownlp_fn(band: tuple[float, float]) -> tuple[ProbaFn, LabelFn]:
    def proba(texts: Sequence[str], name: str) -> Proba:
        s = snownlp_scores(texts)
        return np.stack([1 - s, np.zeros_like(s), s], axis=1)

    def labels(p: Proba, name: str) -> npt.NDArray[np.int64]:
        s = p[:, 2]
        out: npt.NDArray[np.int64] = np.where(s < band[0], 0, np.where(s > band[1], 2, 1))
        return out

    return proba, labels


def main(argv: Sequence[str] | None = None) -> int:
    from yuqing.analysis.sentiment import splits as splits_mod
    from yuqing.analysis.sentiment.model import SentimentModel

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--model", type=Path, help="a model.npz (default: the shipped one)")
    parser.add_argument("--no-snownlp", action="store_true")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)

    parts = splits_mod.split(splits_mod.read_all(args.data))
    model = SentimentModel.load(args.model)
    figures: dict[str, Any] = {
        "yuqing": score(parts.dev, model_proba_fn(model), model_label_fn(model)),
        "tfidf_lr": score(parts.dev, tfidf_lr(parts)),
    }
    print(json.dumps(figures, indent=1), file=sys.stderr, flush=True)  # noqa: T201
    if not args.no_snownlp:
        band = snownlp_band(parts.calib)
        proba, labels = snownlp_fn(band)
        figures["snownlp"] = score(parts.dev, proba, labels)
        figures["snownlp_neutral_band"] = band
    text = json.dumps(figures, indent=1)
    print(text)  # noqa: T201
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


def model_proba_fn(model: Any) -> ProbaFn:
    def proba(texts: Sequence[str], name: str) -> Proba:
        out: Proba = model.predict_proba_many(texts, domain=DOMAIN_OF_SET.get(name))
        return out

    return proba


def model_label_fn(model: Any) -> LabelFn:
    def labels(p: Proba, name: str) -> npt.NDArray[np.int64]:
        out: npt.NDArray[np.int64] = model.label_ids(p)
        return out

    return labels


if __name__ == "__main__":
    raise SystemExit(main())
