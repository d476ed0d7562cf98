"""The incident's log in words (incidents/history.py): each code the service writes, read
the way the page shows it in Chinese; a value of an unknown shape is kept as stored."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from yuqing.core.i18n import use_locale
from yuqing.incidents.history import log_lines
from yuqing.incidents.schemas import LogRead
from yuqing.plan.examples import example_plan_text
from yuqing.plan.loading import parse_plan

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _read(kind: str, before: str | None = None, after: str | None = None, reason: str = "",
          actor: str = "leader") -> str:  # fmt: skip
    plan, problems = parse_plan(example_plan_text("county_bureau"))
    assert plan is not None, problems
    entry = LogRead(at=AT, actor=actor, kind=kind, before=before, after=after, reason=reason)
    with use_locale("zh_CN"):
        line = log_lines([entry], plan, SHANGHAI)[0]
    return " · ".join(
        part for part in (line.actor, line.what, line.before, line.after, line.reason) if part
    )


def test_levels_stages_and_statuses_by_their_names() -> None:
    assert (
        _read("level_raised", "IV", "II", "再次升温")
        == "leader · 提升级别 · 一般 · 重大 · 再次升温"
    )
    assert _read("stage", "monitoring", "verification") == "leader · 变更阶段 · 监测 · 调查核实"
    assert _read("ended", "open", "ended") == "leader · 终止响应 · 进行中 · 已终止响应"
    assert _read("opened", after="tip", reason="来信") == "leader · 立案 · 来自线索 · 来信"


def test_reports_deadlines_tasks_and_splits_in_words() -> None:
    late = _read("report_submitted", after="initial#1r1 (missed, 12 min late)")
    assert late == "leader · 报送报告 · 初次报告 #1 r1 (超时，晚 12 分钟)", late
    assert _read("report_submitted", after="flash#2r1 (met, 0 min late)").endswith("(按时)")
    reminder = _read("deadline_reminder", after="report:initial#1", actor="system",
                     reason="deadlines.I.report_within due 2026-03-02T02:00:00+00:00")  # fmt: skip
    assert reminder == (
        "系统 · 已发送时限提醒 · 初次报告 #1 · deadlines.I.report_within，时限 2026-03-02 10:00"
    ), reminder
    assert (
        _read("task_added", after="7 offline duty_office")
        == "leader · 新增任务 · #7 [线下] duty_office"
    )
    assert (
        _read("split_out", "ev-1,ev-2", "incident:5")
        == "leader · 拆出事件 · ev-1、ev-2 · 处置事项 #5"
    )
    assert _read("action", after="official_reply 3").endswith("官方回复 #3")


def test_an_unknown_code_or_shape_is_shown_as_stored() -> None:
    assert _read("something_new", after="x y z") == "leader · something_new · x y z"
    assert _read("report_edited", after="odd") == "leader · 编辑报告 · odd"


def test_a_statement_reads_by_its_number_and_revision_as_the_page_lists_it() -> None:
    """The log keeps a statement's id (`3 校办审核`); the page names statements `#1 r2`, so
    the history does too (it said `#3`, a number the page shows nowhere)."""
    plan, problems = parse_plan(example_plan_text("county_bureau"))
    assert plan is not None, problems
    entries = [
        LogRead(at=AT, actor=actor, kind=kind, before=None, after=after, reason="")
        for actor, kind, after in (
            ("office", "statement_approve", "3 办公室审核"),
            ("spokes", "statement_published", "3 微博"),
            ("office", "statement_comment", "3"),
            ("office", "statement_approve", "9 办公室审核"),
        )
    ]
    with use_locale("zh_CN"):
        lines = log_lines(entries, plan, SHANGHAI, {3: "#1 r2"})
    assert [(line.what, line.after) for line in lines] == [
        ("批准通稿", "#1 r2 办公室审核"),
        ("发布通稿", "#1 r2 微博"),
        ("评论通稿", "#1 r2"),
        ("批准通稿", "#9 办公室审核"),  # a statement the page does not list: as stored
    ]
