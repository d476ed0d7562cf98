"""Keeping stories apart: reports placed by their story's reports, reactions by what they share."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from yuqing.analysis.events.clusterer import ClusterConfig, OnlineClusterer
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)

# A loud story in the crowd's words, then the district's report on it, in formal words.
CROWD = [
    "滨江小区的自来水又发黄了，孩子喝了拉肚子，物业说不归他们管",
    "我家也是，滨江小区水龙头放出来都是黄水，烧开了还有沉淀",
    "滨江小区停水又来水以后一股怪味，小孩肚子疼，谁来管管",
    "滨江小区黄水问题反映了好几次了，没人理，孩子都不敢喝",
    "滨江小区业主群里都在说自来水的事，好多家孩子拉肚子",
    "水是黄的还有怪味，滨江小区到底怎么回事，物业甩锅",
]
REPORT_TITLE = "关于滨江小区供水水质问题的情况通报"
REPORT = (
    "滨江区水务局接到群众反映后，立即会同区疾控中心对滨江小区二次供水设施开展水样采集和检测，"
    "并责成供水企业对二次供水水箱进行排查，检测结果将及时向社会公布。"
)
# Days later: the result, in the report's words, hardly in the crowd's.
RESULT_TITLE = "滨江区水务局关于滨江小区二次供水水样检测结果的通报"
RESULT = (
    "经区疾控中心检测，滨江小区二次供水水箱水样浊度和菌落总数超标，原因系水箱清洗消毒不到位。"
    "区水务局已责令供水企业立即整改，对水箱全面清洗消毒并定期检测，相关责任人已被问责。"
)
# Another story of the same district, also a notice: it shares the district's name only.
GAMES_TITLE = "滨江区第二届社区运动会隆重开幕"
GAMES = (
    "金秋时节，滨江区第二届社区运动会在区体育中心开幕，全区二十个社区的一千余名居民参加"
    "拔河、趣味接力、广场舞等十六个项目的比赛，开幕式上各社区方阵精神饱满。"
)


def post(pid: str, text: str, at: datetime, *, title: str = "") -> Post:
    obj: dict[str, Any] = {"id": pid, "text": text, "published_at": at.isoformat()}
    if title:
        obj["title"] = title
    return parse_post(obj, received_at=at, max_post_bytes=1 << 20)


def loud_story(config: ClusterConfig | None = None) -> tuple[OnlineClusterer, str]:
    clusterer = OnlineClusterer(config)
    first = clusterer.assign(post("c0", CROWD[0], T0))
    for n in range(1, 150):  # loud: the report is a small part of the centroid
        clusterer.assign(
            post(f"c{n}", CROWD[n % len(CROWD)] + f" 第{n}楼", T0 + timedelta(minutes=n))
        )
    # The report is the story's (a person or a reply link put it there).
    clusterer.learn_one(
        post("r1", REPORT, T0 + timedelta(hours=3), title=REPORT_TITLE), first.event_id
    )
    return clusterer, first.event_id


def test_a_later_report_joins_the_story_by_its_reports_words() -> None:
    clusterer, story = loud_story()
    result = clusterer.assign(post("r2", RESULT, T0 + timedelta(days=2), title=RESULT_TITLE))
    assert result.event_id == story
    # Without article vectors, the crowd's centroid does not know the report's words.
    plain, story = loud_story(ClusterConfig(article_terms=0))
    result = plain.assign(post("r2", RESULT, T0 + timedelta(days=2), title=RESULT_TITLE))
    assert result.event_id != story and result.is_new


def test_a_notice_of_another_story_sharing_a_name_stays_apart() -> None:
    clusterer, story = loud_story()
    games = clusterer.assign(post("g1", GAMES, T0 + timedelta(days=1), title=GAMES_TITLE))
    assert games.event_id != story and games.is_new


def test_articles_are_kept_by_snapshots_and_undone_by_rollback() -> None:
    clusterer, _story = loud_story()
    data = clusterer.snapshot()
    assert json.loads(data)["live"][0]["articles"]
    clusterer.begin()
    clusterer.assign(post("r2", RESULT, T0 + timedelta(days=2), title=RESULT_TITLE))
    clusterer.rollback()
    assert orjson.loads(clusterer.snapshot()) == orjson.loads(data)
    restored = OnlineClusterer()
    restored.restore(data)
    later = post("r2", RESULT, T0 + timedelta(days=2), title=RESULT_TITLE)
    assert restored.assign(later) == clusterer.assign(later)
    # A snapshot from before articles restores; its events start without any.
    state = json.loads(data)
    for event in state["live"]:
        del event["articles"]
    old = OnlineClusterer()
    old.restore(json.dumps(state).encode())
    assert old.assign(later).is_new


def test_an_event_opened_by_a_generic_reaction_needs_weightier_shared_words() -> None:
    # ced_dev's case: "千万注意！！！" opened an event that then gathered the reactions of
    # every story ("女孩们注意了噢！！！"). It says little (its words are common in
    # ordinary posts), so a post must share weightier words with it than 注意.
    def stream(config: ClusterConfig) -> list[str]:
        clusterer = OnlineClusterer(config)
        texts = ["千万注意！！！", "女孩们注意了噢！！！", "司机一族请注意了！"]
        at = [T0 + timedelta(minutes=n) for n in range(len(texts))]
        return [clusterer.assign(post(f"p{n}", t, at[n])).event_id for n, t in enumerate(texts)]

    assert len(set(stream(ClusterConfig()))) == 3
    assert len(set(stream(ClusterConfig(generic_shared=0.0)))) < 3  # the rule off: they gather
    # A story's own post says a lot: a reaction sharing one of its words still joins it.
    clusterer = OnlineClusterer()
    story = clusterer.assign(
        post(
            "s0",
            "【源自上海的牛蛙中检出霍乱弧菌】苏州市疾控部门在昆山一农贸市场检出含霍乱弧菌的牛蛙",
            T0,
        )
    )
    reaction = clusterer.assign(
        post("s1", "尼玛！我最爱的牛蛙也不能吃了", T0 + timedelta(minutes=2))
    )
    assert reaction.event_id == story.event_id


def test_a_reaction_sharing_words_worth_15_joins_a_generic_opening_in_its_burst() -> None:
    # "好可爱呀[哈哈]" says little (its Chinese words weigh 25 in background idf, under
    # `generic_opening`); the next comment shares 好可爱 with it, worth 16: enough since
    # the plain idf (2026-12-07, evening: `generic_shared` 15), not at the bar before (20).
    def placed(config: ClusterConfig) -> bool:
        clusterer = OnlineClusterer(config)
        first = clusterer.assign(post("p0", "好可爱呀[哈哈]", T0))
        second = clusterer.assign(post("p1", "好可爱的宝宝呀[哈哈]", T0 + timedelta(minutes=1)))
        return second.event_id == first.event_id

    assert ClusterConfig().generic_shared == 15.0
    assert placed(ClusterConfig())
    assert not placed(ClusterConfig(generic_shared=20.0))
