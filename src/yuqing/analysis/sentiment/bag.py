"""A small non-linear part beside the linear one: a hidden layer over the hashed features.

fastText-style: each feature bucket has an embedding row (the bucket's top bits pick it:
`bucket >> shift`, so 2^21 buckets share 2^21 >> shift rows), a text's hidden vector is
the sum of its features' rows weighted by the same IDF-weighted, L2-normalised counts the
linear part reads, plus a linear map of the dense features and a bias; ReLU; then one
linear layer to logits that are *added* to the linear part's logits (the two are trained
apart and mixed on held-out data at build time: the mixing weight is folded into the
output layer). Trained with PyTorch at build time (`bag_train.py`); run time is numpy only:
one gather of float16 rows, one `np.add.reduceat`, two small matrix products.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from yuqing.analysis.sentiment import features


class BagPart:
    """Hidden layer h = ReLU(Σ wᵢ·E[bᵢ >> shift] + dense·D + b1), logits = h·W2 + b2.

    `emb` (rows × dim, float16 as stored), `dense_w` (dense features × dim), `b1` (dim),
    `w2` (dim × logits), `b2` (logits).
    """

    def __init__(
        self,
        emb: npt.NDArray[np.floating[Any]],
        dense_w: npt.NDArray[np.floating[Any]],
        b1: npt.NDArray[np.floating[Any]],
        w2: npt.NDArray[np.floating[Any]],
        b2: npt.NDArray[np.floating[Any]],
        shift: int,
    ) -> None:
        dim = emb.shape[1] if emb.ndim == 2 else -1
        if (
            dim < 1
            or dense_w.ndim != 2
            or dense_w.shape[1] != dim
            or b1.shape != (dim,)
            or w2.ndim != 2
            or w2.shape[0] != dim
            or b2.shape != w2.shape[1:]
        ):
            raise ValueError("bag arrays do not match each other")
        if not 0 <= shift < 32:
            raise ValueError(f"bag shift {shift} out of range")
        self.emb = np.ascontiguousarray(emb, dtype=np.float16)
        self.dense_w = dense_w.astype(np.float32)
        self.b1 = b1.astype(np.float32)
        self.w2 = w2.astype(np.float32)
        self.b2 = b2.astype(np.float32)
        self.shift = int(shift)

    @property
    def n_logits(self) -> int:
        return int(self.w2.shape[1])

    def n_buckets(self) -> int:
        """How many feature buckets the embedding rows cover."""
        return int(self.emb.shape[0]) << self.shift

    def hidden(
        self, m: features.Sparse, dense: npt.NDArray[np.float32], idf: npt.NDArray[Any]
    ) -> npt.NDArray[np.float32]:
        """ReLU(hidden) per text of raw counts `m` (the IDF is the linear part's)."""
        w = features.weighted(m, idf)
        g = np.take(self.emb, w.cols >> self.shift, axis=0).astype(np.float32)
        g *= w.values[:, None]
        h = np.zeros((m.n_rows, self.emb.shape[1]), dtype=np.float32)
        starts = m.indptr[:-1]
        nonempty = np.flatnonzero(m.indptr[1:] > starts)
        if len(nonempty):
            h[nonempty] = np.add.reduceat(g, starts[nonempty], axis=0)
        h += dense.astype(np.float32) @ self.dense_w
        h += self.b1
        out: npt.NDArray[np.float32] = np.maximum(h, 0.0, out=h)
        return out

    def logits(
        self, m: features.Sparse, dense: npt.NDArray[np.float32], idf: npt.NDArray[Any]
    ) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = (self.hidden(m, dense, idf) @ self.w2 + self.b2).astype(
            np.float64
        )
        return out

    def arrays(self, prefix: str) -> dict[str, npt.NDArray[Any]]:
        return {
            prefix + "emb": self.emb,
            prefix + "dense_w": self.dense_w,
            prefix + "b1": self.b1,
            prefix + "w2": self.w2,
            prefix + "b2": self.b2,
            prefix + "shift": np.array(self.shift, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, a: Any, prefix: str) -> BagPart | None:
        """The part stored under `prefix`, or None when the file has none."""
        if prefix + "emb" not in a:
            return None
        return cls(
            a[prefix + "emb"],
            a[prefix + "dense_w"],
            a[prefix + "b1"],
            a[prefix + "w2"],
            a[prefix + "b2"],
            int(a[prefix + "shift"]),
        )
