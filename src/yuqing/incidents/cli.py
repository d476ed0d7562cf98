"""`yuqing incident …`: the life of an incident from the command line.

Every command acts as a user of the store (`--as NAME`, or `YUQING_USER`), with that
user's role and department, exactly as the API would; each prints what it changed as
one JSON line. Services are imported inside the commands so `yuqing --help` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from yuqing.cli.ids import MAX_ID, IdArg

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from yuqing.auth.schemas import Actor
    from yuqing.core.clock import Clock

app = typer.Typer(
    help="Incidents (处置): cases, reports, statements, the case library.", no_args_is_help=True
)
task_app = typer.Typer(help="Tasks of an incident.", no_args_is_help=True)
report_app = typer.Typer(help="Reports of an incident.", no_args_is_help=True)
statement_app = typer.Typer(help="Statements and their reviews.", no_args_is_help=True)
case_app = typer.Typer(help="The case library (案例库).", no_args_is_help=True)
app.add_typer(task_app, name="task")
app.add_typer(report_app, name="report")
app.add_typer(statement_app, name="statement")
app.add_typer(case_app, name="case")

AS = typer.Option(None, "--as", help="Act as this user (default: $YUQING_USER).")
# Lists as options: module-level, so no call sits in a default (B008).
EVENTS = typer.Option([], "--event", help="An event id (repeat for several).")
MERGED = typer.Option(..., "--event", help="An event id to merge in (repeat for several).")
MOVED = typer.Option(..., "--event", help="An event to move to the new incident (repeat).")
READERS = typer.Option([], "--reader", help="Who may see a confidential one.")
HELPERS = typer.Option([], "--helper", help="A helping department.")
FIELDS = typer.Option(..., "--set", help="FIELD=VALUE (repeat).")
EVIDENCE = typer.Option(..., "--evidence", help="A link or file (repeat).")
VERSION = typer.Option(None, "--expect-version", help="Refuse if the incident changed since.")


def _run(user: str | None, work: Callable[[Session, Clock, Actor], Any]) -> None:
    """One unit of work as `user`, committed; prints its result as a JSON line."""
    from yuqing.cli.context import run_as
    from yuqing.cli.jsonlines import dumps

    def work_and_print(session: Session, clock: Clock, actor: Actor) -> None:
        # Printed inside the unit of work: a row's relationships still load.
        typer.echo(dumps(_plain(work(session, clock, actor))))

    run_as(user, work_and_print)


def _plain(value: Any) -> Any:
    """A row, schema or list of them as JSON-ready data."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__table__"):
        return {c.key: getattr(value, c.key) for c in value.__table__.columns}
    return value


def _when(text: str | None) -> datetime | None:
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("expected an ISO time like 2026-03-02T09:00+08:00, got {value!r}").format(value=text)
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(
            _("give the time with its offset, e.g. +08:00: {value!r}").format(value=text)
        )
    return moment


@app.command("open")
def open_cmd(
    event: list[str] = EVENTS,
    alert: int | None = typer.Option(None, "--alert", help="An alert id.", min=1, max=MAX_ID),
    tip: str | None = typer.Option(None, "--tip", help="phone, letter or in_person."),
    text: str | None = typer.Option(None, "--text", help="What the tip said."),
    title: str | None = typer.Option(None, "--title"),
    category: str = typer.Option("", "--category"),
    confidential: bool = typer.Option(False, "--confidential"),
    reader: list[str] = READERS,
    lead: str | None = typer.Option(None, "--lead", help="The lead department."),
    helper: list[str] = HELPERS,
    user: str | None = AS,
) -> None:
    """Open an incident; you are its first receiver and owner."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.open_incident(
                session=s,
                clock=c,
                actor=a,
                event_ids=event,
                alert_id=alert,
                tip_channel=tip,
                tip_text=text,
                title=title,
                category=category,
                confidential=confidential,
                readers=reader,
                lead_department=lead,
                helpers=helper,
            )
        ),
    )


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status", help="open, ended or closed."),
    level: str | None = typer.Option(None, "--level"),
    user: str | None = AS,
) -> None:
    """Incidents you may see, newest first (one JSON line, a list)."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: [
            IncidentRead.model_validate(i)
            for i in service.get_all(session=s, actor=a, status=status, level=level)
        ],
    )


@app.command("show")
def show_cmd(incident_id: IdArg, user: str | None = AS) -> None:
    """The incident: deadlines (with their source in the plan), reports, tasks, statements,
    actions and its log."""
    from yuqing.incidents.service import reading

    _run(
        user,
        lambda s, c, a: reading.get_detail(session=s, clock=c, actor=a, incident_id=incident_id),
    )


@app.command("level")
def level_cmd(
    incident_id: IdArg,
    level: str,
    reason: str = typer.Option("", "--reason"),
    propose: bool = typer.Option(False, "--propose", help="Only propose it."),
    user: str | None = AS,
    version: int | None = VERSION,
) -> None:
    """Confirm (or --propose) a level; confirming drafts the reports the plan requires."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    act = service.propose_level if propose else service.confirm_level
    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            act(
                session=s,
                clock=c,
                actor=a,
                incident_id=incident_id,
                level=level,
                reason=reason,
                expected_version=version,
            )
        ),
    )


@app.command("reopen")
def reopen_cmd(
    incident_id: IdArg,
    level: str,
    reason: str = typer.Option(..., "--reason", help="Why (it re-ignited …)."),
    user: str | None = AS,
    version: int | None = VERSION,
) -> None:
    """Re-open an ended response at a more severe level; the plan's clocks restart."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.reopen(
                session=s,
                clock=c,
                actor=a,
                incident_id=incident_id,
                level=level,
                reason=reason,
                expected_version=version,
            )
        ),
    )


@app.command("stage")
def stage_cmd(
    incident_id: IdArg,
    stage: str,
    reason: str = typer.Option("", "--reason"),
    user: str | None = AS,
    version: int | None = VERSION,
) -> None:
    """Move to a stage of the plan."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.move_stage(
                session=s,
                clock=c,
                actor=a,
                incident_id=incident_id,
                stage=stage,
                reason=reason,
                expected_version=version,
            )
        ),
    )


@app.command("handover")
def handover_cmd(
    incident_id: IdArg,
    to: str,
    reason: str = typer.Option("", "--reason"),
    user: str | None = AS,
    version: int | None = VERSION,
) -> None:
    """Offer the case to the next owner (you own it until they accept)."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.hand_over(
                session=s,
                clock=c,
                actor=a,
                incident_id=incident_id,
                to=to,
                reason=reason,
                expected_version=version,
            )
        ),
    )


@app.command("accept")
def accept_cmd(incident_id: IdArg, user: str | None = AS) -> None:
    """Accept the case offered to you."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.accept_handover(session=s, clock=c, actor=a, incident_id=incident_id)
        ),
    )


@app.command("merge")
def merge_cmd(
    incident_id: IdArg,
    events: list[str] = MERGED,
    user: str | None = AS,
    version: int | None = VERSION,
) -> None:
    """Merge more events into the incident (one case for several events)."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.add_events(
                session=s,
                clock=c,
                actor=a,
                incident_id=incident_id,
                event_ids=events,
                expected_version=version,
            )
        ),
    )


@app.command("split")
def split_cmd(
    incident_id: IdArg,
    events: list[str] = MOVED,
    reason: str = typer.Option(..., "--reason", help="Why they are another case."),
    title: str | None = typer.Option(None, "--title", help="The new incident's title."),
    user: str | None = AS,
    version: int | None = VERSION,
) -> None:
    """Split events out into a new incident (you are its first receiver)."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.split_incident(
                session=s,
                clock=c,
                actor=a,
                incident_id=incident_id,
                event_ids=events,
                title=title,
                reason=reason,
                expected_version=version,
            )
        ),
    )


@task_app.command("add")
def task_add(
    incident_id: IdArg,
    title: str,
    owner: str = typer.Option(..., "--owner"),
    track: str = typer.Option("other", "--track", help="offline, online or other."),
    due: str | None = typer.Option(None, "--due", help="ISO time with offset."),
    user: str | None = AS,
) -> None:
    from yuqing.incidents import service
    from yuqing.incidents.schemas import TaskRead

    _run(
        user,
        lambda s, c, a: TaskRead.model_validate(
            service.add_task(
                session=s,
                clock=c,
                actor=a,
                incident_id=incident_id,
                title=title,
                owner=owner,
                track=track,
                due_at=_when(due),
            )
        ),
    )


@task_app.command("done")
def task_done(task_id: IdArg, user: str | None = AS) -> None:
    from yuqing.incidents import service
    from yuqing.incidents.schemas import TaskRead

    _run(
        user,
        lambda s, c, a: TaskRead.model_validate(
            service.complete_task(session=s, clock=c, actor=a, task_id=task_id)
        ),
    )


@report_app.command("new")
def report_new(
    incident_id: IdArg,
    kind: str,
    corrects: int | None = typer.Option(None, "--corrects", min=1, max=MAX_ID),
    user: str | None = AS,
) -> None:
    """A new prefilled report (initial, flash, progress, special, closing)."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import ReportRead

    _run(
        user,
        lambda s, c, a: ReportRead.model_validate(
            service.create_report(
                session=s, clock=c, actor=a, incident_id=incident_id, kind=kind, corrects=corrects
            )
        ),
    )


@report_app.command("edit")
def report_edit(
    report_id: IdArg,
    field: list[str] = FIELDS,
    user: str | None = AS,
) -> None:
    """Change fields of a draft report."""
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.incidents import service
    from yuqing.incidents.schemas import ReportRead

    pairs = {}
    for item in field:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidInput(
                _("expected FIELD=VALUE, got {value!r}").format(value=item), where="--set"
            )
        pairs[key.strip()] = value
    _run(
        user,
        lambda s, c, a: ReportRead.model_validate(
            service.update_report(session=s, clock=c, actor=a, report_id=report_id, fields=pairs)
        ),
    )


@report_app.command("submit")
def report_submit(report_id: IdArg, user: str | None = AS) -> None:
    """Submit a draft; its deadline is recorded as met or missed."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import ReportRead

    _run(
        user,
        lambda s, c, a: ReportRead.model_validate(
            service.submit_report(session=s, clock=c, actor=a, report_id=report_id)
        ),
    )


@report_app.command("revise")
def report_revise(report_id: IdArg, user: str | None = AS) -> None:
    """A new draft revision of a submitted report."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import ReportRead

    _run(
        user,
        lambda s, c, a: ReportRead.model_validate(
            service.revise_report(session=s, clock=c, actor=a, report_id=report_id)
        ),
    )


@app.command("facts")
def facts_cmd(
    incident_id: IdArg,
    facts: str,
    wording: str = typer.Option("", "--wording"),
    user: str | None = AS,
) -> None:
    """Set the incident's fact sheet (统一口径)."""
    from yuqing.incidents import service

    _run(
        user,
        lambda s, c, a: service.update_fact_sheet(
            session=s, clock=c, actor=a, incident_id=incident_id, facts=facts, wording=wording
        ),
    )


@statement_app.command("draft")
def statement_draft(
    incident_id: IdArg,
    text: str,
    revises: int | None = typer.Option(None, "--revises", min=1, max=MAX_ID),
    user: str | None = AS,
) -> None:
    """A statement into review by the chain of the incident's level."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import StatementRead

    _run(
        user,
        lambda s, c, a: StatementRead.model_validate(
            service.draft_statement(
                session=s, clock=c, actor=a, incident_id=incident_id, text=text, revises=revises
            )
        ),
    )


@statement_app.command("review")
def statement_review(
    statement_id: IdArg,
    decision: str,
    comment: str = typer.Option("", "--comment"),
    user: str | None = AS,
) -> None:
    """approve, reject or comment."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import StatementRead

    _run(
        user,
        lambda s, c, a: StatementRead.model_validate(
            service.review_statement(
                session=s,
                clock=c,
                actor=a,
                statement_id=statement_id,
                decision=decision,
                comment=comment,
            )
        ),
    )


@statement_app.command("publish")
def statement_publish(
    statement_id: IdArg,
    channel: str = typer.Option(..., "--channel"),
    link: str = typer.Option("", "--link"),
    user: str | None = AS,
) -> None:
    """Record an approved statement as published."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import StatementRead

    _run(
        user,
        lambda s, c, a: StatementRead.model_validate(
            service.publish_statement(
                session=s, clock=c, actor=a, statement_id=statement_id, channel=channel, link=link
            )
        ),
    )


@app.command("action")
def action_cmd(
    incident_id: IdArg,
    kind: str,
    description: str,
    evidence: list[str] = EVIDENCE,
    target: str | None = typer.Option(None, "--target"),
    user: str | None = AS,
) -> None:
    """official_reply, press_conference, interview, correction_request, police_referral."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import ActionRead

    _run(
        user,
        lambda s, c, a: ActionRead.model_validate(
            service.record_action(
                session=s,
                clock=c,
                actor=a,
                incident_id=incident_id,
                kind=kind,
                description=description,
                evidence=evidence,
                target=target,
            )
        ),
    )


@app.command("end")
def end_cmd(incident_id: IdArg, reason: str, user: str | None = AS) -> None:
    """End the response (the plan's `response.end_by` roles)."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.end_response(
                session=s, clock=c, actor=a, incident_id=incident_id, reason=reason
            )
        ),
    )


@app.command("review")
def review_cmd(
    incident_id: IdArg,
    summary: str,
    worked: str = typer.Option("", "--worked"),
    failed: str = typer.Option("", "--failed"),
    evaluation: str = typer.Option("", "--evaluation"),
    user: str | None = AS,
) -> None:
    """Write the review of an ended response."""
    from yuqing.incidents import service

    _run(
        user,
        lambda s, c, a: service.write_review(
            session=s,
            clock=c,
            actor=a,
            incident_id=incident_id,
            summary=summary,
            worked=worked,
            failed=failed,
            evaluation=evaluation,
        ),
    )


@app.command("close")
def close_cmd(incident_id: IdArg, user: str | None = AS) -> None:
    """Close an ended, reviewed incident into the case library."""
    from yuqing.incidents import service
    from yuqing.incidents.schemas import IncidentRead

    _run(
        user,
        lambda s, c, a: IncidentRead.model_validate(
            service.close_incident(session=s, clock=c, actor=a, incident_id=incident_id)
        ),
    )


@app.command("my-work")
def my_work_cmd(user: str | None = AS) -> None:
    """What waits for you: hand-overs, approvals, tasks, report drafts."""
    from yuqing.incidents.service import reading

    def work(s: Session, c: Clock, a: Actor) -> dict[str, Any]:
        mine = reading.my_work(session=s, actor=a)
        return {
            "handovers": [i.id for i in mine.handovers],
            "approvals": [st.id for st in mine.approvals],
            "tasks": [t.id for t in mine.tasks],
            "reports": [r.id for r in mine.reports],
        }

    _run(user, work)


@app.command("check")
def check_cmd() -> None:
    """Remind before and escalate after deadlines (the worker runs this too)."""
    from yuqing.cli.context import app_context
    from yuqing.db.engine import session_scope
    from yuqing.incidents import service

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        done = service.check_deadlines(session=session, clock=ctx.clock)
    typer.echo(json.dumps(done.__dict__))


@case_app.command("search")
def case_search(query: str = typer.Argument(""), user: str | None = AS) -> None:
    """Closed incidents whose title, category, review or posts contain the words."""
    from yuqing.incidents.schemas import CaseRead
    from yuqing.incidents.service import cases

    _run(
        user,
        lambda s, c, a: [
            CaseRead.model_validate(x) for x in cases.search(session=s, actor=a, query=query)
        ],
    )


@case_app.command("export")
def case_export(incident_id: IdArg, user: str | None = AS) -> None:
    """One case as its JSON document: incident, posts as captured, reports, statements…"""
    from yuqing.incidents.service import cases

    _run(
        user,
        lambda s, c, a: cases.get_or_raise(session=s, actor=a, incident_id=incident_id).document,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="incident")


@statement_app.command("propose")
def statement_propose(incident_id: IdArg, user: str | None = AS) -> None:
    """Ask the organization's own model (YUQING_LLM_URL) for a statement's text, checked
    against the fact sheet and the posts; a person edits it, then `statement draft`."""
    from yuqing.analysis.llm.client import EndpointError
    from yuqing.cli.context import app_context
    from yuqing.core.errors import InvalidInput, UpstreamError
    from yuqing.core.i18n import _
    from yuqing.incidents.service.proposals import propose_statement

    llm = app_context().settings.llm
    if llm is None:
        raise InvalidInput(_("no drafting endpoint: set YUQING_LLM_URL and YUQING_LLM_MODEL"))

    def work(session: Session, clock: Clock, actor: Actor) -> dict[str, object]:
        try:
            proposal = propose_statement(
                session=session, clock=clock, actor=actor, incident_id=incident_id, llm=llm
            )
        except EndpointError as exc:
            raise UpstreamError(_("the drafting endpoint failed: {why}").format(why=exc)) from None
        return proposal.as_json()

    _run(user, work)
