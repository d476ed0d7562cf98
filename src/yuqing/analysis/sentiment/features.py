"""Text → hashed sparse features for the sentiment models, a whole batch at a time.

Shared by training and run time (`featurize`), so the two cannot drift apart. Two feature
spaces, one per language model:

- **Chinese** (texts with CJK characters): character 1–3-grams that do not cross white
  space (punctuation, digits and emoji included), rjieba words (jieba's dictionary, no
  HMM) and word pairs; plus `N_ZH_DENSE` dense emotion-word features (`ZH_POSITIVE`,
  `ZH_NEGATIVE`), damped in long texts.
- **English** (texts with Latin words): tokens (words, numbers, `!`/`?`, emoticons), token
  pairs, and character 2–5-grams inside words padded with a space (as scikit-learn's
  `char_wb`); plus `N_EN_DENSE` dense features from VADER's valence lexicon.

Speed is the point of this module (it runs for every kept post): nothing is done per
feature in Python. A batch is folded and hashed as one array of code points:

1. `clean` takes markup, links, mentions and emoticon brackets out of each text (regular
   expressions, skipped when their trigger character is absent);
2. the batch is joined with newlines, read as UTF-32 code points, and folded with one
   table lookup (`FoldTable`: NFKC, Traditional → Simplified, lower case, white space →
   space; the table is built from `yuqing.core.textfold.fold` character by character and
   ships inside the model file);
3. every n-gram and word gets a 64-bit polynomial hash from prefix sums of code points
   times powers of an odd constant (`_prefix` and `_segments`), then a salt for its kind
   and a finaliser (`_mix`); the top bits pick a bucket. rjieba cuts the whole batch in
   one call; its words add up to the text, so their lengths give their positions;
4. sorting 32-bit (row, bucket) keys gives each text's term counts.

Values are sublinear TF (1 + log tf) before IDF; `weighted_logits` applies IDF and L2
normalisation (over the hashed part; dense features pass through) and the weights.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

ZH_BITS = 21
EN_BITS = 20
ZH_BUCKETS = 1 << ZH_BITS
EN_BUCKETS = 1 << EN_BITS
N_ZH_DENSE = 4
N_EN_DENSE = 7
ZH_MAX_GRAM = 3
# Emotion-word features count fully in texts up to this long (see `_zh_features`).
EMOTION_FULL_CHARS = 20

# A post at the 1 MiB cap would cost a lot of n-gram hashing for nothing: the opening and
# the closing of a long text carry its tone, so long texts are read as head + tail.
HEAD_CHARS = 6000
TAIL_CHARS = 2000
# Batches are hashed in chunks of at most this many characters (bounded memory).
CHUNK_CHARS = 1 << 18
# ... and at most this many texts, so (row, bucket) keys fit in 32 bits.
CHUNK_ROWS = 1 << (32 - ZH_BITS)

# Weibo emoticon tags such as [怒] or [哈哈]: the inner word is kept as text, the brackets go.
_EMOTICON_TAG = re.compile(r"\[([^\[\]\s]{1,8})\]")
_HTML_TAG = re.compile(r"<[^<>]{0,500}>")
# Code and styles inside HTML remains are not what the post says.
_HTML_CODE = re.compile(r"<(script|style)\b[^>]{0,500}>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# @mentions carry names, not tone; Weibo's "//@someone:" repost chains too.
_MENTION = re.compile(r"@[\w\-\u00b7]{1,30}")
# English tokens of folded text: emoticons, words, numbers, `!` and `?`.
_EN_TOKEN = re.compile(r"[:;=][\-^']?[()dp\]\[/\\|*3]|<3|[a-z][a-z0-9']*|[0-9]+(?:\.[0-9]+)?|[!?]")
# A Chinese word is about 1.5 characters: a CJK character counts 1, a Latin word 1.5.
_LATIN_WORD_WEIGHT = 1.5

_SPACE = 0x20
_NEWLINE = 0x0A
_U64 = np.uint64
# Polynomial base of the n-gram hashes (odd, so invertible modulo 2^64) and its inverse.
_BASE = 0x9E3779B97F4A7C15
_BASE_INV = pow(_BASE, -1, 1 << 64)
_PAIR = _U64(0xD6E8FEB86659FD93)
_SALT = _U64(0xA0761D6478BD642F)
# Feature kinds: the salt keeps a word and a character gram of the same string apart.
_KIND_ZH_WORD = 10
_KIND_ZH_PAIR = 11
_KIND_EN_WORD = 20
_KIND_EN_PAIR = 21
_KIND_EN_CHAR = 30  # + n


# -- text clean-up ----------------------------------------------------------------------


def strip_emoticon_tags(text: str) -> str:
    """Remove Weibo emoticon tags entirely (how SMP2020 is measured: tags are too easy)."""
    return _EMOTICON_TAG.sub(" ", text)


def clean(text: str) -> str:
    """The text with markup, links, mentions and emoticon-tag brackets taken out (not folded).

    Each expression runs only when its trigger character is in the text.
    """
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        text = text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]
    if "<" in text:
        text = _HTML_TAG.sub(" ", _HTML_CODE.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    if "://" in text or ("." in text and ("w" in text or "W" in text)):
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "[" in text:
        text = _EMOTICON_TAG.sub(r" \1 ", text)
    return text


# -- folding ----------------------------------------------------------------------------


def _is_blank(ch: str) -> bool:
    import unicodedata

    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


class FoldTable:
    """Code point → folded code point for the Basic Multilingual Plane (others unchanged).

    Built once from `yuqing.core.textfold.fold` (NFKC, Traditional → Simplified, lower
    case) character by character, keeping one-character results; white space, control and
    format characters become a space. It ships inside the model file (`pairs`), so a model
    reads text exactly as it was trained on, whatever the Unicode tables of the run time.
    """

    def __init__(self, pairs: npt.NDArray[np.integer[Any]]) -> None:
        table = np.arange(0x10000, dtype=np.uint32)
        table[pairs[:, 0]] = pairs[:, 1]
        self.table = table
        self.pairs = np.asarray(pairs, dtype=np.uint32)

    @classmethod
    def build(cls) -> FoldTable:
        from yuqing.core.textfold import fold

        pairs: list[tuple[int, int]] = []
        for c in range(0x10000):
            ch = chr(c)
            if 0xD800 <= c < 0xE000 or _is_blank(ch):
                # Lone surrogates (possible in JSON input) cannot reach rjieba: a space.
                out = _SPACE
            else:
                folded = fold(ch)
                out = ord(folded) if len(folded) == 1 and not _is_blank(folded) else c
            if out != c:
                pairs.append((c, out))
        return cls(np.array(pairs, dtype=np.uint32).reshape(-1, 2))

    def fold_str(self, text: str) -> str:
        """One text folded the way `featurize` reads it (for tests and inspection)."""
        return _decode(self.codes(_encode(text)))

    def codes(self, cps: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
        out: npt.NDArray[np.uint32] = self.table[np.minimum(cps, 0xFFFF)]
        astral = cps > 0xFFFF
        if astral.any():
            out[astral] = cps[astral]
        return out


def _encode(text: str) -> npt.NDArray[np.uint32]:
    raw = text.encode("utf-32-le", "surrogatepass")
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


def _decode(cps: npt.NDArray[np.uint32]) -> str:
    return cps.astype("<u4").tobytes().decode("utf-32-le")


# -- hashing ----------------------------------------------------------------------------

_pow_cache: list[npt.NDArray[np.uint64]] = []


def _powers(n: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """BASE^i and BASE^-i modulo 2^64 for i < n (cached, grown by doubling)."""
    if not _pow_cache or len(_pow_cache[0]) < n:
        size = max(n, 1 << 16, 2 * len(_pow_cache[0]) if _pow_cache else 0)
        with np.errstate(over="ignore"):
            fwd = np.cumprod(np.full(size, _BASE, dtype=np.uint64), dtype=np.uint64)
            inv = np.cumprod(np.full(size, _BASE_INV, dtype=np.uint64), dtype=np.uint64)
        fwd = np.concatenate([[_U64(1)], fwd[:-1]]).astype(np.uint64)
        inv = np.concatenate([[_U64(1)], inv[:-1]]).astype(np.uint64)
        _pow_cache[:] = [fwd, inv]
    return _pow_cache[0][:n], _pow_cache[1][:n]


def _prefix(cps: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Prefix sums S (S[i] = Σ_{j<i} c_j·BASE^j) and BASE^-i, for `_segments`."""
    fwd, inv = _powers(len(cps) + 1)
    s = np.zeros(len(cps) + 1, dtype=np.uint64)
    np.cumsum(cps.astype(np.uint64) * fwd[: len(cps)], out=s[1:])
    return s, inv


def _segments(
    s: npt.NDArray[np.uint64],
    inv: npt.NDArray[np.uint64],
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
) -> npt.NDArray[np.uint64]:
    """Hash of each code point segment [start, end): Σ c_j·BASE^(j−start), modulo 2^64."""
    out: npt.NDArray[np.uint64] = (s[end] - s[start]) * inv[start]
    return out


def _mix(h: npt.NDArray[np.uint64], kind: npt.NDArray[np.uint64] | int) -> npt.NDArray[np.uint64]:
    """Salt by feature kind, then MurmurHash3's 64-bit finaliser (spreads every bit)."""
    x = h ^ (np.asarray(kind, dtype=np.uint64) * _SALT)
    x ^= x >> _U64(33)
    x *= _U64(0xFF51AFD7ED558CCD)
    x ^= x >> _U64(33)
    x *= _U64(0xC4CEB9FE1A85EC53)
    x ^= x >> _U64(33)
    return x


def segment_hash(text: str) -> int:
    """The unsalted hash `_segments` gives a folded string (for building lookup tables)."""
    s, inv = _prefix(_encode(text))
    return int(_segments(s, inv, np.array([0]), np.array([len(text)]))[0])


def gram_hash(text: str) -> int:
    """The salted hash of a folded string read as a Chinese character n-gram."""
    h = np.array([segment_hash(text)], dtype=np.uint64)
    return int(_mix(h, len(text))[0])


@dataclass(slots=True)
class Sparse:
    """Term counts per text as a CSR matrix: columns sorted within each row, no duplicates."""

    indptr: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def rows(self) -> npt.NDArray[np.int64]:
        out: npt.NDArray[np.int64] = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        return out


def row_sums(m: Sparse, v: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Σ v over each row's entries (`np.add.reduceat` over the non-empty rows)."""
    out = np.zeros(m.n_rows, dtype=np.float64)
    starts = m.indptr[:-1]
    nonempty = np.flatnonzero(m.indptr[1:] > starts)
    if len(nonempty):
        out[nonempty] = np.add.reduceat(v.astype(np.float64), starts[nonempty])
    return out


def _keys(rows: npt.NDArray[np.uint32], hashes: npt.NDArray[np.uint64], bits: int) -> Any:
    """(row, bucket) as one 32-bit key: the row above the top `bits` bits of the hash."""
    return (rows << np.uint32(bits)) | (hashes >> _U64(64 - bits)).astype(np.uint32)


def _count(n_rows: int, keys: npt.NDArray[np.uint32], bits: int) -> Sparse:
    """Count equal (row, bucket) keys: the CSR matrix of 1 + log tf."""
    keys.sort()
    if len(keys):
        first = np.empty(len(keys), dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        at = np.flatnonzero(first)
        counts = np.diff(at, append=len(keys)).astype(np.float32)
        unique = keys[at]
    else:
        counts = np.zeros(0, dtype=np.float32)
        unique = np.zeros(0, dtype=np.uint32)
    values = (1.0 + np.log(counts)).astype(np.float32)
    indptr = np.searchsorted(unique >> np.uint32(bits), np.arange(n_rows + 1, dtype=np.uint32))
    cols = (unique & np.uint32((1 << bits) - 1)).astype(np.intp)
    return Sparse(indptr.astype(np.int64), cols, values)


# -- lexicons ---------------------------------------------------------------------------

# Chinese emotion words (hand-written, Simplified): dense features beside the n-grams, so
# that plain joy or anger on Weibo ("太开心了！") is not read through the review corpora's
# "太…了！" complaints. A word right after 不/没/别 counts for the other side.
ZH_POSITIVE = (
    "开心 高兴 快乐 幸福 激动 兴奋 感动 喜欢 哈哈 嘻嘻 欣慰 美好 享受 惊喜 温暖 感谢 谢谢 "
    "恭喜 祝福 可爱 满意 愉快 舒服 给力 完美 棒 赞 爽 好评 推荐 好吃 好用 漂亮 优秀 厉害 "
    "期待 庆幸 骄傲 自豪 甜蜜 第一名 冠军 成功"
).split()
ZH_NEGATIVE = (
    "难过 伤心 生气 愤怒 失望 讨厌 气死 郁闷 烦 痛苦 害怕 恐惧 担心 焦虑 崩溃 委屈 哭 "
    "恶心 垃圾 糟糕 后悔 无语 悲伤 可怜 怒 投诉 退货 难吃 心累 受不了 绝望 孤独 寂寞 "
    "无聊 唉 差劲 太差 坑人 骗 累死 难受 心疼 可恶 不满"
).split()
_ZH_NEGATORS = "不没别"

EN_NEGATORS = frozenset(
    "not no never nothing nobody none nor neither without cannot dont don't isnt isn't wasnt"
    " wasn't didnt didn't doesnt doesn't cant can't wont won't arent aren't aint ain't"
    " shouldn't couldn't wouldn't hasn't haven't hadn't mustn't needn't weren't".split()
)


class ZhEmotion:
    """Matches `ZH_POSITIVE`/`ZH_NEGATIVE` among the character n-gram hashes of a batch.

    Only windows that start with the first character of some emotion word are looked up
    (one table lookup per code point finds them), in a direct-mapped table keyed by the
    low bits of the salted gram hash (the buckets use the top bits).
    """

    SLOT_BITS = 16

    def __init__(self) -> None:
        size = 1 << self.SLOT_BITS
        self.keys = np.zeros(size, dtype=np.uint64)
        self.sign = np.zeros(size, dtype=np.int8)
        for words, sign in ((ZH_POSITIVE, 1), (ZH_NEGATIVE, -1)):
            for word in words:
                h = gram_hash(word)
                slot = h & (size - 1)
                if self.sign[slot] and self.keys[slot] != h:  # pragma: no cover - checked
                    raise RuntimeError(f"emotion word {word!r} collides in the slot table")
                self.keys[slot], self.sign[slot] = h, sign
        self.max_len = max(len(w) for w in (*ZH_POSITIVE, *ZH_NEGATIVE))
        self.first = np.zeros(0x10000, dtype=bool)
        self.first[[ord(w[0]) for w in (*ZH_POSITIVE, *ZH_NEGATIVE)]] = True
        self.negators = np.array([ord(c) for c in _ZH_NEGATORS], dtype=np.uint32)

    def starts(self, cps: npt.NDArray[np.uint32]) -> npt.NDArray[np.intp]:
        """Positions where an emotion word may start."""
        return np.flatnonzero(self.first[np.minimum(cps, 0xFFFF)])

    def signs(self, h: npt.NDArray[np.uint64]) -> npt.NDArray[np.int8]:
        slot = (h & _U64((1 << self.SLOT_BITS) - 1)).astype(np.intp)
        out: npt.NDArray[np.int8] = np.where(self.keys[slot] == h, self.sign[slot], 0).astype(
            np.int8
        )
        return out


class Lexicon:
    """VADER's valence lexicon (MIT licence; the words and values ship in the model file)."""

    def __init__(self, valence: Mapping[str, float]) -> None:
        self.valence = dict(valence)
        # One lookup gives both the valence and negator status: NaN marks a negator.
        self.lookup = {w: v for w, v in self.valence.items() if v}
        for w in EN_NEGATORS:
            self.lookup[w] = float("nan")


def _dense_en(
    lexicon: Lexicon,
    tokens: Sequence[str],
    tok_row: npt.NDArray[np.uint32],
    tok_start: npt.NDArray[np.int64],
    n_rows: int,
) -> npt.NDArray[np.float32]:
    """Per text: summed positive and negative valence (/4), log counts of positive and
    negative hits, a squashed net valence, "no hit at all", and "has `!`". A lexicon word
    within three tokens after a negator has its valence flipped and damped (×−0.74, as
    VADER does)."""
    get = lexicon.lookup.get
    v = np.array([get(t, 0.0) for t in tokens], dtype=np.float64)
    negator = np.isnan(v)
    v[negator] = 0.0
    # Negators among the three tokens before each token, within the same text.
    cs = np.concatenate([[0], np.cumsum(negator)])
    idx = np.arange(len(tokens))
    lo = np.maximum(idx - 3, tok_start)
    flipped = cs[idx] - cs[lo] > 0
    v = np.where(flipped, -0.74 * v, v)
    pos = np.bincount(tok_row, weights=np.maximum(v, 0.0), minlength=n_rows)
    neg = np.bincount(tok_row, weights=np.maximum(-v, 0.0), minlength=n_rows)
    n_pos = np.bincount(tok_row, weights=v > 0, minlength=n_rows)
    n_neg = np.bincount(tok_row, weights=v < 0, minlength=n_rows)
    bang = np.bincount(tok_row, weights=[t == "!" for t in tokens], minlength=n_rows)
    net = pos - neg
    out = np.stack(
        [
            pos / 4,
            neg / 4,
            np.log1p(n_pos),
            np.log1p(n_neg),
            net / np.sqrt(net * net + 15),
            (n_pos + n_neg == 0).astype(np.float64),
            (bang > 0).astype(np.float64),
        ],
        axis=1,
    )
    return out.astype(np.float32)


# -- the batch featurizer ----------------------------------------------------------------


@dataclass(slots=True)
class Featurized:
    """Raw features of a batch of texts, per language, and the routing between them.

    `zh_share[i]` is the weight of the Chinese model for text i (1 for Chinese, 0 for
    English, in between for mixed text, NaN when the text has neither: nothing to say).
    Rows of a language a text does not have are empty.
    """

    zh: Sparse
    zh_dense: npt.NDArray[np.float32]
    en: Sparse
    en_dense: npt.NDArray[np.float32]
    zh_share: npt.NDArray[np.float64]


@dataclass(slots=True)
class Tables:
    """What featurizing needs besides the text: the fold table and the two lexicons."""

    fold: FoldTable
    lexicon: Lexicon
    emotion: ZhEmotion

    @classmethod
    def of(cls, fold: FoldTable, lexicon: Lexicon) -> Tables:
        return cls(fold, lexicon, ZhEmotion())


def route_share(n_cjk: int, n_latin_words: int) -> float:
    """Weight of the Chinese model for a text with these counts (NaN: neither script)."""
    en = _LATIN_WORD_WEIGHT * n_latin_words
    total = n_cjk + en
    return float("nan") if total == 0 else n_cjk / total


def _is_cjk(c: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    out: npt.NDArray[np.bool_] = (
        ((c >= 0x3400) & (c < 0x4DC0))
        | ((c >= 0x4E00) & (c < 0xA000))
        | ((c >= 0xF900) & (c < 0xFB00))
    )
    return out


def _cut(text: str) -> list[str]:
    import rjieba  # a dependency of yuqing; the Rust port of jieba (same dictionary)

    words: list[str] = rjieba.cut(text, False)
    return words


def warm_up() -> None:
    """Load rjieba's dictionary now rather than inside the first batch."""
    _cut("预热")


def _zh_features(
    cps: npt.NDArray[np.uint32],
    row_of: npt.NDArray[np.uint32],
    row_lengths: npt.NDArray[np.int64],
    tables: Tables,
) -> tuple[Sparse, npt.NDArray[np.float32]]:
    """Chinese features of folded code points; rows separated by newlines."""
    n_rows = len(row_lengths)
    n = len(cps)
    s, inv = _prefix(cps)
    blank = (cps == _SPACE) | (cps == _NEWLINE)
    n_blank = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(blank, out=n_blank[1:])
    keys: list[npt.NDArray[np.uint32]] = []
    emotion = tables.emotion
    pos_hits: list[npt.NDArray[np.uint32]] = []
    neg_hits: list[npt.NDArray[np.uint32]] = []
    maybe = emotion.starts(cps)
    for k in range(1, ZH_MAX_GRAM + 1):
        # Every window of k code points (contiguous arrays, no gathers), then only those
        # without white space or a text boundary are kept.
        m = n - k + 1
        h = _mix((s[k:] - s[:m]) * inv[:m], k)
        valid = n_blank[k:] == n_blank[:m]
        keys.append(_keys(row_of[:m], h, ZH_BITS)[valid])
        if k <= emotion.max_len:
            cand = maybe[maybe < m]
            cand = cand[valid[cand]]
            sign = emotion.signs(h[cand])
            at = cand[sign != 0]
            if len(at):
                negated = (at > 0) & np.isin(cps[np.maximum(at - 1, 0)], emotion.negators)
                positive = (sign[sign != 0] > 0) != negated
                pos_hits.append(row_of[at[positive]])
                neg_hits.append(row_of[at[~positive]])
    # Words: rjieba keeps every character, so word lengths give word positions.
    words = _cut(_decode(cps))
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    ends = np.cumsum(lengths)
    if len(words) and ends[-1] == n:
        starts = ends - lengths
        keep = np.flatnonzero(~blank[starts])
        w_start, w_end = starts[keep], ends[keep]
        wh = _segments(s, inv, w_start, w_end)
        w_row = row_of[w_start]
        keys.append(_keys(w_row, _mix(wh, _KIND_ZH_WORD), ZH_BITS))
        same = np.flatnonzero(w_row[1:] == w_row[:-1])
        pair = wh[same] * _PAIR + wh[same + 1]
        keys.append(_keys(w_row[same], _mix(pair, _KIND_ZH_PAIR), ZH_BITS))
    sparse = _count(n_rows, np.concatenate(keys), ZH_BITS)
    n_pos = np.bincount(np.concatenate([np.zeros(0, np.uint32), *pos_hits]), minlength=n_rows)
    n_neg = np.bincount(np.concatenate([np.zeros(0, np.uint32), *neg_hits]), minlength=n_rows)
    net = (n_pos - n_neg).astype(np.float64)
    bang = np.bincount(row_of[cps == ord("!")], minlength=n_rows) > 0
    # Full weight up to `EMOTION_FULL_CHARS` characters, then damped by √(full / length):
    # in a long review the n-grams know better than a short word list.
    damp = np.minimum(1.0, np.sqrt(EMOTION_FULL_CHARS / np.maximum(row_lengths, 1)))
    dense = np.stack(
        [
            np.log1p(n_pos),
            np.log1p(n_neg),
            net / np.sqrt(net * net + 4),
            ((n_pos + n_neg > 0) & bang).astype(np.float64),
        ],
        axis=1,
    )
    return sparse, (dense * damp[:, None]).astype(np.float32)


def _en_features(
    token_lists: Sequence[list[str]], n_rows: int, tables: Tables
) -> tuple[Sparse, npt.NDArray[np.float32]]:
    """English features of token lists (one per row, folded text)."""
    counts = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    tokens = list(chain.from_iterable(token_lists))
    if not tokens:
        return _empty(n_rows, N_EN_DENSE)
    tok_row = np.repeat(np.arange(n_rows, dtype=np.uint32), counts)
    row_first = np.cumsum(counts) - counts
    tok_start = np.repeat(row_first, counts)
    # All tokens in one string, each padded by a space on both sides (shared with the
    # neighbour's padding): " tok1 tok2 … ".
    cps = _encode(" " + " ".join(tokens) + " ")
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    w_start = np.cumsum(lengths + 1) - lengths
    s, inv = _prefix(cps)
    wh = _segments(s, inv, w_start, w_start + lengths)
    keys = [_keys(tok_row, _mix(wh, _KIND_EN_WORD), EN_BITS)]
    same = np.flatnonzero(tok_row[1:] == tok_row[:-1])
    keys.append(_keys(tok_row[same], _mix(wh[same] * _PAIR + wh[same + 1], _KIND_EN_PAIR), EN_BITS))
    # Character 2–5-grams inside " word " for words of two or more characters that start
    # with a letter; they catch spelling variants and elongation ("sooo", "loved"). A
    # window belongs to one padded word when no space is inside it (its ends may be the
    # padding); the word is the one after the spaces up to the window's first character.
    first = cps[w_start]
    eligible = np.append((first >= ord("a")) & (first <= ord("z")) & (lengths > 1), False)
    n = len(cps)
    n_space = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(cps == _SPACE, out=n_space[1:])
    owner = n_space[1:] - 1  # token of each window start (the last one: none, see below)
    owner[-1] = len(tokens)
    for k in range(2, 6):
        m = n - k + 1
        if m <= 0:
            break
        tok = owner[:m]
        ok = (n_space[k - 1 : k - 1 + m] == n_space[1 : m + 1]) & eligible[tok]
        h = _mix((s[k:] - s[:m]) * inv[:m], _KIND_EN_CHAR + k)
        keys.append(_keys(tok_row[np.minimum(tok, len(tokens) - 1)], h, EN_BITS)[ok])
    sparse = _count(n_rows, np.concatenate(keys), EN_BITS)
    dense = _dense_en(tables.lexicon, tokens, tok_row, tok_start, n_rows)
    return sparse, dense


def _ranges(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """0..len−1 for each length, concatenated."""
    total = int(lengths.sum())
    firsts = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(firsts, lengths)


def _empty(n_rows: int, n_dense: int) -> tuple[Sparse, npt.NDArray[np.float32]]:
    return (
        Sparse(np.zeros(n_rows + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)),
        np.zeros((n_rows, n_dense), dtype=np.float32),
    )


def _featurize_chunk(texts: Sequence[str], tables: Tables) -> Featurized:
    n_rows = len(texts)
    cleaned = [clean(t) for t in texts]
    lengths = np.fromiter(map(len, cleaned), dtype=np.int64, count=n_rows)
    raw = _encode("\n".join(cleaned) + "\n")
    cps = tables.fold.codes(raw)
    ends = np.cumsum(lengths + 1) - 1
    cps[ends] = _NEWLINE
    row_of = np.repeat(np.arange(n_rows, dtype=np.uint32), lengths + 1)
    n_cjk = np.bincount(row_of, weights=_is_cjk(cps), minlength=n_rows)
    has_az = np.bincount(row_of, weights=(cps >= ord("a")) & (cps <= ord("z")), minlength=n_rows)

    zh_rows = np.flatnonzero(n_cjk > 0)
    if len(zh_rows):
        if len(zh_rows) == n_rows:
            zh_cps, zh_row_of = cps, row_of
        else:
            take = n_cjk[row_of] > 0
            zh_cps, zh_row_of = cps[take], row_of[take]
        zh, zh_dense = _zh_features(zh_cps, zh_row_of, lengths, tables)
    else:
        zh, zh_dense = _empty(n_rows, N_ZH_DENSE)

    n_latin = np.zeros(n_rows)
    en_rows = np.flatnonzero(has_az > 0)
    if len(en_rows):
        folded = _decode(cps).split("\n")
        token_lists: list[list[str]] = [[] for _ in range(n_rows)]
        for r in en_rows.tolist():
            token_lists[r] = _EN_TOKEN.findall(folded[r])
        alpha = [sum(1 for t in token_lists[r] if "a" <= t[0] <= "z") for r in en_rows.tolist()]
        n_latin[en_rows] = alpha
        en, en_dense = _en_features(token_lists, n_rows, tables)
    else:
        en, en_dense = _empty(n_rows, N_EN_DENSE)
    weight_en = _LATIN_WORD_WEIGHT * n_latin
    total = n_cjk + weight_en
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, n_cjk / np.where(total > 0, total, 1.0), np.nan)
    # A text routed to one side only needs no rows on the other.
    if len(en_rows):
        en = _drop_rows(en, n_latin == 0)
        en_dense[n_latin == 0] = 0.0
    return Featurized(zh, zh_dense, en, en_dense, share)


def _drop_rows(m: Sparse, drop: npt.NDArray[np.bool_]) -> Sparse:
    """The same matrix with the rows in `drop` emptied."""
    if not drop.any():
        return m
    keep = ~drop[m.rows]
    lengths = np.where(drop, 0, np.diff(m.indptr))
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return Sparse(indptr, m.cols[keep], m.values[keep])


def featurize(texts: Sequence[str], tables: Tables) -> Featurized:
    """Raw features (term counts before IDF) of each text in each language it has."""
    chunks: list[tuple[int, int]] = []
    begin = size = 0
    for i, t in enumerate(texts):
        size += min(len(t), HEAD_CHARS + TAIL_CHARS + 1) + 1
        if (size > CHUNK_CHARS or i - begin >= CHUNK_ROWS) and i > begin:
            chunks.append((begin, i))
            begin, size = i, min(len(t), HEAD_CHARS + TAIL_CHARS + 1) + 1
    chunks.append((begin, len(texts)))
    if len(chunks) == 1:
        return _featurize_chunk(texts, tables)
    return concat([_featurize_chunk(texts[a:b], tables) for a, b in chunks])


def _concat_sparse(parts: Sequence[Sparse]) -> Sparse:
    offsets = np.cumsum([0, *(p.indptr[-1] for p in parts)])
    indptr = [p.indptr[:-1] + o for p, o in zip(parts, offsets[:-1], strict=True)]
    return Sparse(
        np.concatenate([*indptr, offsets[-1:]]).astype(np.int64),
        np.concatenate([p.cols for p in parts]),
        np.concatenate([p.values for p in parts]),
    )


def concat(parts: Sequence[Featurized]) -> Featurized:
    """The features of consecutive batches as one."""
    return Featurized(
        _concat_sparse([p.zh for p in parts]),
        np.concatenate([p.zh_dense for p in parts]),
        _concat_sparse([p.en for p in parts]),
        np.concatenate([p.en_dense for p in parts]),
        np.concatenate([p.zh_share for p in parts]),
    )


def weighted(m: Sparse, idf: npt.NDArray[np.floating[Any]]) -> Sparse:
    """IDF-weighted, L2-normalised rows (what the linear models read)."""
    v = m.values * idf[m.cols].astype(np.float32)
    norms = np.sqrt(row_sums(m, v * v))
    scale = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)
    return Sparse(m.indptr, m.cols, (v * scale[m.rows]).astype(np.float32))


def weighted_logits(
    m: Sparse,
    dense: npt.NDArray[np.float32],
    table: npt.NDArray[np.floating[Any]],
    dense_coef: npt.NDArray[np.float32],
    intercept: npt.NDArray[np.float32],
) -> npt.NDArray[np.float64]:
    """Linear logits of raw counts: `table` rows are [IDF, weights…] per bucket.

    The same as `weighted` then a product with the weights, with one gather per entry
    (a float16 table row is at most 16 bytes: one cache line), widened to float32, and one
    `reduceat` for all the sums: Σ v·w / √(Σ v²), v = (1 + log tf)·IDF.
    """
    k = len(intercept)
    # Only the IDF and the k weights go on (not the row's zero padding).
    g = np.take(table, m.cols, axis=0)[:, : 1 + k].astype(np.float32)
    v = m.values * g[:, 0]
    g[:, 0] = v
    g *= v[:, None]  # [v², v·w_1, …]
    sums = np.zeros((m.n_rows, g.shape[1]), dtype=np.float64)
    starts = m.indptr[:-1]
    nonempty = np.flatnonzero(m.indptr[1:] > starts)
    if len(nonempty):
        sums[nonempty] = np.add.reduceat(g, starts[nonempty], axis=0)
    norm2 = sums[:, 0]
    scale = np.where(norm2 > 0, 1.0 / np.sqrt(np.maximum(norm2, 1e-24)), 0.0)
    out = sums[:, 1 : 1 + k] * scale[:, None]
    out += dense.astype(np.float64) @ dense_coef.astype(np.float64)
    out += intercept
    return out
