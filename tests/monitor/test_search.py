"""Search over the bigram index, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db.search import INDEX_TEXT_KEY, tokens
from yuqing.monitor import service
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.prepare import Prepared, Preparer, SourceDefaults
from yuqing.monitor.readers import Record
from yuqing.monitor.rules import compile_rule
from yuqing.monitor.search import search_posts
from yuqing.monitor.watches import load_watch_text

POSTS = [
    {
        "id": "1",
        "title": "学校食堂整改",
        "text": "县教育局通报某中学食堂问题",
        "published_at": "2026-03-01T08:00:00+08:00",
    },
    {"id": "2", "text": "市人民医院门诊楼发生火灾", "published_at": "2026-03-02T08:00:00+08:00"},
    {
        "id": "3",
        "text": "The party at the art museum was cancelled",
        "published_at": "2026-03-03T08:00:00+08:00",
    },
    {
        "id": "4",
        "text": "拨打12345热线反映學校收費問題",
        "published_at": "2026-03-04T08:00:00+08:00",
    },
    {
        "id": "5",
        "text": "COVID19 cases rose; COVID-19 testing continues",
        "published_at": "2026-03-05T08:00:00+08:00",
    },
]


@pytest.fixture
def filled(store: Store, clock: FrozenClock, settings: Settings) -> Store:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session,
            clock=clock,
            watches=load_watch_text(
                "watches:\n  - {name: edu, rule: '学校 | 中学'}\n  - {name: all, rule: '-zzzz'}\n",
                filename="w.yaml",
            ),
        )
        session.commit()
    Pipeline(engine=store.engine, clock=clock, settings=settings).run(
        [Record(i, obj=o) for i, o in enumerate(POSTS, 1)]
    )
    return store


def ids(store: Store, query: str, **kw: object) -> list[str]:
    with Session(store.engine) as session:
        return [p.post_id for p in search_posts(session=session, rule=compile_rule(query), **kw)]  # type: ignore[arg-type]


def test_tokens_are_bigrams_words_and_run_ends() -> None:
    assert tokens("学校食堂 covid-19 拨打12345热线") == [
        "学校",
        "校食",
        "食堂",
        "堂",
        "covid",
        "19",
        "拨打",
        "打",
        "12345",
        "热线",
        "线",
    ]


def test_the_front_works_out_each_kept_posts_index_tokens(settings: Settings) -> None:
    # Worked out with the front (in worker processes for big inputs): the pipeline's own
    # process only writes them.
    preparer = Preparer(settings=settings, watches=[], sources={})
    [item] = preparer.prepare_many(
        [Record(1, obj=POSTS[3])],
        defaults=SourceDefaults(keep_all=True),
        received_at=datetime(2026, 3, 4, tzinfo=UTC),
    )
    assert isinstance(item, Prepared) and item.post is not None
    assert item.post.derived[INDEX_TEXT_KEY] == " ".join(tokens(item.post.folded))
    assert "学校" in item.post.derived[INDEX_TEXT_KEY].split()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("食堂", ["1"]),
        ("医院", ["2"]),
        ("堂", ["1"]),  # one character at the end of a run
        ("学校", ["4", "1"]),  # Traditional 學校 is found; newest first
        ("學校 收费", ["4"]),
        ("art", ["3"]),  # a word, not inside "party"
        ("covid", ["5"]),
        ("12345", ["4"]),
        ('"COVID-19 testing"', ["5"]),
        ("食堂 | 火灾", ["2", "1"]),
        ("学校 -食堂", ["4"]),
        ("NEAR/5(教育局, 食堂)", ["1"]),
        ("-学校 -医院 -art -covid", []),
    ],
)
@pytest.mark.parametrize("common", [1, 3000], ids=["walk-newest", "index-first"])
def test_search_finds_what_the_rule_matches(
    filled: Store, query: str, expected: list[str], common: int
) -> None:
    # Both plans (common terms walk the newest posts, rare ones start from the index).
    assert ids(filled, query, common=common) == expected


def test_search_by_watch_time_and_limit(filled: Store) -> None:
    assert ids(filled, "-zzzz", watch="edu") == ["4", "1"]
    since = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    until = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)
    assert ids(filled, "-zzzz", since=since, until=until) == ["3", "2"]
    assert ids(filled, "-zzzz", limit=2) == ["5", "4"]


def test_hostile_queries_are_only_text(filled: Store) -> None:
    assert ids(filled, '"\'; DROP TABLE posts; --"') == []
    assert ids(filled, '"a OR b*" NEAR') == []
    assert ids(filled, "食堂") == ["1"]
