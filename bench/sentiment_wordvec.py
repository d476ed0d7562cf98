"""Experiment: pretrained static word vectors beside the English n-grams (issue 15; not shipped).

    .venv/bin/pip install -e '.[train]' && .venv/bin/pip install wordllama==0.4.0.post1
    .venv/bin/python bench/sentiment_wordvec.py [--dev] [--pool mean|idf] [--scale S ...]
        [--c-emb C ...] [--mix B ...]

wordllama 0.4.0.post1 (MIT) ships `l2_supercat_256.safetensors` (32,000 token vectors
of 256 float16 values distilled from LLM input embeddings) and its tokenizer (a Llama-2
SentencePiece BPE as a `tokenizers` JSON) inside its wheel. Both are read straight from
the installed package (`WordLlama.load()` looks for the tokenizer in a folder the wheel
does not have and then tries to download it; these files need no network).

A tweet's vector: its cleaned text (`features.clean`: links and mentions out, as the
n-grams see it) cut by the tokenizer, the mean of its token vectors (`--pool idf`: weighted
by each token's IDF on the fitted tweets), L2-normalised. Two ways to use it:

- **stacked**: the vector (times `--scale`) as 256 more dense columns of the English
  softmax, fitted with the n-grams (same C, class weights, tolerance as `train.py`);
- **mixed**: a separate softmax on the vectors alone (`--c-emb`), its logits added to the
  n-gram model's times a weight; the weight is chosen on the calibration part of
  TweetEval train (4 %, never trained on), as the task asks, not on val.

Selection of the way, the pooling, scale and C: on a seeded third of the training part
held out (as `sentiment_sources.py english`); `--dev` fits on the whole training part and
scores TweetEval val once. TweetEval's parts are made as `splits.py` makes them (dedup,
4 % by hash to calibration, exact copies of val out), reading TweetEval alone.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack

from yuqing.analysis.sentiment import corpora, evaluate, features, splits, train
from yuqing.analysis.sentiment.corpora import Example

ROOT = Path(__file__).resolve().parent.parent


def log(*parts: object) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def tweeteval_parts(data: Path) -> tuple[list[Example], list[Example], list[Example]]:
    """(train, calib, val) of TweetEval as splits.split makes them."""
    root = data / "sentiment" / "tweeteval"
    tr = list(corpora.read_tweeteval(root, "train"))
    val = list(corpora.read_tweeteval(root, "val"))
    val_keys = {splits.key_of(ex.text) for ex in val}
    _, calib_share = splits.SLICES["tweeteval"]
    kept = corpora.deduplicate(tr, key=splits.key_of)
    fit, calib = [], []
    for ex in kept:
        key = splits.key_of(ex.text)
        if key in val_keys:
            continue
        (calib if splits.fraction(key) < calib_share else fit).append(ex)
    return fit, calib, val


class Vectors:
    """wordllama's token vectors and tokenizer, from the installed wheel's files."""

    def __init__(self) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        spec = find_spec("wordllama")
        if spec is None or spec.origin is None:
            raise SystemExit("pip install wordllama==0.4.0.post1")
        folder = Path(spec.origin).parent
        self.table = load_file(str(folder / "weights" / "l2_supercat_256.safetensors"))[
            "embedding.weight"
        ].astype(np.float32)
        self.tokenizer = Tokenizer.from_file(
            str(folder / "tokenizers" / "l2_supercat_tokenizer_config.json")
        )

    def ids(self, texts: list[str]) -> list[list[int]]:
        enc = self.tokenizer.encode_batch(
            [features.clean(t) for t in texts], add_special_tokens=False
        )
        return [e.ids for e in enc]

    def pooled(
        self, ids: list[list[int]], weight: npt.NDArray[np.float32] | None, with_max: bool
    ) -> Any:
        d = self.table.shape[1]
        out = np.zeros((len(ids), 2 * d if with_max else d), dtype=np.float32)
        for i, row in enumerate(ids):
            if not row:
                continue
            v = self.table[row]
            w = np.ones(len(row), dtype=np.float32) if weight is None else weight[row]
            out[i, :d] = (w[:, None] * v).sum(0) / max(float(w.sum()), 1e-6)
            if with_max:
                out[i, d:] = np.abs(v).max(0) * np.sign(v[np.abs(v).argmax(0), np.arange(d)])
        for part in (out[:, :d], out[:, d:]):
            if part.shape[1]:
                part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-6)
        return out


def token_idf(ids: list[list[int]], n: int) -> npt.NDArray[np.float32]:
    df = np.zeros(n, dtype=np.float64)
    for row in ids:
        df[list(set(row))] += 1
    return (np.log((len(ids) + 1) / (df + 1)) + 1.0).astype(np.float32)


def softmax_logits(clf: Any, x: Any) -> npt.NDArray[np.float64]:
    out = np.full((x.shape[0], 3), -30.0)
    out[:, clf.classes_] = clf.decision_function(x)
    return out


class _Mlp:
    """An MLP whose 'decision_function' is its log-probabilities (mixed like logits)."""

    def __init__(self, clf: Any) -> None:
        self.clf, self.classes_ = clf, clf.classes_

    def decision_function(self, x: Any) -> Any:
        return np.log(np.maximum(self.clf.predict_proba(x), 1e-9))


def mlp(x: Any, y: Any, w: Any, hidden: int, c: float) -> Any:
    from sklearn.neural_network import MLPClassifier

    # Class balance by resampling: MLPClassifier takes sample weights since sklearn 1.7.
    clf = MLPClassifier(
        (hidden,),
        alpha=1.0 / c / len(y),
        early_stopping=True,
        random_state=train.SEED,
        max_iter=60,
    )
    clf.fit(x, y, sample_weight=w)
    return _Mlp(clf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--dev", action="store_true", help="score TweetEval val (once)")
    parser.add_argument("--pool", choices=("mean", "idf", "mean+max"), default="mean")
    parser.add_argument("--mlp", type=int, default=0, help="hidden units of an MLP on the vectors")
    parser.add_argument("--scale", type=float, nargs="*", default=[1.0])
    parser.add_argument("--c-emb", type=float, nargs="*", default=[1.0])
    parser.add_argument("--mix", type=float, nargs="*", default=[0.0, 0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--out", type=Path, help="figures as JSON")
    args = parser.parse_args()

    fit_ex, calib_ex, val_ex = tweeteval_parts(args.data)
    log(f"TweetEval: fit {len(fit_ex)}, calib {len(calib_ex)}, val {len(val_ex)}")
    if not args.dev:
        perm = np.random.default_rng(train.SEED).permutation(len(fit_ex))
        third = len(perm) // 3
        held_ex = [fit_ex[i] for i in sorted(perm[:third].tolist())]
        fit_ex = [fit_ex[i] for i in sorted(perm[third:].tolist())]
    else:
        held_ex = val_ex
    where = "TweetEval val" if args.dev else "train third"
    tables = train.build_tables(None)
    features.warm_up()
    _, fit = train.split_languages(fit_ex, tables)
    _, calib = train.split_languages(calib_ex, tables)
    # Every held-out text is scored (a text with no English feature gets the intercept).
    held_x = features.featurize(train.texts_of(held_ex), tables)
    held = train.LangData(held_ex, train._csr(held_x.en, features.EN_BUCKETS), held_x.en_dense)
    idf = train.idf_of(fit.raw, features.EN_BUCKETS)
    xf, _ = train.design(fit, idf)
    xc, _ = train.design(calib, idf)
    xh, _ = train.design(held, idf)
    yf = np.array([e.label for e in fit.examples])
    yc = np.array([e.label for e in calib.examples])
    yh = np.array([e.label for e in held.examples])
    wf = train.sample_weights(fit.examples)

    vec = Vectors()
    ids_f = vec.ids([e.text for e in fit.examples])
    ids_c = vec.ids([e.text for e in calib.examples])
    ids_h = vec.ids([e.text for e in held.examples])
    unk = sum(r.count(0) for r in ids_f) / max(1, sum(len(r) for r in ids_f))
    log(f"tokens per tweet {np.mean([len(r) for r in ids_f]):.1f}, unknown share {unk:.4f}")
    weight = token_idf(ids_f, vec.table.shape[0]) if args.pool == "idf" else None
    ef, ec, eh = (vec.pooled(ids, weight, args.pool == "mean+max") for ids in (ids_f, ids_c, ids_h))
    figures: dict[str, Any] = {"where": where, "pool": args.pool}

    def report(name: str, logits: npt.NDArray[np.float64]) -> None:
        pred = logits.argmax(1)
        figures[name] = {
            "macro_recall": round(evaluate.macro_recall(yh, pred), 4),
            "accuracy": round(float((pred == yh).mean()), 4),
        }
        log(f"{name}: {where} {figures[name]}")

    t = time.process_time()
    base = train._logreg(xf, yf, wf, train.C_EN)
    log(f"n-gram softmax fitted in {time.process_time() - t:.0f} CPU s")
    report("ngrams (v5 recipe)", softmax_logits(base, xh))
    for scale in args.scale:
        t = time.process_time()
        st = train._logreg(hstack([xf, csr_matrix(scale * ef)], format="csr"), yf, wf, train.C_EN)
        log(f"stacked fit {time.process_time() - t:.0f} CPU s")
        report(
            f"stacked, scale {scale}",
            softmax_logits(st, hstack([xh, csr_matrix(scale * eh)], format="csr")),
        )
    for c in args.c_emb:
        emb = train._logreg(ef, yf, wf, c) if not args.mlp else mlp(ef, yf, wf, args.mlp, c)
        report(f"vectors alone, C {c}", softmax_logits(emb, eh))
        lc_base, lc_emb = softmax_logits(base, xc), softmax_logits(emb, ec)
        best = max(
            args.mix,
            key=lambda b: evaluate.macro_recall(yc, (lc_base + b * lc_emb).argmax(1)),
        )
        for b in args.mix:
            calib_fig = evaluate.macro_recall(yc, (lc_base + b * lc_emb).argmax(1))
            log(f"  mix {b}: calibration part macro-recall {calib_fig:.4f}")
        report(
            f"mixed, C {c}, weight {best} (chosen on calibration)",
            softmax_logits(base, xh) + best * softmax_logits(emb, eh),
        )
        if not args.dev:
            for b in args.mix:
                report(
                    f"mixed, C {c}, weight {b}",
                    softmax_logits(base, xh) + b * softmax_logits(emb, eh),
                )
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
