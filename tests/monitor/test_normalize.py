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
            {"text": "a", "published_at": "0000-01-01T00:00:00"},
            "字段 'published_at' 不是时间：'0000-01-01T00:00:00'",
            "field 'published_at' is not a time: '0000-01-01T00:00:00'",
        ),
        (
            {"text": "a", "published_at": "9999-12-31T23:59:59-05:00"},
            "字段 'published_at' 不是合理的时间（年份 9999）：",
            "field 'published_at' is not a plausible time (year 9999): ",
        ),
        (
            {"text": "a", "engagement": {"likes": float("nan")}},
            "字段 'engagement.likes' 必须是非负数",
            "field 'engagement.likes' must be a non-negative number",
        ),
        (
            {
                "text": "a",
                "meta": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
            },
            "附加字段嵌套超过 32 层",
            "extra fields nest deeper than 32 levels",
        ),
        (
            {"text": "a", "meta": {"notes": ["x" * 1000, "y" * 100]}},
            "附加字段的文本过多",
            "extra fields hold too much text",
        ),
        (
            {"text": "a", "title": "长" * 5000},
            "字段 'title' 超过 4096 个字符",
            "field 'title' is longer than 4096 characters",
        ),
        (
            {"text": "a", "published_at": "some day"},
            "字段 'published_at' 不是时间：'some day'",
            "field 'published_at' is not a time: 'some day'",
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
        (  # docs18: an object named no parent; the reply left its thread silently
            {"text": "a", "reply_to": {"id": "p1"}},
            "字段 'reply_to' 必须是字符串，不能是 dict",
            "field 'reply_to' must be a string, not dict",
        ),
        (
            {"text": "a", "reply_to": ["p1"]},
            "字段 'reply_to' 必须是字符串，不能是 list",
            "field 'reply_to' must be a string, not list",
        ),
        (
            {"text": "a", "reply_to": True},
            "字段 'reply_to' 必须是字符串，不能是 bool",
            "field 'reply_to' must be a string, not bool",
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


def test_reply_to_is_a_string_or_a_number() -> None:
    assert parse({"text": "a", "reply_to": "p1"}).extra["reply_to"] == "p1"
    assert parse({"text": "a", "reply_to": 5011930012}).extra["reply_to"] == 5011930012
    assert parse({"text": "a", "reply_to": None}).extra["reply_to"] is None  # kept as given


def test_nul_bytes_and_lone_surrogates_are_cleaned() -> None:
    post = parse({"text": "a\x00b\ud800c"})
    assert post.text == "ab\ufffdc"
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


def test_values_no_store_can_keep_are_repaired_in_every_field() -> None:
    # The records of issue 11: NUL and lone surrogates in any field, nested in extra
    # metadata and in its keys; NaN and Infinity have no JSON form (PostgreSQL refuses them).
    post = parse(
        {
            "text": "正文\ud800",
            "title": "标\x00题\udc00",
            "author": "作\x00者",
            "foo": "a\x00b",
            "\udc80key": "v",
            "meta": {"k\x00": ["\ud83d", {"z": "\x00"}], "n": float("nan"), "big": 10**30},
            "inf": float("inf"),
        }
    )
    assert (post.text, post.title, post.author) == ("正文\ufffd", "标题\ufffd", "作者")
    assert post.extra == {
        "foo": "ab",
        "\ufffdkey": "v",
        "meta": {"k": ["\ufffd", {"z": ""}], "n": None, "big": str(10**30)},
        "inf": None,
    }


def test_a_url_that_does_not_parse_is_kept_aside_not_fatal() -> None:
    for bad in ("http://[::1", "http://example.com:99999/x"):
        post = parse({"text": "a", "url": bad})
        assert post.url is None
        assert post.extra == {"url_invalid": bad}
        assert post.id == parse({"text": "a"}).id  # derived from the content, as without URL


def test_counts_beyond_the_store_are_capped_and_written_counts_are_read() -> None:
    post = parse(
        {
            "text": "a",
            "engagement": {
                "likes": float("inf"),
                "views": "10万+",
                "reposts": "1,234",
                "comments": "",
            },
        }
    )
    assert post.engagement == {"reposts": 1234, "likes": 2**62, "views": 100_000}
    assert parse({"text": "a", "engagement": {"likes": "1.2万"}}).engagement == {"likes": 12_000}
    assert parse({"text": "a", "engagement": {"likes": "3K"}}).engagement == {"likes": 3_000}
    for bad in ("many", "-3", float("-inf")):
        with pytest.raises(InvalidInput, match=r"engagement\.likes"):
            parse({"text": "a", "engagement": {"likes": bad}})


@pytest.mark.parametrize(
    ("written", "platform"),
    [
        ("微博", "microblog"),
        ("weibo", "microblog"),
        ("Sina Weibo", "microblog"),
        ("ＷＥＩＢＯ", "microblog"),
        ("小紅書", "microblog"),
        ("Twitter", "microblog"),
        ("Facebook", "microblog"),
        ("抖音", "video"),
        ("douyin", "video"),
        ("快手", "video"),
        ("B站", "video"),
        ("bilibili", "video"),
        ("YouTube", "video"),
        ("贴吧", "forum"),
        ("tieba", "forum"),
        ("论坛", "forum"),
        ("知乎", "qa"),
        ("zhihu", "qa"),
        ("公众号", "wechat"),
        ("微信", "wechat"),
        ("头条", "portal"),
        ("今日头条", "portal"),
        ("toutiao", "portal"),
        ("百家号", "portal"),
        ("网易号", "portal"),
        ("新闻", "news"),
        ("政务网站", "news"),
        ("领导留言板", "board"),
        ("网站", "news"),  # a media type in monitoring systems' exports
        ("客户端", "portal"),
        ("X (Twitter)", "microblog"),  # two names for one place: the first known decides
        ("WeChat 公众号", "wechat"),
        ("B站（哔哩哔哩）", "video"),
        ("某某APP", "other"),
        ("某某 (某某)", "other"),
        # qa11: a known name with what exports add to it, or a name that says its kind.
        ("抖音短视频", "video"),
        ("快手极速版", "video"),
        ("知乎专栏", "qa"),
        ("weibo.com", "microblog"),
        ("公众号文章", "wechat"),
        ("明德论坛", "forum"),
        ("人民网留言板", "board"),
        ("明德县融媒体中心公众号", "wechat"),
        ("明德日报", "news"),
        ("号", "other"),
    ],
)
def test_usual_platform_names_map_to_categories_and_keep_the_name(
    written: str, platform: str
) -> None:
    post = parse({"text": "a", "platform": written})
    assert post.platform == platform
    assert post.extra == {"platform_name": written}


def test_a_category_name_is_taken_as_it_is() -> None:
    post = parse({"text": "a", "platform": "Microblog", "media_tier": "LOCAL"})
    assert (post.platform, post.media_tier, post.extra) == ("microblog", "local", {})


@pytest.mark.parametrize(
    ("written", "tier"),
    [
        ("中央", "central"),
        ("央媒", "central"),
        ("省级", "provincial"),
        ("市级", "municipal"),
        ("县级", "local"),
        ("区县", "local"),
        ("自媒体", "self"),
        ("不知道", None),
    ],
)
def test_media_tier_synonyms_map_and_an_unknown_tier_is_dropped_with_its_name(
    written: str, tier: str | None
) -> None:
    post = parse({"text": "a", "media_tier": written}, media_tier="provincial")
    # An unknown tier says nothing: the source's own tier, if any, applies.
    assert post.media_tier == (tier or "provincial")
    assert post.extra == {"media_tier_name": written}


def test_times_out_of_range_are_refused_not_fatal() -> None:
    for value in ("0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00", "1899-12-31"):
        with pytest.raises(InvalidInput, match="published_at"):
            parse({"text": "a", "published_at": value})
    for value in ("²", "9" * 400):
        with pytest.raises(InvalidInput, match="published_at"):
            parse({"text": "a", "published_at": value})


def test_counts_of_other_kinds_are_kept_beside_the_four() -> None:
    """`{"shares": 5}` in `engagement` was dropped without a word."""
    post = parse({"text": "a", "engagement": {"likes": 3, "shares": 5, "收藏": "1.2万"}})
    assert post.engagement == {"likes": 3}
    assert post.extra == {"engagement_other": {"shares": 5, "收藏": "1.2万"}}
    assert parse({"text": "a", "engagement": {"likes": 3}}).extra == {}
