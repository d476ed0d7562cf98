"""Article extraction against trafilatura on the hand-checked pages in tests/fixtures/pages/bench.

For each article page: text F1 (characters for Chinese, words for English), whether the
headline is exactly the expected one (no site name), and whether the publication day is
right (a page that states no date must get none). Every page is also classified as list
or article. Ours reads the page as the web connector does (bytes served without an HTTP
charset, decoded by `charset.py`); trafilatura gets the same bytes and decodes them itself.

    python bench/extract.py [--pages]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import trafilatura

from yuqing.monitor.connectors.article import extract_post
from yuqing.monitor.connectors.charset import decode_body
from yuqing.monitor.connectors.listpage import page_layout

PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages" / "bench"
_WORD = re.compile(r"\w+")


def tokens(text: str | None, lang: str) -> Counter[str]:
    """Characters (Chinese) or lower-cased words (English) of a text, with counts."""
    if not text:
        return Counter()
    if lang == "zh":
        return Counter(ch for ch in text if not ch.isspace())
    return Counter(w.lower() for w in _WORD.findall(text))


def f1(got: str | None, expected: str, lang: str) -> float:
    """Token-overlap F1 of an extracted text against the expected one."""
    mine, want = tokens(got, lang), tokens(expected, lang)
    common = sum((mine & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(mine.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def same_headline(got: str | None, expected: str) -> bool:
    """Whether a headline is the expected one, blanks aside."""
    return " ".join((got or "").split()) == " ".join(expected.split())


def day_of(value: str | None, timezone: str) -> str | None:
    """The calendar day of a time (ISO 8601, or a bare day) where the page is published."""
    if not value:
        return None
    if len(value) == 10:
        return value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


def ours(raw: bytes, page: dict[str, Any]) -> dict[str, Any]:
    html, _codec = decode_body(raw, "text/html")
    item = extract_post(html, url=page["url"], options={}, timezone=page["timezone"])
    return {"title": item.get("title"), "text": item.get("text"), "date": item.get("published_at")}


def theirs(raw: bytes, page: dict[str, Any]) -> dict[str, Any]:
    document = trafilatura.bare_extraction(raw, url=page["url"], with_metadata=True)
    found = document.as_dict() if document is not None else {}
    return {"title": found.get("title"), "text": found.get("text"), "date": found.get("date")}


def score(got: dict[str, Any], page: dict[str, Any]) -> dict[str, float]:
    expected_day = day_of(page["published"], page["timezone"])
    got_day = day_of(got["date"], page["timezone"])
    return {
        "f1": f1(got["text"], page["text"], page["lang"]),
        "title": float(same_headline(got["title"], page["title"])),
        "date": float(got_day == expected_day),
        "wrong_date": float(got_day is not None and got_day != expected_day),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", action="store_true", help="Also print each page's scores.")
    args = parser.parse_args()
    expected = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))["pages"]
    totals: dict[tuple[str, str], list[dict[str, float]]] = {}
    seconds: Counter[str] = Counter()
    kinds_right = 0
    for name, page in expected.items():
        raw = (PAGES / name).read_bytes()
        layout = page_layout(decode_body(raw, "text/html")[0], base=page["url"])
        kinds_right += ("list" if layout.is_list else "article") == page["kind"]
        if page["kind"] != "article":
            continue
        for who, extract in (("yuqing", ours), ("trafilatura", theirs)):
            start = time.perf_counter()
            got = extract(raw, page)
            seconds[who] += time.perf_counter() - start
            result = score(got, page)
            totals.setdefault((page["lang"], who), []).append(result)
            if args.pages:
                print(
                    f"{name:28} {who:11} F1 {result['f1']:.2f}  title {result['title']:.0f}"
                    f"  date {result['date']:.0f}"
                )
    print("| language | extractor | pages | text F1 | headline | date | wrong date |")
    print("|---|---|---|---|---|---|---|")
    for (lang, who), rows in sorted(totals.items()):
        n = len(rows)

        def mean(key: str, rows: list[dict[str, float]] = rows, n: int = n) -> float:
            return sum(r[key] for r in rows) / n

        print(
            f"| {lang} | {who} | {n} | {mean('f1'):.3f} | {mean('title'):.0%} | "
            f"{mean('date'):.0%} | {sum(r['wrong_date'] for r in rows):.0f} |"
        )
    print(f"\nlist/article told apart: {kinds_right}/{len(expected)} pages")
    pages = sum(len(rows) for (_lang, who), rows in totals.items() if who == "yuqing")
    for who, total in sorted(seconds.items()):
        print(f"{who}: {total / pages * 1000:.0f} ms per article page")


if __name__ == "__main__":
    main()
