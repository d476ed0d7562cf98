import pickle
from datetime import UTC, datetime

import pytest

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import use_locale
from yuqing.monitor.normalize import parse_post

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def parse(obj: object, **kw: object) -> object:
    return parse_post(obj, received_at=NOW, max_post_bytes=1024, **kw)  # type: ignore[arg-type]


def test_html_becomes_text_and_the_original_is_kept() -> None:
    post = parse({"text": "<p>學校<b>食堂</b></p><script>alert('x')</script><p>第二段</p>"})
    assert post.text == "學校食堂\n\n第二段"
    assert "script" in post.html
    assert post.folded == "学校食堂\n\n第二段"


def test_naive_time_means_shanghai_and_offsets_are_kept() -> None:
    assert parse({"text": "a", "published_at": "2026-03-01 08:00:00"}).published_at == datetime(
        2026, 3, 1, 0, 0, tzinfo=UTC
    )
    assert parse({"text": "a", "published_at": "2026-03-01T08:00:00Z"}).published_at == datetime(
        2026, 3, 1, 8, 0, tzinfo=UTC
    )
    assert parse({"text": "a", "published_at": "2026年3月1日 08:30"}).published_at == datetime(
        2026, 3, 1, 0, 30, tzinfo=UTC
    )


def test_missing_time_is_arrival_time() -> None:
    assert parse({"title": "x"}).published_at == NOW


def test_ids_are_given_or_derived_stably() -> None:
    assert parse({"id": 42, "text": "a"}).id == "42"
    a = parse({"text": "a", "url": "https://Example.com/x?utm_source=wx&id=1#top"})
    b = parse({"text": "other", "url": "https://example.com/x?id=1"})
    assert a.url == "https://example.com/x?id=1"
    assert a.id == b.id  # the same page
    assert parse({"text": "same"}).id == parse({"text": "same"}).id


def test_unknown_fields_are_kept_as_extra() -> None:
    post = parse({"text": "a", "region": "某县", "tags": ["x"]})
    assert post.extra == {"region": "某县", "tags": ["x"]}
    assert post.to_json()["region"] == "某县"


@pytest.mark.parametrize(
    ("obj", "chinese", "english"),
    [
        ({"title": ""}, "帖文既无 'text' 也无 'title'", "post has neither 'text' nor 'title'"),
        ([1, 2], "帖文必须是 JSON 对象，不能是 list", "a post must be a JSON object, not list"),
        (
            {"text": 5},
            "字段 'text' 必须是字符串，不能是 int",
            "field 'text' must be a string, not int",
        ),
        (
            {"text": "a", "platform": "tv"},
            "字段 'platform' 只能是 news, portal, ",
            "field 'platform' must be one of news, portal, ",
        ),
        (
            {"text": "a", "published_at": "yesterday"},
            "字段 'published_at' 不是时间：'yesterday'",
            "field 'published_at' is not a time: 'yesterday'",
        ),
        (
            {"text": "a", "engagement": {"likes": -1}},
            "字段 'engagement.likes' 必须是非负数",
            "field 'engagement.likes' must be a non-negative number",
        ),
        (
            {"text": "a", "engagement": "many"},
            "字段 'engagement' 必须是对象",
            "field 'engagement' must be an object",
        ),
        (
            {"text": "x" * 2000},
            "字段 'text' 超过 1024 字节",
            "field 'text' is larger than 1024 bytes",
        ),
    ],
)
def test_bad_records_get_one_clear_reason(obj: object, chinese: str, english: str) -> None:
    """The reason `yuqing ingest` shows as `LINE N: reason`: Chinese, or English on request."""
    with pytest.raises(InvalidInput) as info:
        parse(obj)
    assert info.value.reason.startswith(chinese)
    with use_locale("en"), pytest.raises(InvalidInput) as info:
        parse(obj)
    assert info.value.reason.startswith(english)


def test_nul_bytes_and_lone_surrogates_are_cleaned() -> None:
    post = parse({"text": "a\x00b\ud800c"})
    assert post.text == "ab?c"
    post.text.encode("utf-8")


def test_language_is_detected_when_absent() -> None:
    assert parse({"text": "某县医院发生火灾"}).lang == "zh"
    assert parse({"text": "The hospital said the fire was under control"}).lang == "en"
    assert parse({"text": "El incendio en el hospital de la ciudad"}).lang == "es"
    assert parse({"text": "a", "lang": "ZH-Hant"}).lang == "zh-hant"


def test_a_prepared_post_crosses_processes_whole() -> None:
    # Worker processes send kept posts back pickled (Post and Sketch pickle through their
    # constructors): every field, annotation and derived value must survive.
    from yuqing.analysis.steps import EventWordsStep
    from yuqing.monitor.dedup import Deduplicator

    post = parse(
        {"id": "p1", "title": "标题", "text": "某县学校食堂 #话题# hello world", "region": "某县"}
    )
    post.watches = ["食堂"]
    post.annotations["sentiment"] = {"label": "negative", "score": 0.9}
    Deduplicator.sketch(post)
    EventWordsStep().enrich([post])
    copy = pickle.loads(pickle.dumps(post))  # noqa: S301 - our own bytes
    assert copy == post
    assert copy.derived == post.derived and len(post.derived) == 2


def test_counts_and_choices_are_normalized_the_same_on_every_path() -> None:
    post = parse(
        {
            "text": "a",
            "platform": " Microblog ",
            "media_tier": "local",
            "engagement": {"reposts": 3, "likes": 2.9, "views": 2**70, "comments": 0},
        }
    )
    assert (post.platform, post.media_tier) == ("microblog", "local")
    assert post.engagement == {"reposts": 3, "comments": 0, "likes": 2, "views": 2**62}
    for bad in (True, float("nan"), -(2**63)):
        with pytest.raises(InvalidInput):
            parse({"text": "a", "engagement": {"likes": bad}})
