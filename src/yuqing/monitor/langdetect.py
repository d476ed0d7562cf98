"""Language of a post from its script, and for Latin text from common function words.

Deliberately small: monitoring needs zh / en and to tell other scripts apart, not a
hundred-language model. It runs on every post, so the common case (mostly Chinese) is
decided from one regex count over a short sample. Latin text with no known function word
is `en` when short (headlines, hashtags) and `und` otherwise.
"""

from __future__ import annotations

import re

SAMPLE = 600  # characters: enough to tell scripts apart, cheap on long articles

_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_OTHER_SCRIPTS: dict[str, re.Pattern[str]] = {
    "ja": re.compile(r"[\u3040-\u30ff]"),
    "ko": re.compile(r"[\uac00-\ud7af]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
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


def _latin_language(sample: str) -> str:
    words = _WORD.findall(sample.lower())
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPWORDS.items()}
    lang = max(scores, key=lambda k: scores[k])
    if scores[lang] == 0:
        return "en" if len(words) < 8 else "und"
    return lang


def detect(text: str) -> str:
    """ISO 639-1 code of the main language of `text` (folded or not), or `und`."""
    sample = text[:SAMPLE]
    # Mostly three-byte UTF-8 characters and no kana or hangul: Chinese, decided without
    # counting (the common case, on every post).
    if len(sample.encode("utf-8", "surrogatepass")) >= 2.5 * len(sample) and (
        _KANA_HANGUL.search(sample) is None
    ):
        return "zh"
    han = len(_HAN.findall(sample))
    if han * 4 >= len(sample):  # mostly Chinese: the common case, decided at once
        kana = len(_OTHER_SCRIPTS["ja"].findall(sample))
        return "ja" if kana * 5 >= han else "zh"
    latin = len(_LATIN.findall(sample))
    others = {name: len(p.findall(sample)) for name, p in _OTHER_SCRIPTS.items()}
    if others["ja"] and others["ja"] * 5 >= han:
        return "ja"
    if han and han * 2 >= latin:
        return "zh"
    best = max(others, key=lambda k: others[k])
    if others[best] > latin:
        return best
    if latin == 0:
        return "zh" if han else "und"
    return _latin_language(sample)
