"""Text → hashed sparse features for the sentiment models (shared by training and run time).

Two feature spaces, one per language model, each with its own hashing table:

- **Chinese** (`zh_grams`): character 1–4-grams over the whole folded text (punctuation
  such as `！`/`？` and digits included; white space squashed) plus jieba words and word
  bigrams. Hashed with CRC-32 into `ZH_BUCKETS` buckets. Plus `N_ZH_EMOTION` dense
  emotion-word features (`ZhEmotion`) in columns after the hashed ones.
- **English** (`en_grams`): word 1–2-grams, character 2–5-grams inside words (padded with
  a space, as scikit-learn's `char_wb`), `!`/`?` as words; hashed into `EN_BUCKETS`
  buckets. Plus `N_LEXICON` dense lexicon features (VADER's valence lexicon, see
  `Lexicon`) in columns after the hashed ones.

Values are sublinear TF × IDF, L2-normalised over the hashed part; dense columns (the
lexicon features) pass through unweighted. A text is routed by script (`route_share`): the
Chinese model reads texts with CJK characters, the English model texts with Latin words,
and a mixed text gets both, averaged by the share of each script.

Training and prediction call the same `featurize` and `weight`, so the two cannot drift apart.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from zlib import crc32

import numpy as np
import numpy.typing as npt

from yuqing.core.textfold import fold

ZH_BUCKETS = 1 << 21
EN_BUCKETS = 1 << 20
N_LEXICON = 7
N_ZH_EMOTION = 4
# Rows of the two models' weights stacked (see `SentimentModel.coef`).
N_COLUMNS = ZH_BUCKETS + N_ZH_EMOTION + EN_BUCKETS + N_LEXICON

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
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z][a-z0-9']*|[0-9]+(?:\.[0-9]+)?|[!?]")
_LEX_TOKEN = re.compile(r"[a-z][a-z']*|[:;=8][\-^']?[()dp\]\[/\\|*3]|<3")
_SPACES = re.compile(r"\s+")
# A Chinese word is about 1.5 characters: a CJK character counts 1, a Latin word 1.5.
_LATIN_WORD_WEIGHT = 1.5


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


def _cut(text: str) -> list[str]:
    import jieba  # a dependency of yuqing already; imported when first needed

    return [w for w in jieba.lcut(text) if not w.isspace()]


def init_segmenter() -> None:
    """Load jieba's dictionary now (about 0.7 s) rather than on the first Chinese text."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()


def zh_grams(folded: str) -> Counter[str]:
    """Chinese feature strings of a folded text: char 1–4-grams, jieba words and bigrams."""
    text = _SPACES.sub(" ", folded).strip()
    counts: Counter[str] = Counter()
    n = len(text)
    for k in range(1, 5):
        counts.update("c" + text[i : i + k] for i in range(n - k + 1))
    words = _cut(text)
    counts.update("w" + w for w in words)
    counts.update("b" + a + " " + b for a, b in pairwise(words))
    return counts


def en_words(folded: str) -> list[str]:
    return _WORD.findall(folded)


def en_grams(words: Sequence[str]) -> Counter[str]:
    """English feature strings: word 1–2-grams and char 2–5-grams inside Latin words."""
    counts: Counter[str] = Counter()
    counts.update("w" + w for w in words)
    counts.update("b" + a + " " + b for a, b in pairwise(words))
    # Character 2–5-grams inside Latin words catch spelling variants and elongation
    # ("sooo", "loved"/"loving"); on TweetEval val they add 2 points of macro-recall.
    for w in words:
        if len(w) > 1 and w[0].isalpha():
            padded = " " + w + " "
            n = len(padded)
            counts.update("l" + padded[i : i + k] for k in range(2, 6) for i in range(n - k + 1))
    return counts


_NEGATORS = frozenset(
    "not no never nothing nobody none nor neither without cannot dont don't isnt isn't wasnt"
    " wasn't didnt didn't doesnt doesn't cant can't wont won't arent aren't aint ain't"
    " shouldn't couldn't wouldn't hasn't haven't".split()
)


class Lexicon:
    """Valence lexicon features (VADER's lexicon, MIT licence, built into the model file).

    Per text: summed positive and negative valence (/4), log counts of positive and
    negative hits, a squashed net valence, "no hit at all", and "has `!`". A lexicon word
    within three words after a negator has its valence flipped and damped (×−0.74, as
    VADER does).
    """

    def __init__(self, valence: Mapping[str, float]) -> None:
        self.valence = dict(valence)

    def features(self, folded: str) -> list[float]:
        tokens = _LEX_TOKEN.findall(folded)
        pos = neg = 0.0
        n_pos = n_neg = 0
        for i, tok in enumerate(tokens):
            v = self.valence.get(tok)
            if v is None:
                continue
            if any(t in _NEGATORS or t.endswith("n't") for t in tokens[max(0, i - 3) : i]):
                v = -0.74 * v
            if v > 0:
                pos += v
                n_pos += 1
            else:
                neg -= v
                n_neg += 1
        net = pos - neg
        return [
            pos / 4,
            neg / 4,
            math.log1p(n_pos),
            math.log1p(n_neg),
            net / math.sqrt(net * net + 15),
            1.0 if n_pos + n_neg == 0 else 0.0,
            1.0 if "!" in folded else 0.0,
        ]


# Chinese emotion words (hand-written, Simplified): dense features beside the n-grams, so
# that plain joy or anger on Weibo ("太开心了！") is not read through the review corpora's
# "太…了！" complaints. A word right after 不/没/别 counts for the other side.
_ZH_POSITIVE = re.compile(
    "开心|高兴|快乐|幸福|激动|兴奋|感动|喜欢|哈哈|嘻嘻|欣慰|美好|享受|惊喜|温暖|感谢|谢谢|"
    "恭喜|祝福|可爱|满意|愉快|舒服|给力|完美|棒|赞|爽|好评|推荐|好吃|好用|漂亮|优秀|厉害|"
    "期待|庆幸|骄傲|自豪|甜蜜|第一名|冠军|成功"
)
_ZH_NEGATIVE = re.compile(
    "难过|伤心|生气|愤怒|失望|讨厌|气死|郁闷|烦|痛苦|害怕|恐惧|担心|焦虑|崩溃|委屈|哭|"
    "恶心|垃圾|糟糕|后悔|无语|悲伤|可怜|怒|投诉|退货|难吃|心累|受不了|绝望|孤独|寂寞|"
    "无聊|唉|差劲|太差|坑人|骗|累死|难受|心疼|可恶|不满"
)
_ZH_NEGATOR = frozenset("不没别")


class ZhEmotion:
    """Dense Chinese emotion features (`N_ZH_EMOTION` columns after the Chinese buckets).

    Log counts of positive and negative emotion words, their squashed difference, and
    "an emotion word and a `!`".
    """

    @staticmethod
    def features(folded: str) -> list[float]:
        pos = neg = 0
        for pattern, sign in ((_ZH_POSITIVE, 1), (_ZH_NEGATIVE, -1)):
            for m in pattern.finditer(folded):
                start = m.start()
                flipped = start > 0 and folded[start - 1] in _ZH_NEGATOR
                if (sign > 0) != flipped:
                    pos += 1
                else:
                    neg += 1
        net = pos - neg
        return [
            math.log1p(pos),
            math.log1p(neg),
            net / math.sqrt(net * net + 4),
            1.0 if (pos or neg) and ("!" in folded) else 0.0,
        ]


def hashed(counts: Counter[str], mask: int) -> dict[int, float]:
    """Bucket → sublinear term frequency (1 + log tf), summed over colliding strings."""
    out: dict[int, float] = {}
    for gram, tf in counts.items():
        key = crc32(gram.encode("utf-8")) & mask
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


class _Builder:
    def __init__(self) -> None:
        self.indptr = [0]
        self.indices: list[int] = []
        self.data: list[float] = []

    def add(self, row: dict[int, float]) -> None:
        self.indices.extend(row.keys())
        self.data.extend(row.values())
        self.indptr.append(len(self.indices))

    def batch(self) -> Batch:
        return Batch(
            np.asarray(self.indptr, dtype=np.int64),
            np.asarray(self.indices, dtype=np.int32),
            np.asarray(self.data, dtype=np.float32),
        )


@dataclass(slots=True)
class Featurized:
    """Raw features of a batch of texts: one `Batch` per language, and the routing.

    `zh_share[i]` is the weight of the Chinese model for text i (1 for Chinese, 0 for
    English, in between for mixed text, NaN when the text has neither: nothing to say).
    """

    zh: Batch
    en: Batch
    zh_share: npt.NDArray[np.float64]


def route_share(n_cjk: int, n_latin_words: int) -> float:
    """Weight of the Chinese model for a text with these counts (NaN: neither script)."""
    en = _LATIN_WORD_WEIGHT * n_latin_words
    total = n_cjk + en
    return float("nan") if total == 0 else n_cjk / total


def featurize(texts: Iterable[str], lexicon: Lexicon) -> Featurized:
    """Hashed term frequencies (before IDF) of each text in each language it has."""
    zh, en = _Builder(), _Builder()
    shares: list[float] = []
    zh_mask, en_mask = ZH_BUCKETS - 1, EN_BUCKETS - 1
    for text in texts:
        folded = clean(text)
        n_cjk = len(_CJK.findall(folded))
        words = en_words(folded)
        n_latin = sum(1 for w in words if w[0].isalpha())
        share = route_share(n_cjk, n_latin)
        shares.append(share)
        if n_cjk:
            zh_row = hashed(zh_grams(folded), zh_mask)
            for j, value in enumerate(ZhEmotion.features(folded)):
                if value:
                    zh_row[ZH_BUCKETS + j] = value
            zh.add(zh_row)
        else:
            zh.add({})
        if n_latin:
            row = hashed(en_grams(words), en_mask)
            for j, value in enumerate(lexicon.features(folded)):
                if value:
                    row[EN_BUCKETS + j] = value
            en.add(row)
        else:
            en.add({})
    return Featurized(zh.batch(), en.batch(), np.asarray(shares, dtype=np.float64))


def weight(batch: Batch, idf: npt.NDArray[np.floating]) -> Batch:
    """Apply IDF and L2-normalise each row's hashed part; dense columns pass through.

    Columns at or past `len(idf)` are dense features (the lexicon) and keep their value.
    """
    n_buckets = len(idf)
    is_dense = batch.indices >= n_buckets
    values = batch.data.astype(np.float32, copy=True)
    hashed_idx = np.where(is_dense, 0, batch.indices)
    values = np.where(is_dense, values, values * idf[hashed_idx].astype(np.float32))
    squares = np.where(is_dense, 0.0, values * values).astype(np.float64)
    rows = np.repeat(np.arange(batch.n_rows), np.diff(batch.indptr))
    norms = np.sqrt(np.bincount(rows, weights=squares, minlength=batch.n_rows))
    scale = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)[rows]
    values = np.where(is_dense, values, values * scale).astype(np.float32)
    return Batch(batch.indptr, batch.indices, values)
