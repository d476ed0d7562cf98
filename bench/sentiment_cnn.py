"""Experiment: a small character CNN beside the n-gram heads (issue 15; not shipped).

    .venv/bin/pip install -e '.[train,hidden-layer]'
    .venv/bin/python bench/sentiment_cnn.py zh|en [--dev] [--epochs N] [--emb E]
        [--filters F] [--widths 2 3 4 5] [--mix B ...]
    .venv/bin/python bench/sentiment_cnn.py cost [--emb E] [--filters F] [--widths ...]

The one CPU-light idea docs/sentiment.md left untried: word order beyond three
characters. A text (`features.clean`, lower-cased unless `--keep-case`, cut to
`--max-len` characters) is a row of character ids (the characters seen at least twice in
the fitted texts, capped at `--vocab`; others share one id); an embedding of `--emb`
values, one convolution per width in `--widths` with `--filters` filters each, ReLU, max
over the text, dropout, one linear layer to the head's logits. PyTorch on one thread,
Adam, batch 64, seed fixed; each text weighted as `train.py` weighs it (classes balanced
per source).

- `zh`: the microblog head (polar SMP2020, weibo_senti_100k and NLPCC posts), sign
  accuracy of its polarity logit; selection slice: weibo_senti train with split fraction
  in [0.5, 0.6) (as `sentiment_w2v_zh.py microblog`); `--dev`: the weibo_senti dev slice
  (`--dev-set smp2020_usual_eval`: the polar posts of SMP2020 eval).
- `en`: the English softmax (TweetEval), macro-recall; selection slice: a seeded third
  of the training part (as `sentiment_wordvec.py`); `--dev`: TweetEval val.

The CNN's logits are added to the n-gram logits (fitted here with `train.py`'s features,
IDF, class weights, C and tolerance) times a weight chosen on the calibration part (never
trained on), never on the dev set. Without `--dev` every epoch is scored on the slice
(to choose the epochs and size); with it the CNN trains for `--epochs` and the dev set is
scored once, at the end.

`cost`: the CNN's inference in numpy (im2col: one matrix product per width, float32) on
a 100-character post, CPU ms per post, one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from yuqing.analysis.sentiment import corpora, evaluate, features, splits, train
from yuqing.analysis.sentiment.corpora import Example

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ("emb", "filters", "widths", "drop", "lr", "vocab", "max_len", "keep_case", "epochs")


def log(*parts: object) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def parts_of(data: Path, cache: Path) -> Any:
    if cache.exists():
        return pickle.loads(cache.read_bytes())  # noqa: S301 - our own cache
    out = splits.split(splits.read_all(data))
    cache.write_bytes(pickle.dumps(out, protocol=5))
    return out


def tweeteval_parts(data: Path) -> tuple[list[Example], list[Example], list[Example]]:
    """(train, calib, val) of TweetEval as splits.split makes them (as sentiment_wordvec)."""
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


# -- the CNN ----------------------------------------------------------------------------


class Chars:
    """Character ids: 0 pads, 1 is any character outside the vocabulary."""

    def __init__(self, texts: list[str], cap: int, max_len: int, keep_case: bool) -> None:
        self.max_len, self.keep_case = max_len, keep_case
        counts = Counter(ch for t in texts for ch in self.prepare(t))
        kept = [ch for ch, n in counts.most_common(cap) if n >= 2]
        self.index = {ch: i + 2 for i, ch in enumerate(kept)}

    def prepare(self, text: str) -> str:
        text = features.clean(text)
        return " ".join((text if self.keep_case else text.lower()).split())[: self.max_len]

    def ids(self, texts: list[str]) -> list[list[int]]:
        return [[self.index.get(ch, 1) for ch in self.prepare(t)] or [1] for t in texts]


def batches(ids: list[list[int]], order: list[int], size: int, min_len: int) -> Any:
    import torch

    for start in range(0, len(order), size):
        rows = order[start : start + size]
        width = max(min_len, max(len(ids[i]) for i in rows))
        x = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            x[r, : len(ids[i])] = ids[i]
        yield rows, torch.from_numpy(x)


def make_net(vocab: int, emb: int, filters: int, widths: list[int], out: int, drop: float) -> Any:
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(vocab, emb, padding_idx=0)
            self.convs = nn.ModuleList(nn.Conv1d(emb, filters, k) for k in widths)
            self.drop = nn.Dropout(drop)
            self.out = nn.Linear(filters * len(widths), out)

        def forward(self, x: Any) -> Any:
            e = self.emb(x).transpose(1, 2)  # (batch, emb, length)
            pooled = [torch.relu(c(e)).amax(2) for c in self.convs]
            return self.out(self.drop(torch.cat(pooled, 1)))

    return Net()


def predict(net: Any, ids: list[list[int]], min_len: int) -> npt.NDArray[np.float64]:
    import torch

    net.eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out: npt.NDArray[np.float64] | None = None
    with torch.no_grad():
        for rows, x in batches(ids, order, 512, min_len):
            y = net(x).double().numpy()
            if out is None:
                out = np.zeros((len(ids), y.shape[1]))
            out[rows] = y
    net.train()
    assert out is not None
    return out


def epochs_of(
    net: Any,
    ids: list[list[int]],
    y: npt.NDArray[np.int64],
    w: npt.NDArray[np.float64],
    args: argparse.Namespace,
    binary: bool,
) -> Any:
    """Yield after each epoch (the net trained so far)."""
    import torch
    import torch.nn.functional as F

    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    rng = np.random.default_rng(train.SEED)
    yt = torch.from_numpy(y)
    wt = torch.from_numpy(w / w.mean()).float()
    min_len = max(args.widths)
    for epoch in range(1, args.epochs + 1):
        perm = rng.permutation(len(ids)).tolist()
        # Batches of similar lengths (sorted within chunks of 50 batches), shuffled.
        chunk = 64 * 50
        order = []
        for s in range(0, len(perm), chunk):
            order += sorted(perm[s : s + chunk], key=lambda i: len(ids[i]))
        groups = [order[s : s + 64] for s in range(0, len(order), 64)]
        rng.shuffle(groups)  # type: ignore[arg-type]
        order = [i for g in groups for i in g]
        t, total, n = time.process_time(), 0.0, 0
        for rows, x in batches(ids, order, 64, min_len):
            logits = net(x)
            idx = torch.tensor(rows)
            if binary:
                loss = F.binary_cross_entropy_with_logits(
                    logits[:, 0], yt[idx].float(), reduction="none"
                )
            else:
                loss = F.cross_entropy(logits, yt[idx], reduction="none")
            loss = (loss * wt[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total, n = total + loss.item() * len(rows), n + len(rows)
        log(f"epoch {epoch}: training loss {total / n:.4f}, {time.process_time() - t:.0f} CPU s")
        yield epoch


# -- the two heads ----------------------------------------------------------------------


def zh_parts(args: argparse.Namespace) -> Any:
    """(fit, calib, held) examples and n-gram logits of the microblog head."""
    parts = parts_of(args.data, args.cache)
    lo, hi, source = 0.5, 0.6, "weibo_senti_100k"

    def in_slice(ex: Example) -> bool:
        return ex.source == source and lo <= splits.fraction(splits.key_of(ex.text)) < hi

    def in_head(ex: Example) -> bool:
        if ex.label == corpora.NEUTRAL or ex.source in train.EN_SOURCES:
            return False
        return ex.source not in train.REVIEW_SOURCES

    zh_train = [ex for ex in parts.train if ex.source not in train.EN_SOURCES]
    if args.dev:
        held_ex = [ex for ex in parts.dev[args.dev_set] if ex.label != corpora.NEUTRAL]
        fit_ex = [ex for ex in zh_train if in_head(ex)]
    else:
        fit_ex = [ex for ex in zh_train if in_head(ex) and not in_slice(ex)]
        held_ex = [ex for ex in zh_train if in_slice(ex)]
    calib_ex = [ex for ex in parts.calib if in_head(ex)]
    tables = train.build_tables(None)
    features.warm_up()
    fit, _ = train.split_languages(fit_ex, tables)
    calib, _ = train.split_languages(calib_ex, tables)
    hx = features.featurize(train.texts_of(held_ex), tables)
    held = train.LangData(held_ex, train._csr(hx.zh, features.ZH_BUCKETS), hx.zh_dense)
    log(f"fit {len(fit.examples)}, calib {len(calib.examples)}, held {len(held.examples)}")
    idf = train.idf_of(fit.raw, features.ZH_BUCKETS)
    xf, _ = train.design(fit, idf)
    xc, _ = train.design(calib, idf)
    xh, _ = train.design(held, idf)

    def positive(data: Any) -> npt.NDArray[np.int64]:
        return np.array([int(ex.label == corpora.POSITIVE) for ex in data.examples])

    yf, yc, yh = positive(fit), positive(calib), positive(held)
    wf = train.sample_weights(fit.examples)
    t = time.process_time()
    head = train._logreg(xf, yf, wf, train.C_ZH_POLARITY, train.TOL_POLARITY)
    log(f"n-gram head fitted in {time.process_time() - t:.0f} CPU s")
    lc, lh = head.decision_function(xc)[:, None], head.decision_function(xh)[:, None]
    return (fit.examples, yf, wf), (calib.examples, yc, lc), (held.examples, yh, lh)


def en_logits(clf: Any, x: Any) -> npt.NDArray[np.float64]:
    out = np.full((x.shape[0], 3), -30.0)
    out[:, clf.classes_] = clf.decision_function(x)
    return out


def en_parts(args: argparse.Namespace) -> Any:
    fit_ex, calib_ex, val_ex = tweeteval_parts(args.data)
    if args.dev:
        held_ex = val_ex
    else:
        perm = np.random.default_rng(train.SEED).permutation(len(fit_ex))
        third = len(perm) // 3
        held_ex = [fit_ex[i] for i in sorted(perm[:third].tolist())]
        fit_ex = [fit_ex[i] for i in sorted(perm[third:].tolist())]
    tables = train.build_tables(None)
    features.warm_up()
    _, fit = train.split_languages(fit_ex, tables)
    _, calib = train.split_languages(calib_ex, tables)
    held_x = features.featurize(train.texts_of(held_ex), tables)
    held = train.LangData(held_ex, train._csr(held_x.en, features.EN_BUCKETS), held_x.en_dense)
    log(f"fit {len(fit.examples)}, calib {len(calib.examples)}, held {len(held.examples)}")
    idf = train.idf_of(fit.raw, features.EN_BUCKETS)
    xf, _ = train.design(fit, idf)
    xc, _ = train.design(calib, idf)
    xh, _ = train.design(held, idf)

    def labels(data: Any) -> npt.NDArray[np.int64]:
        return np.array([ex.label for ex in data.examples], dtype=np.int64)

    yf, yc, yh = labels(fit), labels(calib), labels(held)
    wf = train.sample_weights(fit.examples)
    t = time.process_time()
    base = train._logreg(xf, yf, wf, train.C_EN)
    log(f"n-gram softmax fitted in {time.process_time() - t:.0f} CPU s")
    return (
        (fit.examples, yf, wf),
        (calib.examples, yc, en_logits(base, xc)),
        (held.examples, yh, en_logits(base, xh)),
    )


def score(kind: str, y: npt.NDArray[np.int64], logits: npt.NDArray[np.float64]) -> float:
    if kind == "zh":
        return round(float(((logits[:, 0] > 0).astype(np.int64) == y).mean()), 4)
    return round(evaluate.macro_recall(y, logits.argmax(1)), 4)


def experiment(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(train.SEED)
    t0 = time.time()
    (fit_ex, yf, wf), (calib_ex, yc, lc), (held_ex, yh, lh) = (
        zh_parts(args) if args.head == "zh" else en_parts(args)
    )
    log(f"data and n-grams in {time.time() - t0:.0f} s")
    chars = Chars([ex.text for ex in fit_ex], args.vocab, args.max_len, args.keep_case)
    ids_f, ids_c, ids_h = (chars.ids([ex.text for ex in d]) for d in (fit_ex, calib_ex, held_ex))
    binary = args.head == "zh"
    net = make_net(
        len(chars.index) + 2, args.emb, args.filters, args.widths, 1 if binary else 3, args.drop
    )
    n_params = sum(p.numel() for p in net.parameters())
    log(f"{len(chars.index)} characters, {n_params} parameters")
    where = "dev" if args.dev else "selection slice"
    figures: dict[str, Any] = {
        "head": args.head,
        "where": where,
        "settings": {k: getattr(args, k) for k in SETTINGS},
        "n-grams alone": score(args.head, yh, lh),
        "epochs": {},
    }
    log(f"n-grams alone, {where}: {figures['n-grams alone']}")
    min_len = max(args.widths)
    for epoch in epochs_of(net, ids_f, yf, wf, args, binary):
        if args.dev and epoch < args.epochs:
            continue
        cc, ch = predict(net, ids_c, min_len), predict(net, ids_h, min_len)
        calib_by = {b: score(args.head, yc, lc + b * cc) for b in args.mix}
        best = max(args.mix, key=lambda b: calib_by[b])
        fig: dict[str, Any] = {
            "CNN alone": score(args.head, yh, ch),
            "calibration part by weight": calib_by,
            "chosen weight": best,
            "mixed, chosen weight": score(args.head, yh, lh + best * ch),
        }
        if args.weight is not None:
            fig["mixed, weight chosen before (--weight)"] = score(
                args.head, yh, lh + args.weight * ch
            )
        if not args.dev:
            fig["held by weight"] = {b: score(args.head, yh, lh + b * ch) for b in args.mix}
        figures["epochs"][epoch] = fig
        log(f"epoch {epoch}, {where}: {json.dumps(fig)}")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1, ensure_ascii=False))


# -- inference cost ---------------------------------------------------------------------


def cost(args: argparse.Namespace) -> None:
    """CPU ms per 100-character post of the CNN in numpy (random weights: same work)."""
    rng = np.random.default_rng(train.SEED)
    length, e, f = 100, args.emb, args.filters
    table = rng.standard_normal((args.vocab, e)).astype(np.float32)
    convs = [
        (rng.standard_normal((k * e, f)).astype(np.float32), np.zeros(f, np.float32))
        for k in args.widths
    ]
    out_w = rng.standard_normal((f * len(args.widths), 3)).astype(np.float32)
    posts = [rng.integers(2, args.vocab, length) for _ in range(200)]

    def forward(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        x = table[ids]  # (length, emb)
        pooled = []
        for (w, b), k in zip(convs, args.widths, strict=True):
            # im2col: row i holds the k embeddings from position i, side by side.
            cols = np.lib.stride_tricks.sliding_window_view(x, (k, e))[:, 0].reshape(-1, k * e)
            pooled.append(np.maximum(cols @ w + b, 0).max(0))
        out: npt.NDArray[np.float32] = np.concatenate(pooled) @ out_w
        return out

    for p in posts[:20]:
        forward(p)
    best = []
    for _ in range(5):
        t = time.process_time()
        for p in posts:
            forward(p)
        best.append((time.process_time() - t) / len(posts) * 1000)
    flops = 2 * sum((length - k + 1) * k * e * f for k in args.widths)
    log(
        json.dumps(
            {
                "emb": e,
                "filters": f,
                "widths": args.widths,
                "MFLOP per post": round(flops / 1e6, 2),
                "ms per post (best of 5)": round(min(best), 4),
                "OMP/BLAS threads": os.environ.get("OMP_NUM_THREADS"),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("head", choices=("zh", "en", "cost"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "yuqing-w2v-splits.pkl"
    )
    parser.add_argument("--dev", action="store_true", help="score the dev set (once)")
    parser.add_argument(
        "--dev-set",
        choices=("weibo_senti_dev", "smp2020_usual_eval"),
        default="weibo_senti_dev",
        help="zh: the dev set scored with --dev (its polar texts)",
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--emb", type=int, default=48)
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--widths", type=int, nargs="+", default=[2, 3, 4, 5])
    parser.add_argument("--drop", type=float, default=0.5)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--vocab", type=int, default=6000)
    parser.add_argument("--max-len", type=int, default=140)
    parser.add_argument("--keep-case", action="store_true", help="no lower-casing")
    parser.add_argument("--mix", type=float, nargs="*", default=[0.0, 0.25, 0.5, 0.75, 1.0, 1.5])
    parser.add_argument(
        "--weight", type=float, help="also score this mixing weight (chosen off dev before)"
    )
    parser.add_argument("--out", type=Path, help="figures as JSON")
    args = parser.parse_args()
    if args.head == "cost":
        cost(args)
    else:
        experiment(args)


if __name__ == "__main__":
    main()
