"""The link, mention and emoticon rules the clustering words and the dedup core share."""

from yuqing.analysis.events.tokenize import tokens
from yuqing.monitor.dedup.textcore import core_of

POST = "看 https://t.cn/a1b2 和 www.example.com/x [哈哈] @张三·李 市一院 纠纷"


def test_links_and_emoticons_leave_both_words_and_core() -> None:
    words = tokens(POST)
    core = core_of(folded=POST, title="", text="").text
    for fragment in ("t.cn", "a1b2", "example", "哈哈"):
        assert not any(fragment in word for word in words)
        assert fragment not in core
    assert "市一院" in core
    assert "纠纷" in words


def test_mentions_clustering_keeps_what_follows_a_handle_dedup_drops_the_nickname() -> None:
    # A handle ends at the first character that is no word character for the words, but
    # only at white space or punctuation for the dedup core.
    text = "@user.name 地震"
    assert tokens(text)[:2] == ["name", "地震"]
    assert core_of(folded=text, title="", text="").text == "地震"
