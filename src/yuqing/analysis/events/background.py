"""Background document frequencies of Chinese words, shipped with the package.

The clusterer learns document frequencies from the stream itself, and on a stream with
one loud story that story's own words (食堂, 腹痛) soon look as common as 明德 (the county
every story names): a newspaper report of the story, in its own wording, then shares no
heavy word with the story's event and opens an event of its own. Counts from a
background corpus of ordinary Weibo posts act as a prior of `background_docs`
pseudo-documents (`ClusterConfig`): a word rare in ordinary posts keeps some weight
however loud the stream, while the stream still decides which words are common *in it*
(a county name every story repeats stays light).

Built from the Weibo sentiment corpora (SMP2020-EWECT usual and virus training sets,
weibo_senti_100k; about 93,000 posts), by the clusterer's own tokenizer; only words of
Chinese script seen in at least `MIN_DOCS` posts are kept (the rest count as unseen):

    python -m yuqing.analysis.events.background DATA_DIR

where DATA_DIR is the folder holding `sentiment/` (the shared training data). Only
counts are shipped, no text.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("background_df.tsv.gz")
MIN_DOCS = 10


def is_cjk_word(word: str) -> bool:
    """Whether a clustering word is Chinese (a jieba word or a `_` bigram): the words
    the background counts cover. The tokenizer never mixes scripts in one word."""
    return "\u3400" <= word[-1] <= "\u9fff"


@lru_cache(maxsize=1)
def load() -> tuple[int, dict[str, int]]:
    """(number of background posts, word → posts containing it)."""
    with gzip.open(TABLE, "rt", encoding="utf-8") as handle:
        total = int(handle.readline())
        counts = {}
        for line in handle:
            word, _, count = line.rstrip("\n").partition("\t")
            counts[word] = int(count)
    return total, counts


@lru_cache(maxsize=4)
def prior_counts(pseudo_docs: float) -> dict[str, float]:
    """Word → its expected count in `pseudo_docs` background posts (shared: read only)."""
    total, counts = load()
    scale = pseudo_docs / total
    return {word: count * scale for word, count in counts.items()}


def _texts(data_dir: Path) -> Iterator[str]:
    smp = data_dir / "sentiment" / "smp2020_ewect_train"
    for name in ("usual_train.txt", "virus_train.txt"):
        for row in json.loads((smp / name).read_text(encoding="utf-8")):
            yield str(row["content"])
    weibo = data_dir / "sentiment" / "weibo_senti_100k_partial" / "weibo_senti_100k_partial.csv"
    with weibo.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            yield record["review"]


def build(data_dir: Path, out: Path = TABLE) -> tuple[int, int]:
    """Count the background corpus's words into `out`; returns (posts, words kept)."""
    from yuqing.analysis.events.tokenize import tokens
    from yuqing.core.textfold import fold

    counts: Counter[str] = Counter()
    total = 0
    for text in _texts(data_dir):
        total += 1
        counts.update({w for w in tokens(fold(text)) if is_cjk_word(w)})
    kept = sorted(((w, c) for w, c in counts.items() if c >= MIN_DOCS), key=lambda x: (-x[1], x[0]))
    # mtime 0: the same corpus gives the same bytes.
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write(f"{total}\n".encode())
        raw.write("".join(f"{w}\t{c}\n" for w, c in kept).encode())
    return total, len(kept)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rebuild the shipped table from DATA_DIR."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: python -m yuqing.analysis.events.background DATA_DIR\n")
        return 2
    total, kept = build(Path(args[0]))
    sys.stdout.write(f"{TABLE}: {kept} words from {total} posts\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
