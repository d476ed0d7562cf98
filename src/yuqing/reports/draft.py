"""A report's summary paragraph proposed by the organization's own model (docs/llm.md).

The model sees the report's figures and a few stored posts of each top event; the checks
of `analysis.llm.drafting` keep only sentences that cite those posts and whose numbers
and days the store holds. Off unless YUQING_LLM_URL is set.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.analysis.llm.client import ChatClient
from yuqing.analysis.llm.drafting import Draft, Grounds, Source, propose_with
from yuqing.analysis.models import EventPost
from yuqing.core.llm_settings import LLMSettings
from yuqing.monitor.models import StoredPost
from yuqing.reports.figures import Figures

POSTS_PER_EVENT = 3  # the earliest posts of each top event: where the story began
TASK = "根据 figures 和 posts，写本期舆情概述，2到4句，先总体数字，再最主要的事件。"


def report_grounds(session: Session, figures: Figures) -> Grounds:
    """What a summary of `figures` may rest on: its numbers, days and top events' posts."""
    numbers: dict[str, int | float | str] = {
        "posts": figures.posts,
        "negative_share": round(figures.negative_share, 4),
        "events": figures.events,
        "alerts_raised": figures.alerts_raised,
        "alerts_acknowledged": figures.alerts_acknowledged,
    }
    for level, count in figures.events_by_level.items():
        numbers[f"events_at_{level}"] = count
    for tier, count in figures.posts_by_tier.items():
        numbers[f"posts_from_{tier}"] = count
    sources: list[Source] = []
    zone = ZoneInfo(figures.timezone)
    start, end = datetime.fromisoformat(figures.start), datetime.fromisoformat(figures.end)
    days = set(_days(start.astimezone(zone).date(), (end - timedelta(microseconds=1)).date()))
    for n, event in enumerate(figures.top_events, 1):
        numbers[f"event{n}_title"] = event.title
        numbers[f"event{n}_posts"] = event.posts
        numbers[f"event{n}_negative_share"] = round(event.negative_share, 4)
        numbers[f"event{n}_sites"] = event.sites
        rows = session.execute(
            select(StoredPost.post_id, StoredPost.title, StoredPost.text, StoredPost.published_at)
            .join(EventPost, EventPost.post_pk == StoredPost.pk)
            .where(
                EventPost.event_id == event.id,
                StoredPost.published_at >= start,
                StoredPost.published_at < end,
            )
            .order_by(StoredPost.published_at, StoredPost.pk)
            .limit(POSTS_PER_EVENT)
        )
        for post_id, title, text, published_at in rows:
            ref = f"P{len(sources) + 1}"
            sources.append(Source(ref, post_id, f"{title}\n{text}" if title else text))
            days.add(published_at.astimezone(zone).date())
    return Grounds(figures=numbers, sources=sources, days=frozenset(days))


def draft_summary(
    session: Session, figures: Figures, llm: LLMSettings, client: ChatClient | None = None
) -> Draft:
    """The endpoint's proposal for the summary, checked against the store."""
    return propose_with(llm, task=TASK, grounds=report_grounds(session, figures), client=client)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
