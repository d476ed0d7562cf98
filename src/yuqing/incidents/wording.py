"""The words pages show for an incident's codes (statuses, report kinds, task lines,
action kinds): the stored code stays English, people read it in their language."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from yuqing.core.i18n import N_, _

LABELS: dict[str, str] = {
    # incidents
    "open": N_("open"),
    "ended": N_("ended"),
    "closed": N_("closed"),
    # reports and statements
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "in_review": N_("in review"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "published": N_("published"),
    "superseded": N_("superseded"),
    "signed": N_("signed"),  # a report document in /reports
    # tasks and deadlines
    "done": N_("done"),
    "running": N_("running"),
    "met": N_("met"),
    "missed": N_("missed"),
    "cancelled": N_("cancelled"),
    "stopped": N_("stopped"),
    "overdue": N_("overdue"),
    # the event after a statement (service/measures.py)
    "calmed": N_("calmed"),
    "re-ignited": N_("re-ignited"),
    "mixed": N_("mixed"),
    "quiet": N_("quiet"),
    "too early": N_("too early"),
    # report kinds
    "initial": N_("initial report"),
    "flash": N_("flash report"),
    "progress": N_("progress report"),
    "special": N_("special report"),
    "closing": N_("closing report"),
    # the two lines of double handling
    "offline": N_("offline"),
    "online": N_("online"),
    "other": N_("other"),
    # actions
    "official_reply": N_("official reply"),
    "press_conference": N_("press conference"),
    "interview": N_("interview"),
    "correction_request": N_("correction request"),
    "police_referral": N_("police referral"),
    # how a tip came
    "phone": N_("phone"),
    "letter": N_("letter"),
    "in_person": N_("in person"),
    # deadline clocks other than reports (service/clocks.py)
    "answer": N_("first public answer"),
    # review decisions
    "approve": N_("approve"),
    "reject": N_("reject"),
    "comment": N_("comment"),
}


# The rows addressed under an incident, by their table, as a refusal names them.
ROWS: dict[str, str] = {
    "incident_tasks": N_("task"),
    "incident_reports": N_("report"),
    "incident_statements": N_("statement"),
    "incident_corrective_actions": N_("corrective action"),
}


def row_name(table: str) -> str:
    """What a row of `table` is, in words (`incident_reports` → 报告)."""
    return _(ROWS[table]) if table in ROWS else table


def label(code: str | None) -> str:
    """`code` in the language in force (an unknown code as it is)."""
    if not code:
        return "-"
    return _(LABELS[code]) if code in LABELS else code


def clock_label(name: str) -> str:
    """A deadline clock's name in words: `report:initial` → 初次报告, `answer` → 首次公开回应."""
    return label(name.removeprefix("report:"))


def minutes_left(due: datetime, now: datetime) -> int:
    """Whole minutes until `due`, negative once it has passed, rounded away from zero:
    a clock with 59 min 30 s to go reads 60 min left, 30 s past reads 1 min overdue.
    countdown.js counts the same way, so the page's first recount agrees with the
    server's text however long the page took to arrive."""
    seconds = (due - now).total_seconds()
    return math.ceil(seconds / 60) if seconds >= 0 else -math.ceil(-seconds / 60)


def utc_iso(moment: datetime) -> str:
    """A moment for countdown.js (`data-due`, `data-now`): UTC, whole seconds, any browser
    parses it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
