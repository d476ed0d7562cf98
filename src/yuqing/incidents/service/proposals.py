"""A statement proposed by the organization's own model (docs/llm.md), off by default.

Grounded in the incident's fact sheet (统一口径: `P1`, cited as `fact-sheet`) and the
earliest posts of its events (`P2` …), with the fact sheet's figures as the only numbers
beyond what those texts say; the checks of `analysis.llm.drafting` refuse any sentence
they do not bear out. The proposal is text for a person to edit and then draft through
the approval chain (`draft_statement`); it is never a statement by itself.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.analysis.llm.client import ChatClient
from yuqing.analysis.llm.drafting import Draft, Grounds, Source, propose_with
from yuqing.analysis.models import EventPost
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.llm_settings import LLMSettings
from yuqing.incidents.models import FactSheet, Incident, IncidentEvent
from yuqing.incidents.service.access import get_visible
from yuqing.monitor.models import StoredPost

FACT_SHEET = "fact-sheet"
POSTS = 6  # the earliest posts: what people first read about it
TASK = (
    "以本单位名义起草一份情况通报，3到5句：快报已核实的事实，慎报原因，"
    "说明已采取的措施和下一步安排，承诺及时通报进展。只用 posts 中 P1（事实口径）核实过的事实。"
)


def statement_grounds(
    session: Session, clock: Clock, incident: Incident, zone: ZoneInfo
) -> Grounds:
    sheet = session.get(FactSheet, incident.id)
    sources = [Source("P1", FACT_SHEET, _sheet_text(sheet))] if sheet else []
    days = {clock.now().astimezone(zone).date(), incident.discovered_at.astimezone(zone).date()}
    rows = session.execute(
        select(StoredPost.post_id, StoredPost.title, StoredPost.text, StoredPost.published_at)
        .join(EventPost, EventPost.post_pk == StoredPost.pk)
        .join(IncidentEvent, IncidentEvent.event_id == EventPost.event_id)
        .where(IncidentEvent.incident_id == incident.id)
        .order_by(StoredPost.published_at, StoredPost.pk)
        .limit(POSTS)
    )
    for post_id, title, text, published_at in rows:
        sources.append(
            Source(f"P{len(sources) + 1}", post_id, f"{title}\n{text}" if title else text)
        )
        days.add(published_at.astimezone(zone).date())
    figures = dict(sheet.figures) if sheet else {}
    return Grounds(figures=figures, sources=sources, days=frozenset(days))


def propose_statement(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    llm: LLMSettings,
    client: ChatClient | None = None,
) -> Draft:
    """The endpoint's proposal for the incident's next statement, checked."""
    incident, plan = get_visible(session, actor, incident_id)
    zone = ZoneInfo(plan.organization.timezone)
    grounds = statement_grounds(session, clock, incident, zone)
    return propose_with(llm, task=TASK, grounds=grounds, client=client)


def _sheet_text(sheet: FactSheet) -> str:
    return "\n".join(part for part in (sheet.facts, sheet.wording) if part)
