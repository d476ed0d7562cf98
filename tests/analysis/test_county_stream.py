"""An organization's stream names it in every post: its stories still keep apart.

A county office watches everything said about its county; each post names the county.
That name, rare in ordinary posts, weighed more than any story's own words, and eight
unrelated stories of one morning (a canteen, road works, the hospital, wages, water, noise,
taxis, floods) became one event. The terms of a watch's `subject` and `region` groups
(who and where its posts are about), or a one-rule watch's names, put a post in the
stream and never tell its stories apart: the clusterer's cosine with the crowd's posts
leaves them out (`steps.mark_selection_words`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.conftest import Store
from yuqing.analysis.events.tokenize import NAMES_KEY, WORDS_KEY
from yuqing.analysis.events.vectorize import cosine_without
from yuqing.analysis.models import EventPost
from yuqing.analysis.steps import mark_selection_words, selection_words
from yuqing.cli.main import app
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.posts import Post
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text, who_and_where
from yuqing.worker.live import build_pipeline

# Invented stories of the fictitious 明德县, five posts each, every one naming the county.
STORIES = [
    ["第二中学食堂饭菜发霉，家长质疑", "二中食堂的饭菜又发霉了", "孩子说食堂饭菜有霉味，学校怎么管的",
     "二中食堂发霉饭菜的事有人管吗", "食堂饭菜发霉，教育局应该查一查"],
    ["第一中学门口施工，家长接送不便", "一中门口修路一个月了，接孩子堵得要命",
     "一中校门口施工围挡，放学时太乱", "门口施工什么时候结束，接送太难了", "一中门口施工占道，早上堵车"],
    ["人民医院急诊排队三小时，患者家属不满", "县医院急诊等了三个小时没人管",
     "急诊科只有一个医生，排队到半夜", "人民医院急诊室人满为患", "急诊排队太久，老人差点出事"],
    ["环卫工人工资拖欠半年", "环卫工人讨薪，半年没发工资", "拖欠环卫工人工资的公司是哪家",
     "环卫工人的工资到底什么时候发", "环卫工资拖欠，工人们很无奈"],
    ["城东停水三天了，自来水公司没有通知", "自来水停了三天，居民只能买水",
     "停水三天，自来水公司说在抢修管道", "城东小区停水，老人提水上楼", "自来水管道爆裂，城东大面积停水"],
    ["小区旁工地夜间施工噪音扰民", "半夜两点还在打桩，噪音吵得睡不着", "夜间施工噪音投诉了三次没用",
     "工地夜里施工扰民，孩子睡不好", "噪音扰民的工地晚上还在干活"],
    ["火车站出租车拒载短途乘客", "在火车站打车被拒载，司机嫌路近", "火车站的出租车不打表还拒载",
     "出租车拒载投诉电话打不通", "火车站出租车乱象谁来管"],
    ["暴雨过后老城区积水严重", "积水没过膝盖，老城区又淹了", "一下暴雨老城区就积水，排水太差",
     "暴雨积水，车辆泡在水里", "老城区排水系统该改造了，积水太深"],
]  # fmt: skip
WATCH = """
watches:
  - name: county
    subject: [明德县]
    organization: 明德县
"""
# The same watch as most offices first write it: one rule of the county's names.
ONE_RULE_WATCH = """
watches:
  - name: county
    rule: '明德县 | 明德縣'
    organization: 明德县
"""
START = datetime.fromisoformat("2026-03-02T08:00:00+08:00")


def stream() -> list[dict[str, object]]:
    """Round after round, each story's next post, three minutes apart."""
    posts = []
    for n in range(5):
        for s, texts in enumerate(STORIES):
            at = START + timedelta(minutes=3 * len(posts))
            posts.append({"id": f"s{s}p{n}", "source": f"site{(s + n) % 7}",
                          "text": "明德县" + texts[n], "published_at": at.isoformat()})  # fmt: skip
    return posts


def stories_per_event(store: Store) -> list[set[int]]:
    with Session(store.engine) as session:
        rows = session.execute(
            select(EventPost.event_id, StoredPost.post_id).join(
                StoredPost, StoredPost.pk == EventPost.post_pk
            )
        ).all()
    found: dict[str, set[int]] = defaultdict(set)
    for event_id, post_id in rows:
        found[event_id].add(int(post_id[1 : post_id.index("p")]))
    return list(found.values())


@pytest.mark.parametrize("watch", [WATCH, ONE_RULE_WATCH], ids=["subject", "one-rule"])
def test_a_county_s_stories_keep_apart_though_every_post_names_it(
    store: Store, clock: FrozenClock, settings: Settings, watch: str
) -> None:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(watch, filename="w.yaml")
        )
        session.commit()
    clock.set(START + timedelta(hours=3))
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    posts = stream()
    summary = pipeline.run([Record(i, obj=o) for i, o in enumerate(posts, 1)])
    assert summary.stored == len(posts) == 40
    events = stories_per_event(store)
    # Before, all 40 posts were one event. Now five stories stand alone; the canteen, the
    # school gate's road works and the night works still share one (施工, 中学, 家长):
    # those are their own words, not the county's.
    assert len(events) >= 6
    assert max(len(stories) for stories in events) <= 3
    assert len({min(stories) for stories in events if len(stories) == 1}) >= 5


@pytest.mark.parametrize("joined", [None, "明德 _明德 _德县 _县 第二 中学"])
def test_the_words_of_who_and_where_are_marked_as_names(joined: str | None) -> None:
    post = Post(id="p", title="", text="明德县第二中学", published_at=START, received_at=START,
                folded="明德县第二中学", watches=["county"])  # fmt: skip
    if joined is not None:
        post.derived[WORDS_KEY] = joined
    other = Post(id="q", title="", text="明德县第二中学", published_at=START, received_at=START,
                 folded="明德县第二中学", watches=["other"])  # fmt: skip
    mark_selection_words([post, other], {"county": selection_words(["明德县"])})
    names = post.derived[NAMES_KEY].split()
    assert {"明德", "_明德", "_德县"} <= set(names)
    assert "中学" not in names and "第二" not in names
    assert set(names) <= set(post.derived[WORDS_KEY].split())  # the words stay: they count
    assert NAMES_KEY not in other.derived  # its watch names no one: untouched


@pytest.mark.parametrize(
    ("rule", "names"),
    [
        ("明德一中 | 明德县第一中学 | 明德縣一中", ["明德一中", "明德县第一中学", "明德县一中"]),
        ("明德县", ["明德县"]),
        ("(明德一中 | 明德县第一中学) -招聘 -广告", ["明德一中", "明德县第一中学"]),
        ("一中 (运动会 | 田径)", ["一中"]),
        ("学校 食堂 -广告", ["学校", "食堂"]),
        # Which list is the name and which the topic, only the writer knows.
        ("(明德县 | 明德一中) (食堂 | 饭菜)", []),
        ('"Mingde County" | NEAR/30(Mingde, school)', []),
        ("-广告", []),
    ],
)
def test_a_one_rule_watch_names_what_its_form_says_every_post_names(
    rule: str, names: list[str]
) -> None:
    (watch,) = load_watch_text(f"watches:\n  - name: w\n    rule: '{rule}'\n", filename="w.yaml")
    assert who_and_where(watch) == names


def test_a_group_watch_names_its_subject_and_region_only() -> None:
    text = (
        "watches:\n  - name: w\n    subject: [明德一中]\n    region: [明德县]\n    event: [食堂]\n"
    )
    (watch,) = load_watch_text(text, filename="w.yaml")
    assert who_and_where(watch) == ["明德一中", "明德县"]


def test_the_cosine_without_the_names_is_that_of_the_vectors_without_them() -> None:
    post = {"明德": 0.8, "食堂": 0.6}
    centroid = {"明德": 3.0, "停水": 4.0}
    norm = 5.0
    names = frozenset({"明德"})
    assert cosine_without(post, centroid, norm, names) == 0.0  # the name was all they shared
    centroid = {"明德": 3.0, "食堂": 4.0}
    assert cosine_without(post, centroid, norm, names) == pytest.approx(1.0)
    assert cosine_without(post, centroid, norm, frozenset()) == pytest.approx(0.48 + 0.48)
    assert cosine_without({"明德": 1.0}, centroid, norm, names) == 0.0


def test_the_cluster_command_reads_the_names_from_a_watch_file(tmp_path: Path) -> None:
    watches = tmp_path / "w.yaml"
    watches.write_text(ONE_RULE_WATCH, encoding="utf-8")
    stdin = "".join(json.dumps(post, ensure_ascii=False) + "\n" for post in stream())

    def stories_per_event(*options: str) -> list[set[int]]:
        result = CliRunner().invoke(app, ["cluster", "--final-ids", *options], input=stdin)
        assert result.exit_code == 0, result.output
        found: dict[str, set[int]] = defaultdict(set)
        for line in result.stdout.splitlines():
            row = json.loads(line)
            assert "watches" not in row  # `cluster` adds its event id only
            found[row["event_id"]].add(int(row["id"][1 : row["id"].index("p")]))
        return list(found.values())

    assert len(stories_per_event()) <= 2  # the county's name glues its stories
    events = stories_per_event("--watches", str(watches))
    assert len(events) >= 6
    assert max(len(stories) for stories in events) <= 3
