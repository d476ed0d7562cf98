"""A drill's score in words (`yuqing drill score`), in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from yuqing.core.i18n import _
from yuqing.drills.scoring import Deadline, DrillScore, EventScore
from yuqing.incidents.wording import clock_label


def minutes(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return _("{n} min").format(n=round(seconds / 60))


def state_words(deadline: Deadline) -> str:
    if deadline.state == "met":
        return _("met")
    if deadline.state == "missed":
        return _("missed, {n} min late").format(n=deadline.late_minutes)
    if deadline.state == "overdue":
        return _("overdue, {n} min late so far").format(n=deadline.late_minutes)
    return _("running")


def deadline_name(deadline: Deadline) -> str:
    return _("{clock} #{number} of incident {id}").format(
        clock=clock_label(deadline.name), number=deadline.number, id=deadline.incident_id
    )


def score_lines(result: DrillScore, *, name: str, timezone: str) -> list[str]:
    zone = ZoneInfo(timezone)

    def at(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%m-%d %H:%M") if moment else "-"

    lines = [
        _("Drill {name}: score at {time} (scenario time)").format(name=name, time=at(result.at))
    ]
    if not result.events:
        lines.append(_("no event has raised an alert or been opened as an incident yet"))
    for event in result.events:
        lines.extend(_event_lines(event, at))
    lines.append("")
    if result.met_share is None:
        lines.append(_("deadlines: none due yet"))
    else:
        message = _("deadlines: {met} of {decided} due so far met ({share:.0%})")
        lines.append(
            message.format(met=result.met, decided=len(result.decided), share=result.met_share)
        )
    for deadline in result.worst():
        lines.append(
            _("  worst: {deadline}, {state}").format(
                deadline=deadline_name(deadline), state=state_words(deadline)
            )
        )
    lessons = result.lessons
    lines.append(_("lessons for the plan review ({n}):").format(n=len(lessons)))
    for deadline in lessons:
        lines.append(
            _("  - {deadline}: {state} (plan: {source})").format(
                deadline=deadline_name(deadline),
                state=state_words(deadline),
                source=deadline.source,
            )
        )
    return lines


def _event_lines(event: EventScore, when: Callable[[datetime | None], str]) -> list[str]:
    lines = ["", _("event {id}: {title}").format(id=event.event_id, title=event.title)]
    lines.append(
        _("  detection: first post {post}, first alert {alert} ({took})").format(
            post=when(event.first_post_at),
            alert=when(event.first_alert_at),
            took=minutes(event.detection_s),
        )
    )
    if event.incident_id is None:
        lines.append(_("  no incident opened"))
        return lines
    lines.append(
        _(
            "  incident {id} opened {opened} ({took}); "
            "level {level} confirmed {confirmed} ({after})"
        ).format(
            id=event.incident_id,
            opened=when(event.opened_at),
            took=minutes(event.opening_s),
            level=event.level_label or event.level or "-",
            confirmed=when(event.level_confirmed_at),
            after=minutes(event.level_s),
        )
    )
    lines.append(
        _("  statement approved {approved}, published {published}").format(
            approved=when(event.statement_approved_at),
            published=when(event.statement_published_at),
        )
    )
    for deadline in event.deadlines:
        lines.append(
            _("  {clock} #{number}: due {due}, {state} (plan: {source})").format(
                clock=clock_label(deadline.name),
                number=deadline.number,
                due=when(deadline.due_at),
                state=state_words(deadline),
                source=deadline.source,
            )
        )
    return lines
