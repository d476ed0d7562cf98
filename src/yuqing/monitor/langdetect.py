"""Language of a post from its script, and for Latin text from common function words.

Deliberately small: monitoring needs zh / en and to tell other scripts apart, not a
hundred-language model. Counting runs in C through `re`, so it costs little per post.
Latin text with no known function word is `en` when short (headlines, hashtags) and
`und` otherwise.
"""

from __future__ import annotations

import re

_SCRIPTS: dict[str, re.Pattern[str]] = {
    "zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "ja": re.compile(r"[\u3040-\u30ff]"),
    "ko": re.compile(r"[\uac00-\ud7af]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "latin": re.compile(r"[a-zA-Z\u00c0-\u024f]"),
}
_WORD = re.compile(r"[a-zà-öø-ÿ']+")
# The commonest function words of the Latin-script languages posts arrive in.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and is are was of to in for on with that this it you at be have not".split()
    ),
    "es": frozenset("el la los las de que y en es por para una con del se no al".split()),
    "fr": frozenset("le la les des est et une pour dans que qui sur pas du au".split()),
    "de": frozenset("der die das und ist nicht mit ein eine zu den von auf für".split()),
    "it": frozenset("il lo gli della che di una per non sono con del nel alla".split()),
    "pt": frozenset("o os da do das dos que em uma para com não por ao".split()),
    "tl": frozenset("ang ng mga sa na ay at si para hindi ito kay nang".split()),
    "id": frozenset("yang dan di ini itu dengan untuk tidak dari ada akan".split()),
}


def detect(text: str) -> str:
    """ISO 639-1 code of the main language of `text` (folded or not), or `und`."""
    sample = text[:2000]
    counts = {name: len(pattern.findall(sample)) for name, pattern in _SCRIPTS.items()}
    if counts["ja"] and counts["ja"] * 5 >= counts["zh"]:
        return "ja"
    if counts["zh"] and counts["zh"] * 2 >= counts["latin"]:
        return "zh"
    latin = counts.pop("latin")
    best = max(counts, key=lambda k: counts[k])
    if counts[best] > latin:
        return best
    if latin == 0:
        return "und"
    words = _WORD.findall(sample.lower())
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPWORDS.items()}
    lang = max(scores, key=lambda k: scores[k])
    if scores[lang] == 0:
        return "en" if len(words) < 8 else "und"
    return lang
