"""Sample figures an incident report's template is test-rendered over before it is stored:
every part any incident kind shows, each with rows of every shape (a statement with
approvals and measures and one without, a correction of a report and one of nothing, a
deadline met late and one running, a written review …), and the full header."""

from __future__ import annotations

from datetime import date
from typing import Any

from yuqing.incidents.service.reports import REPORT_FIELDS
from yuqing.reports.document import DocumentInfo
from yuqing.reports.incident_kinds import (
    HEADER_FIELDS,
    PARTS,
    IncidentEventFigures,
    IncidentFigures,
    text_fields,
)

AT = "2026-03-01 09:00"


def _window(posts: int) -> dict[str, Any]:
    return {"posts": posts, "negative_share": 0.5, "sites": 2, "new_sites": 1}


def _ref(kind: str, number: int) -> dict[str, Any]:
    return {"id": number, "kind": kind, "number": number, "revision": 1, "submitted_at": AT}


def every_part() -> list[str]:
    """The parts of all incident kinds, in the order they first appear."""
    return list(dict.fromkeys(part for parts in PARTS.values() for part in parts))


def incident_figures(kind: str, *, own_parts: bool = False) -> IncidentFigures:
    """Every part of every kind; or, with `own_parts`, the parts and fields of `kind`."""
    shown = (*HEADER_FIELDS, *text_fields(kind)) if own_parts else REPORT_FIELDS
    fields = {name: f"示例{name}" for name in shown}
    fields.update(received_at=AT, discovered_at=AT, level="二级")
    day = {"day": "2026-03-01", "posts": 4, "negative": 2, "neutral": 1, "positive": 1}
    return IncidentFigures(
        kind=kind,
        incident=1,
        title="示例事件",
        timezone="Asia/Shanghai",
        status="open",
        stage="response",
        level="二级",
        owner="示例值班员",
        lead_department="示例部门",
        report={"id": 1, "number": 2, "revision": 1, "status": "draft"},
        fields=fields,
        posts=4,
        negative_share=0.5,
        sites=2,
        events=[
            IncidentEventFigures("ev-1", "示例事件", 3, 2, 2, "municipal", AT, "weibo"),
            IncidentEventFigures("ev-2", "示例事件二", 1, 0, 1, None, AT, "论坛"),
        ],
        posts_by_day=[day],
        posts_by_tier={"municipal": 3, "unknown": 1},
        deadlines=[
            {
                "name": "初报",
                "number": 1,
                "due_at": AT,
                "state": "met",
                "done_at": AT,
                "late_minutes": 5,
            },
            {
                "name": "续报",
                "number": 2,
                "due_at": AT,
                "state": "running",
                "done_at": "",
                "late_minutes": None,
            },
        ],
        deadlines_met=1,
        deadlines_missed=0,
        actions=[{"kind": "official_reply", "description": "示例回应", "at": AT}],
        parts=list(PARTS[kind]) if own_parts else every_part(),
        changes={
            "previous": _ref("initial", 1),
            **{"posts_then": 3, "posts_now": 4, "new_posts": 1},
            **{"sites_then": 1, "sites_now": 2, "new_sites": 1},
            **{"negative_share_then": 0.6667, "negative_share_now": 0.5},
        },
        statements=[
            {
                **{"id": 1, "number": 1, "revision": 2, "status": "published"},
                **{"created_at": AT, "published_at": AT, "channel": "官方微博"},
                "approvals": [
                    {"step": "审核", "decision": "approve", "reviewer": "示例", "at": AT}
                ],
                "measures": {
                    "window_minutes": 60,
                    "trend": "calmed",
                    "before": _window(3),
                    "after": _window(1),
                },
            },
            {
                **{"id": 2, "number": 2, "revision": 1, "status": "draft"},
                **{"created_at": AT, "published_at": "", "channel": ""},
                "approvals": [],
                "measures": None,
            },
        ],
        corrections=[
            {**_ref("initial", 2), "status": "draft", "corrects": _ref("initial", 1)},
            {**_ref("progress", 3), "status": "draft", "corrects": None},
        ],
        course=[
            {"at": AT, "step": "opened", "stage": "found", "stage_name": "发现", "reason": ""},
            {"at": AT, "step": "ended", "stage": None, "stage_name": None, "reason": "示例原因"},
        ],
        review={
            **{"summary": "示例", "worked": "示例", "failed": "示例", "evaluation": "示例"},
            **{"written_at": AT, "written_by": "示例"},
        },
        corrective_actions=[
            {"title": "示例整改", "owner": "示例", "due_at": AT, "status": "done", "done_at": AT},
            {
                "title": "示例整改二",
                "owner": "示例",
                "due_at": AT,
                "status": "overdue",
                "done_at": "",
            },
        ],
        posts_by_platform={"微博": 3, "unknown": 1},
        top_sites=[{"site": "weibo", "posts": 3}],
        sentiment={"negative": 2, "neutral": 1, "positive": 1},
        viewpoints=[
            {
                **{"post": "p1", "tone": tone, "title": "示例", "excerpt": "示例内容"},
                **{"source": "weibo", "platform": "微博", "media_tier": tier},
                **{"published_at": AT, "url": "https://example.org/1", "copies": 2},
            }
            for tone, tier in (("negative", "self"), ("neutral", None), ("positive", "central"))
        ],
        momentum={
            **{"as_of": AT, "window_hours": 24, "last_window": 3, "previous_window": 1},
            **{"direction": "rising", "first_at": AT, "last_at": AT},
            **{"peak_day": "2026-03-01", "peak_posts": 4},
        },
    )


def incident_context(kind: str, *, own_parts: bool = False) -> dict[str, object]:
    from yuqing.reports.incident_render import context

    figures = incident_figures(kind, own_parts=own_parts)
    sections = {name: text for name, text in figures.fields.items() if name not in HEADER_FIELDS}
    doc = DocumentInfo("示例单位", "示例〔2026〕1号", "内部", "示例办公室", date(2026, 3, 2))
    names = context(figures, sections, doc, [])
    names["charts"] = [{"title": "示例", "data": ""}]
    return names
