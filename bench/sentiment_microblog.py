"""Experiment: how far the Weibo figures are from what the texts allow (issue 15; not shipped).

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python bench/sentiment_microblog.py polarity 8 2 0.5 "8:weibo_senti_100k=3"
    .venv/bin/python bench/sentiment_microblog.py three 4:1 1:1 16:1
    .venv/bin/python bench/sentiment_microblog.py reader
    .venv/bin/python bench/sentiment_microblog.py own 8 2

- `polarity C[:source=weight,...] ...`: the microblog head (polar Weibo posts) fitted with
  inverse regularisation C and per-corpus weights on top of the class balance; sign
  accuracy on held-out slices of the *training* part (split hash in [0.5, 0.6) of each
  Weibo corpus: weibo_senti_100k, SMP2020 usual and virus, NLPCC), never the dev sets.
- `three C_NEUTRAL:POLAR_WEIGHT ...`: three-class macro-F1 on the same slices, from the
  microblog head (C = 8 and C = 2) and a neutral head with that C and that weight of the
  polar-only corpora; each pair with the neutral offset best for the mean of the SMP2020
  usual and NLPCC slices (the same grid for every pair) and with offset 0.
- `own C ...`: the reposter's own words (the text before the first `//@`; nothing for a
  text without a repost chain) as a second block of the same features, IDF-weighted and
  normalised apart, beside the whole text's; the `polarity` figures with and without it.
- `reader`: 80 texts of the weibo_senti dev slice drawn with a fixed seed, tags stripped,
  as a person read them without their labels (`READ` below: p positive, n negative, x no
  sentiment a reader can tell); agreement with the emoticon labels, and the shipped
  model's accuracy on the texts the reader could and could not call.

Same features, IDF, class weights and tolerance as `train.py`; one logit, float32,
uncalibrated. The figures are in docs/sentiment.md ("How far the Weibo figures can go").
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sentiment_sources
from sentiment_sources import log

from yuqing.analysis.sentiment import corpora, evaluate, features, splits, train
from yuqing.analysis.sentiment.model import SentimentModel

ROOT = Path(__file__).resolve().parent.parent
WEIBO = ("weibo_senti_100k", "smp2020_usual", "smp2020_virus", "nlpcc2014")
SEED = 20261207
# What a person read in each sampled text (in sample order), labels hidden: 2026-12-07.
READ = "".join(
    (
        "npxnnpxppxpxpxxnpxnp",
        "xxnppnpppxnnxnxpnnpp",
        "xppnxppnnppnnxpxpxnp",
        "xnxnpxxxpxxnpnnnnxnp",
    )
)


class Slices:
    """The Chinese training rows, and which of them are the held-out Weibo slices."""

    def __init__(self, d: dict[str, Any]) -> None:
        zh = d["zh"]
        self.examples = zh.examples
        self.x, _ = train.design(zh, train.idf_of(zh.raw, features.ZH_BUCKETS))
        self.source = np.array([e.source for e in zh.examples])
        self.y = np.array([e.label for e in zh.examples])
        frac = np.array([splits.fraction(splits.key_of(e.text)) for e in zh.examples])
        self.weibo = np.isin(self.source, WEIBO)
        self.held = (frac >= 0.5) & (frac < 0.6) & self.weibo
        self.polar = self.y != corpora.NEUTRAL
        self.pos = self.y == corpora.POSITIVE

    def rows(self, source: str) -> np.ndarray:
        return np.flatnonzero(self.held & (self.source == source))

    def microblog_head(self, c: float, weight: dict[str, float] | None = None) -> Any:
        idx = np.flatnonzero(self.polar & self.weibo & ~self.held)
        examples = [self.examples[i] for i in idx]
        w = train.sample_weights(examples)
        w *= np.array([(weight or {}).get(e.source, 1.0) for e in examples])
        return train._logreg(self.x[idx], self.pos[idx], w, c, train.TOL_POLARITY)

    def neutral_head(self, c: float, polar_weight: float) -> Any:
        idx = np.flatnonzero(~self.held)
        examples = [self.examples[i] for i in idx]
        w = train.sample_weights(examples)
        annotated = np.array([e.source in train.NEUTRAL_SOURCES for e in examples])
        w[~annotated] *= polar_weight * w[annotated].sum() / w[~annotated].sum()
        return train._logreg(self.x[idx], self.y[idx] == corpora.NEUTRAL, w, c)


def polarity(s: Slices, specs: list[str]) -> None:
    for spec in specs:
        c, _, weights = spec.partition(":")
        weight = {k: float(v) for k, v in (p.split("=") for p in filter(None, weights.split(",")))}
        head = s.microblog_head(float(c), weight)
        figures = []
        for source in WEIBO:
            idx = np.flatnonzero(s.held & s.polar & (s.source == source))
            right = (head.decision_function(s.x[idx]) > 0) == s.pos[idx]
            figures.append(f"{source} {right.mean():.4f} ({len(idx)})")
        log(f"C={c}", weight or "", " ".join(figures))


def three(s: Slices, specs: list[str]) -> None:
    heads = {c: s.microblog_head(c) for c in (8.0, 2.0)}
    sets = ("smp2020_usual", "nlpcc2014", "smp2020_virus")
    for spec in specs:
        c, polar_weight = map(float, spec.split(":"))
        neutral = s.neutral_head(c, polar_weight)
        for pc, head in heads.items():
            by_offset = []
            for offset in np.arange(-2.0, 2.01, 0.25):
                f1 = []
                for source in sets:
                    idx = s.rows(source)
                    p = 1 / (1 + np.exp(-head.decision_function(s.x[idx])))
                    n = 1 / (1 + np.exp(-(neutral.decision_function(s.x[idx]) + offset)))
                    pred = np.stack([(1 - n) * (1 - p), n, (1 - n) * p], 1).argmax(1)
                    f1.append(evaluate.macro_f1(s.y[idx], pred))
                by_offset.append((float(np.mean(f1[:2])), float(offset), f1))
            for mean, offset, f1 in (max(by_offset), by_offset[8]):
                row = " ".join(f"{k} {v:.4f}" for k, v in zip(sets, f1, strict=True))
                log(f"polarity C={pc} neutral C={c} polar weight {polar_weight}:",
                    f"offset {offset:+.2f}", row, f"mean of the first two {mean:.4f}")  # fmt: skip


def own_words(s: Slices, d: dict[str, Any], specs: list[str]) -> None:
    from scipy.sparse import csr_matrix, hstack

    texts = [e.text.split("//@")[0] if "//@" in e.text else "" for e in s.examples]
    m = features.featurize(texts, d["tables"]).zh
    idf = train.idf_of(d["zh"].raw, features.ZH_BUCKETS)
    w = features.weighted(m, idf)
    block = csr_matrix((w.values.astype(np.float64), w.cols, w.indptr), shape=(m.n_rows, len(idf)))
    whole = s.x
    log("without the block:")
    polarity(s, specs)
    s.x = hstack([whole, block[:, np.flatnonzero(idf > 0)]], format="csr")
    log(f"with the block ({sum(bool(t) for t in texts)} texts with a repost chain):")
    polarity(s, specs)


def reader(d: dict[str, Any]) -> None:
    dev = d["parts"].dev["weibo_senti_dev"]
    random.seed(SEED)
    sample = random.sample(range(len(dev)), len(READ))
    truth = ["p" if dev[i].label == corpora.POSITIVE else "n" for i in sample]
    texts = [features.strip_emoticon_tags(dev[i].text) for i in sample]
    scores = [r.score for r in SentimentModel.load().classify_many(texts, "microblog")]
    model = ["p" if score > 0 else "n" for score in scores]
    called = [i for i, r in enumerate(READ) if r != "x"]
    uncalled = [i for i, r in enumerate(READ) if r == "x"]
    agree = sum(READ[i] == truth[i] for i in called)
    log(f"reader: called {len(called)} of {len(READ)}, agreeing with the label on {agree}")
    negative = sum(truth[i] == "n" for i in uncalled)
    log(f"not called: {len(uncalled)}, {negative} of them labelled negative")
    for name, rows in (("called", called), ("not called", uncalled), ("all", range(len(READ)))):
        right = sum(model[i] == truth[i] for i in rows)
        log(f"shipped model on the texts {name}: {right} of {len(rows)}")


def main() -> None:
    what, *specs = sys.argv[1:] or ["reader"]
    d = sentiment_sources.prepare(
        ROOT.parent / "shared" / "data",
        Path(tempfile.gettempdir()) / "yuqing-sentiment-sources.pkl",
    )
    if what == "reader":
        reader(d)
    elif what in ("polarity", "three"):
        (polarity if what == "polarity" else three)(Slices(d), specs)
    elif what == "own":
        own_words(Slices(d), d, specs)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
