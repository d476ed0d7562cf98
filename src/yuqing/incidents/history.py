"""An incident's log (its History on the page) in words: what happened, and the values
before and after as people name them.

The log keeps codes (`level_raised`, `IV` → `II`, `initial#1r2 (met, 0 min late)`) so
that the CLI, the API and the audit read the same thing whatever the language; the page
turns them into 提升级别 · 一般 → 重大 · 初次报告 #1 r2 (按时) here, for the codes the
service writes (service/*.py, `record(...)`). A value of a shape it does not know is shown
as stored, never dropped."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from yuqing.core.i18n import N_, _, pgettext
from yuqing.incidents.schemas import LogRead
from yuqing.incidents.wording import clock_label, label
from yuqing.plan.schema import Plan
from yuqing.plan.wording import level_name

WHAT: dict[str, str] = {
    "opened": N_("opened"),
    "events_added": N_("events added"),
    "split_out": N_("events split out"),
    "split_from": N_("split from"),
    "level_proposed": N_("level proposed"),
    "level_confirmed": N_("level confirmed"),
    "level_raised": N_("level raised"),
    "stage": N_("stage changed"),
    "handover_offered": N_("hand-over offered"),
    "handover_accepted": N_("hand-over accepted"),
    "task_added": N_("task added"),
    "task_done": N_("task done"),
    "report_drafted": N_("report drafted"),
    "report_edited": N_("report edited"),
    "report_revised": N_("report revised"),
    "report_submitted": N_("report submitted"),
    "fact_sheet": N_("fact sheet saved"),
    "statement_drafted": N_("statement drafted"),
    "statement_approve": N_("statement approved"),
    "statement_reject": N_("statement rejected"),
    "statement_comment": N_("statement commented"),
    "statement_published": N_("statement published"),
    "action": N_("action recorded"),
    "ended": N_("response ended"),
    "reopened": N_("response re-opened"),
    "review_written": N_("review written"),
    "corrective_added": N_("corrective action added"),
    "corrective_done": N_("corrective action done"),
    "closed": N_("closed into the case library"),
    "deadline_reminder": N_("deadline reminder sent"),
    "deadline_escalation": N_("deadline passed: escalated"),
}
ORIGINS: dict[str, str] = {
    "event": N_("from an event"),
    "alert": N_("from an alert"),
    "tip": N_("from a tip"),
}
LEVEL_KINDS = frozenset({"level_proposed", "level_confirmed", "level_raised"})
STATUS_KINDS = frozenset({"ended", "reopened", "closed"})
# `initial#1`, `progress#2r3`, `initial#1r1 (missed, 12 min late)` (service/reports.py)
REPORT = re.compile(
    r"(?P<kind>[a-z:_]+)#(?P<n>\d+)(?:r(?P<r>\d+))?"
    r"(?: \((?P<state>[a-z]+), (?P<late>\S+) min late\))?"
)
DEADLINE_REASON = re.compile(r"(?P<source>\S+) due (?P<due>\S+)")  # service/clocks.py
SYSTEM = "system"  # the actor of what the clocks do on their own


@dataclass(frozen=True)
class LogLine:
    at: datetime
    actor: str
    what: str
    before: str
    after: str
    reason: str


def _report(value: str) -> str:
    found = REPORT.fullmatch(value)
    if found is None:
        return value
    text = f"{clock_label(found['kind'])} #{found['n']}"
    if found["r"]:
        text += f" r{found['r']}"
    state, late = found["state"], found["late"]
    if state and late not in (None, "None", "0"):
        text += " (" + _("{state}, {n} min late").format(state=label(state), n=late) + ")"
    elif state:
        text += f" ({label(state)})"
    return text


def _when(value: str, zone: ZoneInfo) -> str:
    """`2026-03-02T02:00:00+00:00 leader` (when a response ended, and by whom) → local."""
    moment, _sep, who = value.partition(" ")
    try:
        local = datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value
    return f"{local} {who}".rstrip()


def _value(
    kind: str,
    value: str | None,
    plan: Plan,
    stages: dict[str, str],
    zone: ZoneInfo,
    statements: Mapping[int, str],
) -> str:
    """One stored before/after value in words; a statement by its number and revision
    (`#1 r2`) as the page lists it, not by the id the log keeps."""
    if not value:
        return ""
    if kind in LEVEL_KINDS:
        return level_name(plan, value)
    if kind == "stage":
        return stages.get(value, value)
    if kind in STATUS_KINDS:
        return label(value) if value in ("open", "ended", "closed") else _when(value, zone)
    if kind == "opened":
        return _(ORIGINS[value]) if value in ORIGINS else value
    if kind.startswith(("report_", "deadline_")):
        return _report(value)
    if value.startswith("incident:") and value[9:].isdigit():
        return _("incident #{id}").format(id=value[9:])
    if kind == "task_added":  # "{id} {track} {owner}"
        parts = value.split(" ", 2)
        if len(parts) == 3 and parts[0].isdigit():
            return f"#{parts[0]} [{label(parts[1])}] {parts[2]}"
    if kind == "action":  # "{kind} {id}"
        code, _sep, number = value.partition(" ")
        return f"{label(code)} #{number}" if number.isdigit() else value
    if kind == "statement_comment" and value.isdigit():
        return statements.get(int(value), f"#{value}")
    if kind in ("task_done", "corrective_done") and value.isdigit():
        return f"#{value}"
    if kind == "statement_drafted":  # "{number}r{revision}"
        number, _sep, revision = value.partition("r")
        return f"#{number} r{revision}" if number.isdigit() and revision.isdigit() else value
    if kind.startswith("statement_") or kind == "corrective_added":  # "{id} {who / channel}"
        number, _sep, rest = value.partition(" ")
        if not number.isdigit():
            return value
        named = statements.get(int(number)) if kind.startswith("statement_") else None
        return f"{named or '#' + number} {rest}".rstrip()
    if kind in ("events_added", "split_out", "split_from"):
        return pgettext("short list", ", ").join(value.split(","))
    return value


def _reason(kind: str, reason: str, zone: ZoneInfo) -> str:
    """The reason as written by a person; a clock's own note (`… due <ISO time>`) with its
    due time in the plan's zone."""
    found = DEADLINE_REASON.fullmatch(reason) if kind.startswith("deadline_") else None
    if found is None:
        return reason
    try:
        due = datetime.fromisoformat(found["due"]).astimezone(zone)
    except ValueError:
        return reason
    return _("{source}, due {when}").format(
        source=found["source"], when=due.strftime("%Y-%m-%d %H:%M")
    )


def log_lines(
    log: list[LogRead], plan: Plan, zone: ZoneInfo, statements: Mapping[int, str] | None = None
) -> list[LogLine]:
    """The incident's log as the page shows it, oldest first. `statements`: the page's
    name of each statement by its id (`#1 r2`)."""
    stages = {stage.id: stage.name for stage in plan.stages}
    named = statements or {}
    return [
        LogLine(
            at=entry.at,
            actor=_("system") if entry.actor == SYSTEM else entry.actor,
            what=_(WHAT[entry.kind]) if entry.kind in WHAT else entry.kind,
            before=_value(entry.kind, entry.before, plan, stages, zone, named),
            after=_value(entry.kind, entry.after, plan, stages, zone, named),
            reason=_reason(entry.kind, entry.reason, zone),
        )
        for entry in log
    ]
