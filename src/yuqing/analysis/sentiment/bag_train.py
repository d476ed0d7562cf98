"""Fit a `bag.BagPart` (build time only; needs PyTorch, the `hidden-layer` extra).

The hidden layer reads exactly what the linear part reads (IDF-weighted, L2-normalised
hashed counts and the dense features); each logit column has its own rows and weights
(a head is trained on the texts it reads, as in `train.fit_zh`), so the loss is a
masked, weighted sum of binary log-losses (Chinese heads) or one weighted softmax
log-loss (English). Deterministic: one thread, fixed seed, fixed batch order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from yuqing.analysis.sentiment import features
from yuqing.analysis.sentiment.bag import BagPart

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Settings:
    dim: int = 32
    # 2^21 Chinese buckets >> 3 = 2^18 embedding rows (16 MB of float16 at dim 32).
    shift: int = 3
    epochs: int = 2
    lr: float = 3e-3
    batch: int = 256
    seed: int = 20240601


def available() -> bool:
    from importlib.util import find_spec

    return find_spec("torch") is not None


def _batch(w: features.Sparse, dense: F32, idx: npt.NDArray[np.int64], shift: int) -> Any:
    """EmbeddingBag inputs of rows `idx`: row numbers, offsets, weights (zeros dropped)."""
    import torch

    starts, ends = w.indptr[idx], w.indptr[idx + 1]
    lens = ends - starts
    pos = np.repeat(starts - np.cumsum(np.r_[0, lens[:-1]]), lens) + np.arange(lens.sum())
    cols, vals = w.cols[pos], w.values[pos]
    keep = vals != 0
    row_of = np.repeat(np.arange(len(idx)), lens)[keep]
    offsets = np.searchsorted(row_of, np.arange(len(idx)))
    return (
        torch.from_numpy((cols[keep] >> shift).astype(np.int64)),
        torch.from_numpy(offsets.astype(np.int64)),
        torch.from_numpy(vals[keep].astype(np.float32)),
        torch.from_numpy(dense[idx].astype(np.float32)),
    )


def fit(
    m: features.Sparse,
    dense: F32,
    idf: npt.NDArray[Any],
    targets: F32,
    weights: F32,
    *,
    n_buckets: int,
    softmax: bool,
    settings: Settings = Settings(),
) -> BagPart:
    """A hidden-layer part for raw counts `m` (rows = texts).

    `targets`/`weights`: one column per logit (binary heads: 0/1 target and a weight,
    0 where the head does not read the text); with `softmax`, column 0 holds the class
    and its weight and there are three logits.
    """
    import torch
    from torch import nn

    torch.manual_seed(settings.seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        n_out = 3 if softmax else targets.shape[1]
        w = features.weighted(m, idf)
        emb = nn.EmbeddingBag(n_buckets >> settings.shift, settings.dim, mode="sum", sparse=True)
        nn.init.normal_(emb.weight, 0.0, 0.1)
        dense_layer = nn.Linear(dense.shape[1], settings.dim)
        out_layer = nn.Linear(settings.dim, n_out)
        opt_sparse = torch.optim.SparseAdam(list(emb.parameters()), lr=settings.lr)
        opt_dense = torch.optim.Adam(
            [*dense_layer.parameters(), *out_layer.parameters()], lr=settings.lr
        )
        t = torch.from_numpy(targets.astype(np.float32))
        mask = torch.from_numpy(weights.astype(np.float32))
        rng = np.random.default_rng(settings.seed)
        n = m.n_rows
        for _ in range(settings.epochs):
            order = rng.permutation(n)
            for s in range(0, n, settings.batch):
                b = order[s : s + settings.batch]
                cols, offsets, vals, d = _batch(w, dense, b, settings.shift)
                h = torch.relu(emb(cols, offsets, per_sample_weights=vals) + dense_layer(d))
                z = out_layer(h)
                if softmax:
                    per = nn.functional.cross_entropy(z, t[b, 0].long(), reduction="none")
                    loss = (per * mask[b, 0]).mean()
                else:
                    per2 = nn.functional.binary_cross_entropy_with_logits(z, t[b], reduction="none")
                    loss = (per2 * mask[b]).sum() / len(b)
                opt_sparse.zero_grad()
                opt_dense.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                opt_sparse.step()  # type: ignore[no-untyped-call]
                opt_dense.step()
        with torch.no_grad():
            return BagPart(
                emb.weight.numpy().astype(np.float16),
                dense_layer.weight.numpy().T.copy(),
                dense_layer.bias.numpy().copy(),
                out_layer.weight.numpy().T.copy(),
                out_layer.bias.numpy().copy(),
                settings.shift,
            )
    finally:
        torch.set_num_threads(threads)
