"""Words of a post for event clustering: jieba (jieba-rs) for Chinese, a regex for Latin scripts.

Reads the folded text (NFKC, Traditional → Simplified, lower case), so 地震 and 地震 in
Traditional script, or full-width Latin letters, give the same words. URLs, @mentions,
retweet markers and Weibo emoticons (`[哈哈]`) are noise for grouping and are dropped;
hashtags (`#bostonmarathon`, `#话题#`) are kept as words and counted twice because a
hashtag names the story on purpose.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from yuqing.core.postmarks import EMOTICON, LINK, MENTION_WORD

# Where `EventWordsStep` leaves a post's words (`Post.derived`), joined by spaces: no word
# holds whitespace, and one string crosses from a worker process several times faster
# than a list of short ones.
WORDS_KEY = "event_words"
# Those of its words that name who and where the post's watches are about
# (`steps.mark_selection_words`), joined the same way: the clusterer leaves them out of
# the post's cosine with an event's centroid (`OnlineClusterer._nearest`).
NAMES_KEY = "event_names"

# Long articles: the title and lead name the story; reading a 1 MiB text through jieba
# would take seconds for no gain in grouping.
MAX_CHARS = 4000

_URL = re.compile(LINK + r"|\b[a-z0-9.-]+\.(?:com|cn|net|org|ly|co)/\S*")
_HTML_ENTITY = re.compile(r"&(?:[a-z]{2,8}|#\d{1,6});")
_WEIBO_TAG = re.compile(r"#([^#\s]{1,30})#")
# Any script's words (Latin, Cyrillic, Greek, Arabic, kana…); Chinese runs inside one are
# cut out and handed to jieba.
_WORD = re.compile(r"(#?)([^\W_][\w'’\-]*)")
_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff]+)")

# Function words of the languages the monitored streams carry most (Chinese, English, and
# the Romance and Tagalog tweets found beside English in crisis streams); "rt" and "via"
# are retweet markers.
_STOP_LATIN = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can could did do does doing don't down during each
few for from further get got had has have having he her here hers herself him himself his
how i i'm if in into is isn't it it's its itself just let's like me more most my myself
no nor not now of off on once only or other our ours ourselves out over own rt same she
should so some such than that that's the their theirs them themselves then there these
they this those through to too under until up very via was we were what when where which
while who whom why will with would you your yours yourself u ur im dont amp http https
co com www new one two just will get got us via lol omg pls please still even much many
el la los las de del y en un una que por con para es se al lo su sus como mas pero ya hay
il le di da per che non sono gli dei delle della nel alla ed ho ha è
ang ng sa mga na at ay si ni ko mo ito yung lang po
le les des du et est une pour dans pas qui sur au aux
der die das und ist nicht ein eine zu den mit von
""".split()
)

_STOP_ZH = frozenset(
    """
的 了 是 在 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那
他 她 它 们 我们 你们 他们 什么 这个 那个 这样 那样 就是 还是 可以 因为 所以 但是 如果
而且 然后 已经 现在 真的 还有 没 吗 吧 呢 啊 哦 哈 哈哈 哈哈哈 呵呵 嗯 么 之 与 及 其
或 被 把 给 让 对 从 向 为 为了 以 于 而 但 却 又 再 才 只 都是 不是 一下 一样 一些 这些
那些 这么 那么 怎么 为什么 如何 转发 回复 微博 转 评论 网友 视频 图片 链接 全文 展开
知道 觉得 应该 可能 一定 还 更 最 太 非常 大家 自己 今天 出来 起来 过 得 地 等 等等
""".split()
)


# One-character words count in posts of at most this many characters: the comments that
# name their story by one character ("谁吃猴脑啊"); a longer post names it in words.
SINGLES_MAX_CHARS = 80


@lru_cache(maxsize=1)
def _jieba() -> Any:
    # jieba-rs: jieba's dictionary and algorithm, compiled (see pyproject.toml).
    import rjieba

    return rjieba


# Characters that carry no story alone: a bigram with one of them is dropped.
_STOP_CH = frozenset(
    "的了是在我有和就不人都一也很到说要去你会着看好这那他她它们么吗吧呢啊哦哈嗯之与及其或被把给让对从向为以于而但却又再才只"
)


def _zh_words(run: str, *, singles: bool = True) -> list[str]:
    """jieba's words of a Chinese run, its one-character words and its character bigrams,
    the last two marked with "_".

    Bigrams make matching robust to segmentation (a name jieba splits one way in one post
    and another way in the next still shares its bigrams); the "_" keeps them apart from
    words (no Latin word starts with "_") so summaries can leave them out. A short
    comment often names its story by one character jieba leaves alone (猴, 蟹, 吃, 死:
    "谁吃猴脑啊"), so those count too, as `_猴` (function characters left out).
    """
    # HMM off: new-word guessing is slow and splits names inconsistently between posts.
    words: list[str] = _jieba().cut(run, hmm=False)
    out = [w for w in words if len(w) > 1 and w not in _STOP_ZH]
    for i in range(len(run) - 1):
        pair = run[i : i + 2]
        if pair[0] not in _STOP_CH and pair[1] not in _STOP_CH and pair not in _STOP_ZH:
            out.append("_" + pair)
    if singles:
        out += [
            "_" + w
            for w in words
            if len(w) == 1 and "\u3400" <= w <= "\u9fff" and w not in _STOP_CH
        ]
    return out


def tokens(folded: str) -> list[str]:
    """The clustering words of a folded text, in order (hashtags twice)."""
    text = folded[:MAX_CHARS]
    text = _URL.sub(" ", text)
    text = MENTION_WORD.sub(" ", text)
    text = EMOTICON.sub(" ", text)
    text = _HTML_ENTITY.sub(" ", text)
    out: list[str] = []
    singles = len(text) <= SINGLES_MAX_CHARS
    for tag in _WEIBO_TAG.findall(text):
        out.extend(_zh_words(tag, singles=singles) if not tag.isascii() else [tag.lower()])
    for match in _WORD.finditer(text):
        hashtag, word = match.groups()
        if _CJK.search(word):
            for i, part in enumerate(_CJK.split(word)):
                # split() with a group alternates: other script at even places, CJK at odd.
                if i % 2:
                    out.extend(_zh_words(part, singles=singles))
                else:
                    _add_word(out, part, hashtag="")
            continue
        _add_word(out, word, hashtag=hashtag)
    return out


def _add_word(out: list[str], word: str, *, hashtag: str) -> None:
    word = word.strip("'’-_").replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) < 2 or word in _STOP_LATIN or word.isdigit():
        return
    out.append(word)
    if hashtag:
        out.append(word)


def warm_up() -> None:
    """Load jieba's dictionary now, so the first post is not slow."""
    _jieba()
