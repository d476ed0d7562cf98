"""Each stored event keeps a two- or three-sentence extractive summary of its own posts;
a reply stored by the pipeline joins its parent's event and counts toward its spread."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.analysis import service as events_service
from yuqing.analysis.events import summarize
from yuqing.analysis.models import Event, EventPost
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor.models import StoredPost
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.readers import Record
from yuqing.worker.live import build_pipeline

RECEIVED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ROOT_TEXT = (
    "今天中午明德一中食堂的炒青菜里吃出了虫子，好几个学生腹痛。"
    "班主任说会反映给学校。天气不错。到现在也没人给个说法！"
)


def test_sentences_drop_urls_mentions_emoticons_and_repost_chains() -> None:
    text = "转发 //@小明: 明德一中食堂出事了[怒] http://t.cn/x 大家注意！短句。#明德一中# 孩子们都去了县医院输液"
    assert summarize.sentences(text) == ["明德一中食堂出事了 大家注意！", "孩子们都去了县医院输液"]


def test_summary_names_the_keywords_in_order_and_stays_bounded() -> None:
    def post(pid: str, text: str, hour: int) -> object:
        obj = {"id": pid, "text": text, "published_at": f"2026-03-02T0{hour}:00:00+00:00"}
        return parse_post(obj, received_at=RECEIVED, max_post_bytes=1 << 20)

    keywords = ["食堂", "明德", "腹痛", "学校"]
    extra = summarize.update({}, [post("a", ROOT_TEXT, 1)], keywords)
    assert extra[summarize.SUMMARY] == [
        "今天中午明德一中食堂的炒青菜里吃出了虫子，好几个学生腹痛。",
        "班主任说会反映给学校。",
    ]
    more = [
        post(f"p{i}", f"第{i}位家长：明德一中食堂的事，学校第{i}次没回应。", 2) for i in range(30)
    ]
    extra = summarize.update(extra, more, keywords)  # type: ignore[arg-type]
    assert len(extra[summarize.POOL_KEY]) == summarize.POOL
    assert 2 <= len(extra[summarize.SUMMARY]) <= 3
    assert all(any(k in s for k in keywords) for s in extra[summarize.SUMMARY])
    # The same sentence with or without its final mark, or in Traditional script, is one
    # entry; each post that says it makes it more central.
    said = summarize.update(
        {},
        [
            post("s1", "关于我校学生就餐后身体不适情况的说明。", 1),
            post("s2", "關於我校學生就餐後身體不適情況的說明", 2),
        ],
        ["说明", "就餐"],
    )
    assert said[summarize.POOL_KEY] == [
        ["关于我校学生就餐后身体不适情况的说明。", said[summarize.POOL_KEY][0][1], 2]
    ]
    # A hostile stored pool (wrong shapes) is ignored, never a crash.
    broken = summarize.update({summarize.POOL_KEY: [["x"], 3, None]}, [], keywords)
    assert broken[summarize.SUMMARY] == []
    assert summarize.summary_of({"summary": "not a list"}) == []


def test_stored_event_keeps_summary_and_reply_counts_toward_its_parent(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    root = {
        "id": "t1",
        "url": "https://bbs.example.cn/thread-1",
        "text": ROOT_TEXT,
        "published_at": "2026-03-02T08:50:00+08:00",
        "engagement": {"comments": 3},
    }
    reply = {
        "id": "r1",
        "text": "顶一下，希望尽快回应。",
        "reply_to": "https://bbs.example.cn/thread-1",
        "published_at": "2026-03-02T08:55:00+08:00",
        "engagement": {"likes": 7},
    }
    other = {
        "id": "x1",
        "text": "县人民医院新停车场本周六启用，新增车位三百个。",
        "published_at": "2026-03-02T09:00:00+08:00",
    }
    # The reply comes first in the batch: it waits for its thread's first post.
    pipeline.run([Record(1, obj=reply), Record(2, obj=root), Record(3, obj=other)])
    with Session(store.engine) as session:
        rows = session.execute(
            select(StoredPost.post_id, EventPost.event_id, StoredPost.extra).join(
                EventPost, EventPost.post_pk == StoredPost.pk
            )
        ).all()
        event_of = {post_id: event_id for post_id, event_id, _ in rows}
        assert event_of["r1"] == event_of["t1"] != event_of["x1"]
        stored_extra = {post_id: extra for post_id, _, extra in rows}
        assert stored_extra["r1"]["reply_to"] == "https://bbs.example.cn/thread-1"
        # Each is classified on its own: the reply keeps its own label.
        labels = dict(session.execute(select(StoredPost.post_id, StoredPost.sentiment_label)).all())
        assert labels["r1"] is not None and labels["t1"] is not None
        event = session.get(Event, event_of["t1"])
        assert event is not None
        assert (event.posts, event.likes, event.comments) == (2, 7, 3)
        assert event.summary
        assert all(sentence in ROOT_TEXT + reply["text"] for sentence in event.summary)
        facts = events_service.facts(session=session, event=event, now=clock.now())
        assert facts["summary"] == event.summary


def test_sentences_without_a_final_mark_never_run_together() -> None:
    from yuqing.analysis.events.summarize import joined

    assert joined(["明德县第一中学门口施工，家长接送不便", "食堂饭菜发霉。"]) == (
        "明德县第一中学门口施工，家长接送不便。食堂饭菜发霉。"
    )
    assert joined(["Road works at the gate", "Parents complain."]) == (
        "Road works at the gate. Parents complain."
    )
    assert joined([]) == ""


def test_latin_abbreviations_and_headlines_end_no_sentence_wrongly() -> None:
    """ "Mingde No. 1 Middle School" was cut after "No."; an English headline got "。"."""
    text = (
        "Students of Mingde No. 1 Middle School reported stomach pains after dinner. "
        "Parents asked Dr. Wang of the county hospital for answers."
    )
    assert summarize.sentences(text) == [
        "Students of Mingde No. 1 Middle School reported stomach pains after dinner.",
        "Parents asked Dr. Wang of the county hospital for answers.",
    ]
    obj = {"id": "e1", "title": "Fire at Mingde hospital", "text": "Old wiring was blamed for it.",
           "published_at": "2026-03-02T01:00:00+00:00"}  # fmt: skip
    headline = parse_post(obj, received_at=RECEIVED, max_post_bytes=1 << 20)
    said = summarize.update({}, [headline], ["mingde", "hospital", "wiring"])
    assert said[summarize.SUMMARY] == ["Fire at Mingde hospital.", "Old wiring was blamed for it."]
