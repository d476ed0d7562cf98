"""Experiment: Chinese word vectors trained on our own texts beside a polarity head (issue 15;
not shipped).

    .venv/bin/pip install -e '.[train]' && .venv/bin/pip install gensim==4.4.0
    .venv/bin/python bench/sentiment_w2v_zh.py microblog|review [--dev] [--dim 100]
        [--sg] [--pool mean|mean+max] [--mix B ...]

word2vec (gensim, CBOW, seed fixed, two worker threads) on the rjieba words of every
Chinese text of the training part (all corpora and labels: the labels are not read) plus
the unlabelled Weibo posts of clustering/ced_dev; never the dev sets nor the selection
slice. A text's vector: the mean of its words' vectors (`mean+max` adds the per-dimension
value of largest magnitude), each part L2-normalised. A logistic regression on the vectors
(C = 1, classes balanced as `train.py`) gives a second polarity logit, added to the head's
n-gram logit times a weight chosen on the calibration part (never trained on).

- `microblog`: the microblog head (polar SMP2020, weibo_senti_100k, NLPCC posts); selection
  slice: weibo_senti train with split fraction in [0.5, 0.6) (as `sentiment_sources.py
  self-zh`); `--dev`: the weibo_senti dev slice.
- `review`: the review head (polar reviews of the three corpora); selection slice:
  ChnSentiCorp train with fraction in [0.5, 0.62) (as `sentiment_sources.py review`);
  `--dev`: ChnSentiCorp dev.

Figures: sign accuracy of one logit, float32, uncalibrated, as in docs/sentiment.md
("New sources of information"). The head's IDF is fitted on its own rows here (the build
fits it on every Chinese row), so its figure can differ from the shipped logit's by a
few tenths.
"""

from __future__ import annotations

import argparse
import json
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from yuqing.analysis.sentiment import corpora, features, splits, train
from yuqing.analysis.sentiment.corpora import Example

ROOT = Path(__file__).resolve().parent.parent


def log(*parts: object) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def parts_of(data: Path, cache: Path) -> Any:
    if cache.exists():
        return pickle.loads(cache.read_bytes())  # noqa: S301 - our own cache
    out = splits.split(splits.read_all(data))
    cache.write_bytes(pickle.dumps(out, protocol=5))
    return out


def words(texts: list[str]) -> list[list[str]]:
    import rjieba

    out = []
    for text in texts:
        cut = rjieba.cut(features.clean(text).lower())
        out.append([w for w in cut if w.strip()])
    return out


def pooled(kv: Any, docs: list[list[str]], with_max: bool) -> npt.NDArray[np.float32]:
    d = kv.vector_size
    out = np.zeros((len(docs), 2 * d if with_max else d), dtype=np.float32)
    for i, doc in enumerate(docs):
        idx = [kv.key_to_index[w] for w in doc if w in kv.key_to_index]
        if not idx:
            continue
        v = kv.vectors[idx]
        out[i, :d] = v.mean(0)
        if with_max:
            out[i, d:] = v[np.abs(v).argmax(0), np.arange(d)]
    for part in (out[:, :d], out[:, d:]):
        if part.shape[1]:
            part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-6)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("head", choices=("microblog", "review"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "yuqing-w2v-splits.pkl"
    )
    parser.add_argument("--dev", action="store_true", help="score the dev set (once)")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sg", action="store_true", help="skip-gram instead of CBOW")
    parser.add_argument("--pool", choices=("mean", "mean+max"), default="mean")
    parser.add_argument("--c-emb", type=float, default=1.0)
    parser.add_argument("--mix", type=float, nargs="*", default=[0.0, 0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--out", type=Path, help="figures as JSON")
    args = parser.parse_args()

    t0 = time.time()
    parts = parts_of(args.data, args.cache)
    log(f"splits in {time.time() - t0:.0f} s")
    review = args.head == "review"
    lo, hi, source = (0.5, 0.62, "chnsenticorp") if review else (0.5, 0.6, "weibo_senti_100k")

    def in_slice(ex: Example) -> bool:
        return ex.source == source and lo <= splits.fraction(splits.key_of(ex.text)) < hi

    def in_head(ex: Example) -> bool:
        if ex.label == corpora.NEUTRAL or ex.source in train.EN_SOURCES:
            return False
        return (ex.source in train.REVIEW_SOURCES) == review

    zh_train = [ex for ex in parts.train if ex.source not in train.EN_SOURCES]
    if args.dev:
        held_ex = parts.dev["chnsenticorp_dev" if review else "weibo_senti_dev"]
        fit_ex = [ex for ex in zh_train if in_head(ex)]
        w2v_ex = zh_train
    else:
        fit_ex = [ex for ex in zh_train if in_head(ex) and not in_slice(ex)]
        held_ex = [ex for ex in zh_train if in_slice(ex)]
        w2v_ex = [ex for ex in zh_train if not in_slice(ex)]
    calib_ex = [ex for ex in parts.calib if in_head(ex)]
    log(f"fit {len(fit_ex)}, calib {len(calib_ex)}, held {len(held_ex)}, w2v {len(w2v_ex)}")

    tables = train.build_tables(None)
    features.warm_up()
    fit, _ = train.split_languages(fit_ex, tables)
    calib, _ = train.split_languages(calib_ex, tables)
    hx = features.featurize(train.texts_of(held_ex), tables)
    held = train.LangData(held_ex, train._csr(hx.zh, features.ZH_BUCKETS), hx.zh_dense)
    idf = train.idf_of(fit.raw, features.ZH_BUCKETS)
    xf, _ = train.design(fit, idf)
    xc, _ = train.design(calib, idf)
    xh, _ = train.design(held, idf)

    def positive(data: Any) -> npt.NDArray[np.bool_]:
        return np.array([ex.label == corpora.POSITIVE for ex in data.examples])

    yf, yc, yh = positive(fit), positive(calib), positive(held)
    wf = train.sample_weights(fit.examples)
    t = time.process_time()
    head = train._logreg(xf, yf, wf, train.C_ZH_POLARITY, train.TOL_POLARITY)
    log(f"head fitted in {time.process_time() - t:.0f} CPU s")

    from gensim.models import Word2Vec

    clustering = args.data / "clustering" / "ced_dev.jsonl"
    unlabelled = [
        json.loads(line)["text"]
        for line in clustering.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    t = time.process_time()
    corpus = words([ex.text for ex in w2v_ex] + unlabelled)
    w2v = Word2Vec(
        corpus,
        vector_size=args.dim,
        window=5,
        min_count=3,
        sg=int(args.sg),
        epochs=args.epochs,
        workers=2,
        seed=train.SEED,
    )
    log(
        f"word2vec on {len(corpus)} texts, {len(w2v.wv)} words, {time.process_time() - t:.0f} CPU s"
    )
    with_max = args.pool == "mean+max"
    ef, ec, eh = (
        pooled(w2v.wv, words([ex.text for ex in d.examples]), with_max) for d in (fit, calib, held)
    )
    emb = train._logreg(ef, yf, wf, args.c_emb)
    where = {True: "dev", False: "selection slice"}[args.dev]
    figures: dict[str, Any] = {
        "head": args.head,
        "where": where,
        "pool": args.pool,
        "dim": args.dim,
        "sg": args.sg,
    }

    def acc(logit: npt.NDArray[np.float64], y: npt.NDArray[np.bool_]) -> float:
        return round(float(((logit > 0) == y).mean()), 4)

    figures["head alone"] = acc(head.decision_function(xh), yh)
    figures["vectors alone"] = acc(emb.decision_function(eh), yh)
    lc = head.decision_function(xc), emb.decision_function(ec)
    calib_figs = {b: acc(lc[0] + b * lc[1], yc) for b in args.mix}
    best = max(args.mix, key=lambda b: calib_figs[b])
    figures["calibration part by weight"] = calib_figs
    figures["chosen weight"] = best
    lh = head.decision_function(xh), emb.decision_function(eh)
    figures["mixed, chosen weight"] = acc(lh[0] + best * lh[1], yh)
    if not args.dev:
        figures["held by weight"] = {b: acc(lh[0] + b * lh[1], yh) for b in args.mix}
    log(json.dumps(figures, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
