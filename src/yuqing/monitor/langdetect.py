"""Language of a post from its script, and for Latin text from common function words.

Deliberately small: monitoring needs zh / en and to tell other scripts apart, not a
hundred-language model. Unknown Latin text is `und`, not guessed.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zà-öø-ÿ']+")
# The commonest function words of the Latin-script languages posts arrive in.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and is are was of to in for on with that this it you at be have not".split()),
    "es": frozenset("el la los las de que y en es por para una con del se no al".split()),
    "fr": frozenset("le la les des est et une pour dans que qui sur pas du au".split()),
    "de": frozenset("der die das und ist nicht mit ein eine zu den von auf für".split()),
    "it": frozenset("il lo gli della che di una per non sono con del nel alla".split()),
    "pt": frozenset("o os da do das dos que em uma para com não por ao".split()),
    "tl": frozenset("ang ng mga sa na ay at si para hindi ito kay nang".split()),
    "id": frozenset("yang dan di ini itu dengan untuk tidak dari ada akan".split()),
}


def _count(text: str, lo: int, hi: int) -> int:
    return sum(1 for ch in text if lo <= ord(ch) <= hi)


def detect(text: str) -> str:
    """ISO 639-1 code of the main language of `text` (folded or not), or `und`."""
    sample = text[:2000]
    cjk = _count(sample, 0x4E00, 0x9FFF) + _count(sample, 0x3400, 0x4DBF)
    kana = _count(sample, 0x3040, 0x30FF)
    hangul = _count(sample, 0xAC00, 0xD7AF)
    cyrillic = _count(sample, 0x0400, 0x04FF)
    arabic = _count(sample, 0x0600, 0x06FF)
    latin = sum(1 for ch in sample if ch.isascii() and ch.isalpha())
    scripts = {"ja": kana, "ko": hangul, "ru": cyrillic, "ar": arabic}
    if kana and kana * 5 >= cjk:
        return "ja"
    if cjk and cjk * 2 >= latin:
        return "zh"
    best = max(scripts, key=lambda k: scripts[k])
    if scripts[best] > latin and scripts[best] > 0:
        return best
    if latin == 0:
        return "zh" if cjk else "und"
    words = _WORD.findall(sample.lower())
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPWORDS.items()}
    lang = max(scores, key=lambda k: scores[k])
    if scores[lang] == 0:
        return "en" if cjk == 0 and len(words) < 4 else ("zh" if cjk else "und")
    return lang
