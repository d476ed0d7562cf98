"""Dedup: copies point at the first post of a story; other stories on a topic do not."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from yuqing.core.errors import InvalidInput
from yuqing.core.textfold import fold
from yuqing.monitor.dedup import SIGNATURE_BYTES, Deduplicator
from yuqing.monitor.posts import Post

T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)


def make_post(post_id: str, text: str, title: str = "") -> Post:
    """A post as normalize would build it (folded title + text)."""
    folded = fold(f"{title}\n{text}" if title else text)
    return Post(id=post_id, title=title, text=text, published_at=T0, received_at=T0, folded=folded)


# -- stories -------------------------------------------------------------------------

CANTEEN = (
    "3月12日，有家长反映，滨江区第三实验小学食堂午餐中发现异物，多名学生饭后出现腹痛症状。"
    "记者从滨江区教育局了解到，该局已第一时间成立工作组进驻学校，对食堂进行全面检查，"
    "涉事食材已全部封存送检。目前，3名学生在区人民医院接受观察，身体状况稳定。"
    "区教育局表示，将根据调查结果依法依规严肃处理，并在全区开展校园食品安全专项整治。"
)
# The same incident, reported independently by another outlet: not a copy.
CANTEEN_OTHER_OUTLET = (
    "滨江区一小学学生午饭后腹痛，家长质疑饭菜有问题。12日中午，不少家长在微信群里传看一张照片，"
    "照片中的餐盘里有一块疑似塑料的碎片。一位学生家长告诉我们，孩子回家后一直说肚子疼，"
    "“学校到现在也没给个说法”。当天下午，教育部门工作人员赶到学校，后厨已经停用，"
    "剩余的饭菜被装袋带走检测。据了解，有3个孩子被送往医院，暂无大碍。"
)
# Another school's canteen, another day: same topic, different story.
CANTEEN_OTHER_SCHOOL = (
    "近日，网传城南中学食堂饭菜变质的视频引发关注。视频中，一名学生夹起的菜里疑似有虫子。"
    "13日下午，城南区市场监管局通报称，经现场核查，该校食堂由第三方公司承包运营，"
    "执法人员已对后厨进行检查并抽检了12批次食品，相关检测结果将及时向社会公布。"
    "学校方面已暂停该公司的供餐资格，改由临时配餐保障学生就餐。"
)
HOSPITAL = (
    "【市一医院回应患者家属投诉】近日，有网友发帖称其父亲在市第一人民医院急诊科等待4个多小时"
    "无人接诊。对此，市一医院医务科工作人员回应称，当晚急诊科同时接收了多名车祸伤员，"
    "医生全部投入抢救，确实存在患者等候时间较长的情况。医院已与家属取得联系并致歉，"
    "下一步将优化急诊分诊流程，增加夜间值班医生。"
)
HOSPITAL_OTHER = (
    "网友投诉市中医院收费不透明：母亲住院9天，费用清单上多出一项2800元的“治疗费”，"
    "问了护士站和收费处都说不清楚是什么项目。记者联系市中医院，院方表示将调取收费明细核查，"
    "如确有多收将全额退还。市医保局也表示已关注此事，将对该院收费情况开展检查。"
)
LIFT = (
    "我是阳光花园小区的业主，小区3号楼电梯上个月已经坏了两次，最长一次停了五天，"
    "物业一直拖着不修，楼里好几位八十多岁的老人上下楼非常困难。多次打12345反映也没有结果，"
    "希望有关部门管一管！"
)
PARKING = (
    "我是锦绣家园小区的业主，小区门口的停车收费从每月150元一下涨到300元，"
    "物业没有公示也没有开业主大会，直接就开始收了。多次打12345反映也没有结果，"
    "希望有关部门管一管！"
)
# A complaint written from the same template as LIFT, about another estate: not a copy.
LIFT_OTHER = (
    "我是翠湖湾小区的业主，小区12号楼电梯这个月已经坏了三次，每次都要等好几天才修好，"
    "物业说维修基金不够，让业主自己集资换新的。多次打12345反映也没有结果，希望有关部门管一管！"
)
# The same hospital's later statement on the same complaint: a new post, not a copy.
HOSPITAL_FOLLOW_UP = (
    "【市一医院通报急诊候诊投诉调查结果】经调查，患者于当晚21时到达急诊科，因同时段有5名车祸伤员"
    "需要抢救，分诊护士未及时复评患者病情，存在工作疏漏。医院已对当班分诊护士批评教育，"
    "扣发当月绩效，并自即日起实行急诊夜间双人分诊制度。"
)
WATER_CUT = (
    "停水通知：因供水管网改造施工，定于3月15日8:00至18:00对解放路、人民路部分区域暂停供水，"
    "受影响的有解放路1号至88号、人民路东段沿线小区。请广大用户提前做好储水准备，"
    "给您带来不便，敬请谅解。咨询电话：96116。"
)
WATER_CUT_OTHER = (
    "停水通知：因供水管网改造施工，定于3月22日9:00至20:00对建设路、和平路部分区域暂停供水，"
    "受影响的有建设路20号至135号、和平路北段沿线小区。请广大用户提前做好储水准备，"
    "给您带来不便，敬请谅解。咨询电话：96116。"
)
ACCIDENT = (
    "今天早上7点40分左右，沪宁高速无锡段往南京方向发生一起多车追尾事故，"
    "共涉及5辆小型客车，事故造成2人受轻伤，已被送往医院救治。受事故影响，"
    "该路段一度拥堵超过6公里，目前现场已清理完毕，交通逐步恢复。"
)
ACCIDENT_OTHER = (
    "昨晚10点左右，沪宁高速常州段往上海方向一辆货车侧翻，车上装载的钢管散落一地，"
    "占用两条车道，所幸没有人员伤亡。交警和路政部门连夜处置，直到今天凌晨3点才恢复通行。"
)
WEIBO_OPINION = (
    "学校食堂外包给公司，公司要赚钱，孩子吃什么谁来管？建议家长轮流陪餐，"
    "伙食账目每月公开，别等出了事才来整改。"
)
WEIBO_OPINION_OTHER = (
    "看到食堂的新闻真的很揪心，我家孩子也在这个区上学，每天中午都担心他吃不好。"
    "希望教育局这次真的查到底，给家长们一个交代。"
)
FIRE_EN = (
    "A fire broke out on the 12th floor of a residential building in Pudong on Tuesday night. "
    "Firefighters evacuated more than 200 residents and the blaze was put out within an hour. "
    "No injuries were reported and the cause is under investigation."
)
FIRE_EN_OTHER = (
    "A warehouse fire in Minhang sent thick smoke over the district on Wednesday morning. "
    "Officials said three workers were treated for smoke inhalation and the cause of the "
    "blaze is under investigation."
)


def first_half(text: str) -> str:
    return text[: len(text) // 2]


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def to_traditional(text: str) -> str:
    import opencc

    return str(opencc.OpenCC("s2t").convert(text))


def light_edit(text: str) -> str:
    return (
        text.replace("了解到", "获悉")
        .replace("身体状况", "身体情况")
        .replace("近日", "日前")
        .replace("确实", "的确")
        .replace("希望", "恳请")
        .replace("no injuries", "no one was injured")
    )


# (original, later post, is it a copy?) — the labelled pairs for precision and recall.
PAIRS: list[tuple[str, str, bool]] = [
    (CANTEEN, CANTEEN, True),
    (CANTEEN, "太吓人了[怒]//@滨江发布:" + CANTEEN, True),
    (CANTEEN, "转发微博//@小明同学:孩子没事吧//@滨江发布:" + CANTEEN, True),
    (CANTEEN, "转发：" + CANTEEN, True),
    (CANTEEN, first_half(CANTEEN), True),
    (CANTEEN, light_edit(CANTEEN), True),
    (CANTEEN, to_traditional(CANTEEN), True),
    (CANTEEN, to_full_width(CANTEEN), True),
    (CANTEEN, "据滨江日报报道，" + CANTEEN + "\n来源：滨江日报（责任编辑：王小明）", True),
    (CANTEEN, CANTEEN + " 网页链接 http://t.cn/A6abcd12 @滨江发布 #校园食品安全#", True),
    (HOSPITAL, HOSPITAL.replace("【市一医院回应患者家属投诉】", ""), True),
    (HOSPITAL, light_edit(HOSPITAL) + "（记者 张华 通讯员 李明）", True),
    (HOSPITAL, first_half(HOSPITAL), True),
    (LIFT, "同问！//@阳光花园业主:" + LIFT, True),
    (LIFT, light_edit(LIFT), True),
    (WATER_CUT, to_full_width(WATER_CUT), True),
    (WATER_CUT, "转发 " + WATER_CUT + " 请相互转告", True),
    (ACCIDENT, "【突发】" + ACCIDENT + "（来源：无锡交警）", True),
    (ACCIDENT, first_half(ACCIDENT) + "……", True),
    (FIRE_EN, "RT @shanghaidaily: " + FIRE_EN, True),
    (FIRE_EN, light_edit(FIRE_EN), True),
    (WEIBO_OPINION, "说得太对了//@某网友:" + WEIBO_OPINION, True),
    (CANTEEN, CANTEEN.replace("3名学生", "4名学生").replace("了解到", "获悉"), True),
    (CANTEEN, CANTEEN_OTHER_OUTLET, False),
    (CANTEEN, CANTEEN_OTHER_SCHOOL, False),
    (CANTEEN_OTHER_OUTLET, CANTEEN_OTHER_SCHOOL, False),
    (HOSPITAL, HOSPITAL_OTHER, False),
    (LIFT, PARKING, False),
    (WATER_CUT, WATER_CUT_OTHER, False),
    (ACCIDENT, ACCIDENT_OTHER, False),
    (WEIBO_OPINION, WEIBO_OPINION_OTHER, False),
    (FIRE_EN, FIRE_EN_OTHER, False),
    (CANTEEN, WEIBO_OPINION_OTHER, False),
    (CANTEEN, "转发微博", False),
    ("好", "好好", False),
    ("转发微博", "转发微博", False),
    ("[哈哈][哈哈]", "[哈哈]😀", False),
    (LIFT, LIFT_OTHER, False),
    (PARKING, LIFT_OTHER, False),
    (HOSPITAL, HOSPITAL_FOLLOW_UP, False),
    (
        ACCIDENT,
        ACCIDENT.replace("无锡段", "苏州段").replace("5辆", "3辆").replace("7点40", "9点10"),
        False,
    ),
    (CANTEEN, "滨江区第三实验小学食堂", False),
]


def decide(original: str, later: str) -> bool:
    dedup = Deduplicator()
    assert dedup.check_and_add(make_post("a", original)) is None
    return dedup.check_and_add(make_post("b", later)) == "a"


@pytest.mark.parametrize(
    ("original", "later", "copy"), PAIRS, ids=[str(i) for i in range(len(PAIRS))]
)
def test_labelled_pair(original: str, later: str, copy: bool) -> None:
    assert decide(original, later) is copy


def test_precision_and_recall_on_labelled_pairs() -> None:
    decided = [(decide(a, b), label) for a, b, label in PAIRS]
    tp = sum(1 for got, label in decided if got and label)
    fp = sum(1 for got, label in decided if got and not label)
    fn = sum(1 for got, label in decided if not got and label)
    assert len(PAIRS) >= 40
    assert tp / (tp + fp) == 1.0
    assert tp / (tp + fn) >= 0.95


# -- behaviour -----------------------------------------------------------------------


def test_repost_chain_points_at_the_first_post_through_intermediate_reposts() -> None:
    dedup = Deduplicator()
    stream = [
        make_post("orig", CANTEEN, title="滨江一小学食堂午餐现异物 教育局已介入"),
        make_post("r1", "孩子没事吧//@滨江发布:" + CANTEEN),
        make_post("r2", "//@小明同学:孩子没事吧//@滨江发布:" + CANTEEN),
        make_post("r3", "转发微博//@家长李女士:太过分了//@小明同学:孩子没事吧"),
        make_post("other", CANTEEN_OTHER_SCHOOL),
        make_post("r4", "跟进//@城南发布:" + CANTEEN_OTHER_SCHOOL),
    ]
    got = [dedup.check_and_add(post) for post in stream]
    # r3 quotes only comments: no story of its own, and none that is known.
    assert got == [None, "orig", "orig", None, None, "other"]


def test_retitled_reprint_is_a_copy() -> None:
    dedup = Deduplicator()
    dedup.check_and_add(make_post("orig", CANTEEN, title="滨江一小学食堂午餐现异物"))
    reprint = make_post("re", CANTEEN + "\n来源：滨江日报", title="多名小学生午饭后腹痛，官方通报")
    assert dedup.check_and_add(reprint) == "orig"


def test_copy_of_a_copy_points_at_the_original() -> None:
    dedup = Deduplicator()
    dedup.check_and_add(make_post("orig", CANTEEN))
    assert dedup.check_and_add(make_post("edit", light_edit(CANTEEN))) == "orig"
    # An exact repost of the edited copy goes to the first post, not to the copy.
    assert dedup.check_and_add(make_post("again", light_edit(CANTEEN) + "！！")) == "orig"


def test_short_texts_need_exact_equality() -> None:
    dedup = Deduplicator()
    assert dedup.check_and_add(make_post("a", "支持！")) is None
    assert dedup.check_and_add(make_post("b", "支持")) == "a"
    assert dedup.check_and_add(make_post("c", "支持一下")) is None
    assert dedup.check_and_add(make_post("d", "转发微博")) is None
    assert dedup.check_and_add(make_post("e", "转发微博")) is None
    assert dedup.check_and_add(make_post("f", "😀😀[哈哈]")) is None
    assert dedup.check_and_add(make_post("g", "😀[哈哈]")) is None
    # A short post is never a near copy of a long one that contains it.
    dedup.check_and_add(make_post("long", CANTEEN))
    assert dedup.check_and_add(make_post("h", "滨江区教育局")) is None


def test_check_changes_nothing_and_add_records() -> None:
    dedup = Deduplicator()
    post = make_post("a", CANTEEN)
    assert dedup.check(post) is None
    assert dedup.check(make_post("b", CANTEEN)) is None
    dedup.add(post, duplicate_of=None)
    assert dedup.check(make_post("b", CANTEEN)) == "a"
    assert len(dedup) == 1


def test_capacity_bounds_memory_and_forgets_the_oldest() -> None:
    dedup = Deduplicator(capacity=3)
    stories = [CANTEEN, HOSPITAL, LIFT, WATER_CUT, ACCIDENT]
    for i, story in enumerate(stories):
        assert dedup.check_and_add(make_post(f"s{i}", story)) is None
        assert len(dedup) <= 3
    assert dedup.check(make_post("x", CANTEEN)) is None  # forgotten
    assert dedup.check(make_post("x", first_half(HOSPITAL))) is None
    assert dedup.check(make_post("x", LIFT)) == "s2"
    assert dedup.check(make_post("x", first_half(ACCIDENT))) == "s4"
    for i in range(1000):
        dedup.check_and_add(make_post(f"n{i}", f"第{i}号通告：{HOSPITAL_OTHER[i % 50 :]}{i}"))
    assert len(dedup) <= 3
    assert len(dedup._index) <= 3 * 5
    assert len(dedup._copies) <= 3


def test_invalid_capacity() -> None:
    with pytest.raises(InvalidInput, match=r"去重容量必须在 1\.\.\d+ 之间，不能是 0"):
        Deduplicator(capacity=0)


def stream_posts() -> list[Post]:
    return [
        make_post("p1", CANTEEN),
        make_post("p2", HOSPITAL),
        make_post("p3", "好//@滨江发布:" + CANTEEN),
        make_post("p4", LIFT),
        make_post("p5", light_edit(HOSPITAL)),
        make_post("p6", PARKING),
        make_post("p7", first_half(LIFT)),
        make_post("p8", to_traditional(CANTEEN_OTHER_SCHOOL)),
        make_post("p9", CANTEEN_OTHER_SCHOOL),
    ]


LATER = [
    make_post("q1", first_half(CANTEEN)),
    make_post("q2", light_edit(light_edit(HOSPITAL))),
    make_post("q3", PARKING + "[怒]"),
    make_post("q4", CANTEEN_OTHER_OUTLET),
    make_post("q5", WATER_CUT),
]


def test_snapshot_restore_round_trip_gives_the_same_decisions() -> None:
    dedup = Deduplicator(capacity=100)
    assert [dedup.check_and_add(p) for p in stream_posts()] == [
        None, None, "p1", None, "p2", None, "p4", None, "p8",
    ]  # fmt: skip
    restored = Deduplicator.restore(dedup.snapshot())
    assert restored.capacity == 100
    assert [restored.check(p) for p in LATER] == [dedup.check(p) for p in LATER]
    assert [dedup.check(p) for p in LATER] == ["p1", "p2", "p6", None, None]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x80\x04\x95 pickle",
        b"not json",
        b"[]",
        b'{"format": "yuqing-dedup", "version": 2}',
        b'{"format": "yuqing-dedup", "version": 1, "capacity": "big"}',
        b'{"format": "yuqing-dedup", "version": 1, "capacity": 0}',
        b'{"format": "yuqing-dedup", "version": 1, "capacity": 10, "originals": {}}',
        b'{"format": "yuqing-dedup", "version": 1, "capacity": 10, "originals": [[1, 2]]}',
        b'{"format": "yuqing-dedup", "version": 1, "capacity": 10, "originals": [["a", "!!"]]}',
        b'{"format": "yuqing-dedup", "version": 1, "capacity": 10, "originals": [["a", "AAAA"]]}',
        b'{"format": "yuqing-dedup", "version": 1, "capacity": 10, "originals": [],'
        b' "copies": [["zz", "a"]]}',
        b'{"format": "yuqing-dedup", "version": 1, "capacity": 10, "originals": [],'
        b' "copies": [["0", "a"]]}',
        b"[" * 100_000,
    ],
)
def test_restore_refuses_hostile_bytes(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        Deduplicator.restore(data)


def test_restore_refuses_a_bad_signature_inside_a_valid_snapshot() -> None:
    sig = bytes([9]) + bytes(17)  # unknown version
    state = {
        "format": "yuqing-dedup",
        "version": 1,
        "capacity": 10,
        "originals": [["a", base64.b64encode(sig).decode()]],
        "copies": [],
    }
    with pytest.raises(InvalidInput, match="未知的去重签名版本 9"):
        Deduplicator.restore(json.dumps(state).encode())


def test_signature_is_compact_and_warm_start_gives_the_same_decisions() -> None:
    live = Deduplicator()
    warm = Deduplicator()
    for post in stream_posts():
        original = live.check_and_add(post)
        signature = live.signature(post)
        assert len(signature) <= SIGNATURE_BYTES <= 128
        # What the pipeline stores per post, replayed into a fresh deduplicator.
        warm.remember(post.id, signature, duplicate_of=original)
    assert [warm.check(p) for p in LATER] == [live.check(p) for p in LATER]
    # Originals alone (the contract's two-argument form) are enough for these.
    cold = Deduplicator()
    for post in stream_posts():
        if live.check(post) is None or live.check(post) == post.id:
            cold.remember(post.id, live.signature(post))
    assert [cold.check(p) for p in LATER] == [live.check(p) for p in LATER]


def test_remember_refuses_bad_signatures() -> None:
    dedup = Deduplicator()
    with pytest.raises(InvalidInput):
        dedup.remember("a", b"\x01" * 3)
    with pytest.raises(InvalidInput):
        dedup.remember("a", b"\x01\x00" + bytes(16) + (5).to_bytes(4, "little") * 2)


def test_long_posts_are_handled_by_their_beginning() -> None:
    article = "".join(f"第{i}段：{HOSPITAL_OTHER}{CANTEEN}" for i in range(300))  # ~100k chars
    dedup = Deduplicator()
    assert dedup.check_and_add(make_post("long", article)) is None
    assert dedup.check_and_add(make_post("cut", article[: len(article) // 2])) == "long"
    assert dedup.check_and_add(make_post("other", CANTEEN_OTHER_OUTLET * 50)) is None


def test_rollback_forgets_a_batch_even_past_capacity() -> None:
    # Capacity 3: the batch overwrites ring slots, forgets originals and copies for room.
    dedup = Deduplicator(capacity=3)
    for post in stream_posts()[:4]:
        dedup.check_and_add(post)
    before = dedup.snapshot()
    decisions = [dedup.check(p) for p in LATER]
    dedup.begin()
    for post in [*stream_posts()[4:], *LATER]:
        dedup.check_and_add(post)
    dedup.rollback()
    assert dedup.snapshot() == before
    assert [dedup.check(p) for p in LATER] == decisions
    # A committed batch is kept.
    dedup.begin()
    dedup.check_and_add(LATER[4])
    dedup.commit()
    dedup.rollback()  # nothing open: changes nothing
    assert dedup.check(make_post("z", LATER[4].text)) == "q5"
