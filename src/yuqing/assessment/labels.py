"""The columns of each view and the names of the item kinds, as people read them: the
CLI's table, the XLSX sheets and the page share these, so all three say the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from yuqing.assessment.schemas import UNASSIGNED, DepartmentRow, Item, PersonRow, Spread
from yuqing.core.i18n import N_, _


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _median(spread: Spread) -> str:
    return "-" if spread.median is None else f"{spread.median:g}"


def _p90(spread: Spread) -> str:
    return "-" if spread.p90 is None else f"{spread.p90:g}"


Column = tuple[str, Callable[[Any], object]]  # an N_() msgid, and the cell of a row

DEPARTMENT_COLUMNS: tuple[Column, ...] = (
    (N_("Assessed department"), lambda r: department_label(r.department)),
    (N_("Incidents led"), lambda r: r.incidents_led),
    (N_("Incidents helped"), lambda r: r.incidents_helped),
    (N_("Reports due"), lambda r: r.reports_due),
    (N_("On time"), lambda r: r.on_time),
    (N_("On-time rate"), lambda r: _rate(r.on_time_rate)),
    (N_("Late (迟报)"), lambda r: r.late),
    (N_("Minutes late"), lambda r: r.late_minutes),
    (N_("Missed (漏报)"), lambda r: r.missed),
    (N_("Alerts unreported"), lambda r: r.missed_alerts),
    (N_("Contradicted (to judge)"), lambda r: r.contradicted),
    (N_("Statements unapproved"), lambda r: r.unapproved_statements),
    (N_("Replies without statement"), lambda r: r.replies_without_statement),
    (N_("First answers late"), lambda r: f"{r.answers_late}/{r.answers_due}"),
    (N_("Discovery → answer, median min"), lambda r: _median(r.answer_minutes)),
    (N_("Discovery → answer, P90 min"), lambda r: _p90(r.answer_minutes)),
    (N_("Alert → ack, median min"), lambda r: _median(r.ack_minutes)),
    (N_("Alert → ack, P90 min"), lambda r: _p90(r.ack_minutes)),
    (N_("Alert → incident, median min"), lambda r: _median(r.incident_minutes)),
    (N_("Alert → incident, P90 min"), lambda r: _p90(r.incident_minutes)),
)
PERSON_COLUMNS: tuple[Column, ...] = (
    (N_("Person"), lambda r: r.name or r.person),
    (N_("Sign-in name"), lambda r: r.person),
    (N_("Incidents owned"), lambda r: r.incidents_owned),
    (N_("Reports due"), lambda r: r.reports_due),
    (N_("On time"), lambda r: r.on_time),
    (N_("On-time rate"), lambda r: _rate(r.on_time_rate)),
    (N_("Late (迟报)"), lambda r: r.late),
    (N_("Minutes late"), lambda r: r.late_minutes),
    (N_("Missed (漏报)"), lambda r: r.missed),
    (N_("Reports submitted"), lambda r: r.reports_submitted),
    (N_("Contradicted (to judge)"), lambda r: r.contradicted),
    (N_("Alerts acknowledged"), lambda r: r.alerts_acknowledged),
    (N_("Alert → ack, median min"), lambda r: _median(r.ack_minutes)),
    (N_("Alert → ack, P90 min"), lambda r: _p90(r.ack_minutes)),
)
ITEM_LABELS: dict[str, str] = {
    "late": N_("late report"),
    "missed": N_("missed report"),
    "missed_alert": N_("alert with no incident by the report deadline"),
    "corrected": N_("report corrected with other figures"),
    "level_rose": N_("level rose above the initial report's"),
    "unapproved_statement": N_("statement published without full approval"),
    "reply_without_statement": N_("official reply without an approved statement"),
}


def department_label(name: str) -> str:
    if name == UNASSIGNED:
        return _("unassigned")
    return _("(whole organization)") if name == "*" else name


def item_label(kind: str) -> str:
    return _(ITEM_LABELS[kind])


def item_what(item: Item) -> str:
    """An item's detail in words: a report clock `report:flash #2` reads 快报 #2, the
    fields a correction changed read as their form labels (harm → 危害程度), the rest
    (levels, approvals 1/2) as they are."""
    from yuqing.incidents.drafting_views import FIELD_LABELS  # here: the pages import us
    from yuqing.incidents.wording import clock_label

    if not item.what:
        return ""
    if item.kind in ("late", "missed"):
        name, _sep, number = item.what.partition(" #")
        return f"{clock_label(name)} #{number}" if number else clock_label(name)
    if item.kind == "corrected":
        fields = item.what.split(", ")
        return "、".join(_(FIELD_LABELS[f]) if f in FIELD_LABELS else f for f in fields)
    return item.what


def headers(columns: tuple[Column, ...]) -> list[str]:
    return [_(title) for title, _cell in columns]


def cells(columns: tuple[Column, ...], row: DepartmentRow | PersonRow) -> list[object]:
    return [cell(row) for _title, cell in columns]


def item_link(item: Item) -> str:
    """Where to look: the incident's page, else the page of the alert's event."""
    if item.incident_id is not None:
        return f"/incidents/{item.incident_id}"
    return f"/events/{quote(item.event_id, safe='')}" if item.event_id is not None else ""
