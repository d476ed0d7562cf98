"""Text → hashed sparse features for the sentiment model (shared by training and run time).

Chinese is read as character 1–3-grams inside runs of CJK characters (no word segmenter:
character n-grams are robust to new words, slang and Weibo spelling, and need no
dictionary); Latin script is read as word 1–2-grams and character 2–5-grams inside
words. Each feature string is hashed with CRC-32 into `N_FEATURES` buckets, so the
model needs no vocabulary at run time and loads as two arrays. Values are sublinear
TF × IDF, L2-normalised, plus one constant feature per script seen, which lets the model
keep separate priors for Chinese and English (the English training data are 45 % neutral,
the Chinese review data have no neutral at all).

Training and prediction call the same `raw_batch` and `weight`, so the two cannot drift apart.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from zlib import crc32

import numpy as np
import numpy.typing as npt

from yuqing.core.textfold import fold

N_FEATURES = 1 << 20
_MASK = N_FEATURES - 1

# A post at the 1 MiB cap would cost about a second of n-gram hashing; the opening and the
# closing of a long text carry its tone, so long texts are read as head + tail.
HEAD_CHARS = 6000
TAIL_CHARS = 2000

# Weibo emoticon tags such as [怒] or [哈哈]: the inner word is kept as text, the brackets go.
_EMOTICON_TAG = re.compile(r"\[([^\[\]\s]{1,8})\]")
_HTML_TAG = re.compile(r"<[^<>]{0,500}>")
# Code and styles inside HTML remains are not what the post says.
_HTML_CODE = re.compile(r"<(script|style)\b[^>]{0,500}>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# @mentions carry names, not tone; Weibo's "//@someone:" repost chains too.
_MENTION = re.compile(r"@[\w\-\u00b7]{1,30}")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z][a-z0-9']*|[0-9]+(?:\.[0-9]+)?|[!?]")

# Script bias features live outside the hashed range: index N_FEATURES and N_FEATURES + 1.
BIAS_ZH = N_FEATURES
BIAS_EN = N_FEATURES + 1
N_COLUMNS = N_FEATURES + 2


def strip_emoticon_tags(text: str) -> str:
    """Remove Weibo emoticon tags entirely (how SMP2020 is measured: tags are too easy)."""
    return _EMOTICON_TAG.sub(" ", text)


def clean(text: str) -> str:
    """Folded text with markup, links, mentions and emoticon-tag brackets taken out."""
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        text = text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]
    if "<" in text:
        text = _HTML_TAG.sub(" ", _HTML_CODE.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _EMOTICON_TAG.sub(r" \1 ", text)
    return fold(text)


def grams(text: str) -> tuple[Counter[str], bool, bool]:
    """Feature strings of one text with counts, and whether it has Chinese / Latin words."""
    folded = clean(text)
    counts: Counter[str] = Counter()
    has_zh = False
    for run in _CJK_RUN.findall(folded):
        has_zh = True
        n = len(run)
        # Namespaced by a leading tag so a CJK gram never shares a string with a word.
        counts.update("c" + run[i : i + 1] for i in range(n))
        counts.update("c" + run[i : i + 2] for i in range(n - 1))
        counts.update("c" + run[i : i + 3] for i in range(n - 2))
    words = _WORD.findall(folded)
    has_en = any(w[0].isalpha() for w in words)
    if words:
        counts.update("w" + w for w in words)
        counts.update("b" + a + " " + b for a, b in pairwise(words))
        # Character 2–5-grams inside Latin words catch spelling variants and elongation
        # ("sooo", "loved"/"loving"); on TweetEval val they add 2 points of macro-recall.
        for w in words:
            if len(w) > 1 and w[0].isalpha():
                padded = " " + w + " "
                n = len(padded)
                counts.update(
                    "l" + padded[i : i + k] for k in range(2, 6) for i in range(n - k + 1)
                )
    return counts, has_zh, has_en


def hashed(counts: Counter[str]) -> dict[int, float]:
    """Bucket → sublinear term frequency (1 + log tf), summed over colliding strings."""
    out: dict[int, float] = {}
    for gram, tf in counts.items():
        key = crc32(gram.encode("utf-8")) & _MASK
        out[key] = out.get(key, 0.0) + 1.0 + math.log(tf)
    return out


@dataclass(slots=True)
class Batch:
    """A CSR matrix in three arrays (numpy only: scipy is not needed at run time)."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    data: npt.NDArray[np.float32]

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1


def raw_batch(texts: Iterable[str]) -> Batch:
    """Hashed term frequencies of each text, before IDF; bias columns carry 1.0."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        counts, has_zh, has_en = grams(text)
        row = hashed(counts)
        if row:
            if has_zh:
                row[BIAS_ZH] = 1.0
            if has_en:
                row[BIAS_EN] = 1.0
        indices.extend(row.keys())
        data.extend(row.values())
        indptr.append(len(indices))
    return Batch(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int32),
        np.asarray(data, dtype=np.float32),
    )


def weight(batch: Batch, idf: npt.NDArray[np.floating]) -> Batch:
    """Apply IDF and L2-normalise each row's hashed part; bias columns stay at 1.0."""
    is_bias = batch.indices >= N_FEATURES
    values = batch.data.astype(np.float32, copy=True)
    hashed_idx = np.where(is_bias, 0, batch.indices)
    values = np.where(is_bias, values, values * idf[hashed_idx].astype(np.float32))
    squares = np.where(is_bias, 0.0, values * values).astype(np.float64)
    rows = np.repeat(np.arange(batch.n_rows), np.diff(batch.indptr))
    norms = np.sqrt(np.bincount(rows, weights=squares, minlength=batch.n_rows))
    scale = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)[rows]
    values = np.where(is_bias, values, values * scale).astype(np.float32)
    return Batch(batch.indptr, batch.indices, values)
