"""`yuqing dedup` as the evaluation harness runs it: JSON Lines in, `duplicate_of` added."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import opencc

# Stories as in test_dedup.py (kept here so this module stands alone).
CANTEEN = (
    "3月12日，有家长反映，滨江区第三实验小学食堂午餐中发现异物，多名学生饭后出现腹痛症状。"
    "记者从滨江区教育局了解到，该局已第一时间成立工作组进驻学校，对食堂进行全面检查，"
    "涉事食材已全部封存送检。目前，3名学生在区人民医院接受观察，身体状况稳定。"
    "区教育局表示，将根据调查结果依法依规严肃处理，并在全区开展校园食品安全专项整治。"
)

CANTEEN_OTHER_OUTLET = (
    "滨江区一小学学生午饭后腹痛，家长质疑饭菜有问题。12日中午，不少家长在微信群里传看一张照片，"
    "照片中的餐盘里有一块疑似塑料的碎片。一位学生家长告诉我们，孩子回家后一直说肚子疼，"
    "“学校到现在也没给个说法”。当天下午，教育部门工作人员赶到学校，后厨已经停用，"
    "剩余的饭菜被装袋带走检测。据了解，有3个孩子被送往医院，暂无大碍。"
)

HOSPITAL = (
    "【市一医院回应患者家属投诉】近日，有网友发帖称其父亲在市第一人民医院急诊科等待4个多小时"
    "无人接诊。对此，市一医院医务科工作人员回应称，当晚急诊科同时接收了多名车祸伤员，"
    "医生全部投入抢救，确实存在患者等候时间较长的情况。医院已与家属取得联系并致歉，"
    "下一步将优化急诊分诊流程，增加夜间值班医生。"
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

HOSPITAL_EDITED_TRADITIONAL = opencc.OpenCC("s2t").convert(
    HOSPITAL.replace("近日", "日前").replace("确实", "的确")
)
CANTEEN_HALF = CANTEEN[: len(CANTEEN) // 2]

YUQING = Path(sys.executable).with_name("yuqing")

# (post, expected duplicate_of), in arrival order.
STREAM: list[tuple[dict[str, object], str | None]] = [
    ({"id": "w1", "text": CANTEEN, "platform": "microblog"}, None),
    ({"id": "w2", "text": "心疼孩子[泪]//@滨江发布:" + CANTEEN}, "w1"),
    ({"id": "w3", "text": "转发微博//@网友甲:心疼孩子[泪]//@滨江发布:" + CANTEEN}, "w1"),
    ({"id": "n1", "title": "滨江一小学多名学生午饭后腹痛", "text": CANTEEN_HALF}, "w1"),
    ({"id": "n2", "text": CANTEEN_OTHER_OUTLET, "platform": "news"}, None),
    ({"id": "h1", "text": HOSPITAL}, None),
    ({"id": "h2", "text": HOSPITAL_EDITED_TRADITIONAL, "extra_field": 1}, "h1"),
    ({"id": "c1", "text": LIFT, "platform": "forum"}, None),
    ({"id": "c2", "text": PARKING, "platform": "forum"}, None),
    ({"id": "s1", "text": "转发微博"}, None),
    ({"id": "s2", "text": "转发微博"}, None),
    ({"id": "s3", "text": "顶！"}, None),
    ({"id": "s4", "text": "顶"}, "s3"),
]


def test_dedup_command_marks_copies_in_order(tmp_path: Path) -> None:
    fixture = "".join(json.dumps(post, ensure_ascii=False) + "\n" for post, _ in STREAM)
    result = subprocess.run(
        [str(YUQING), "dedup"],
        input=fixture.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=120,
        env={"YUQING_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr.decode()
    lines = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [line["id"] for line in lines] == [post["id"] for post, _ in STREAM]
    assert [line["duplicate_of"] for line in lines] == [want for _, want in STREAM]
    assert lines[6]["extra_field"] == 1  # CONTRACTS: unknown fields are kept


def test_dedup_command_reports_bad_lines_and_goes_on(tmp_path: Path) -> None:
    fixture = (
        json.dumps({"id": "a", "text": CANTEEN}, ensure_ascii=False)
        + "\nnot json\n"
        + json.dumps({"id": "b", "text": CANTEEN}, ensure_ascii=False)
        + "\n"
    )
    result = subprocess.run(
        [str(YUQING), "dedup"],
        input=fixture.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=120,
        env={"YUQING_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0
    assert "LINE 2:" in result.stderr.decode()
    lines = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [line["duplicate_of"] for line in lines] == [None, "a"]
