"""Grade and alert: the pipeline step that proposes levels and raises alerts.

After the event facts of a batch are written, each event the batch touched is graded
against the active plan: those its new posts joined, and those whose posts were seen
again with higher engagement. When the facts meet a more severe level than proposed so
far, a proposal (with the criteria that fired and their numbers) is recorded for a person
to confirm, and an alert is raised with its deliveries: all in the batch's transaction,
so an alert exists exactly when its cause does. A lower level is never proposed on its
own: de-escalation is a person's decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from yuqing.alerts import service
from yuqing.alerts.channels.markup import bracketed
from yuqing.alerts.models import LevelDecision
from yuqing.alerts.plan_routes import route_for
from yuqing.analysis.facts import event_ids_of
from yuqing.analysis.heat import reach_of
from yuqing.analysis.models import Event, EventHour, EventPost, EventSite
from yuqing.core.clock import FrozenClock
from yuqing.core.i18n import LOCALES, _, use_locale
from yuqing.monitor.posts import Post
from yuqing.monitor.store import Grown
from yuqing.plan.deadlines import WorkCalendar, deadline
from yuqing.plan.grading import EventFacts, Proposal, domains_in, propose
from yuqing.plan.schema import Plan
from yuqing.plan.wording import reasons_text, tier_name

MAINSTREAM_TIERS = ("central", "provincial", "municipal")
ActivePlan = Callable[[], tuple[Plan, int] | None]  # the plan in force and its version


def _share(posts: int, negative: int) -> float | None:
    return negative / posts if posts else None


def _facts(
    event: Event, hours: dict[datetime, tuple[int, int]], now: datetime, mainstream: bool
) -> EventFacts:
    this_hour = now.replace(minute=0, second=0, microsecond=0)

    def window(start: int, width: int) -> tuple[int, int]:
        rows = [
            hours.get(this_hour - timedelta(hours=h), (0, 0)) for h in range(start, start + width)
        ]
        return sum(p for p, _n in rows), sum(n for _p, n in rows)

    recent, before = window(0, 6), window(6, 6)
    return EventFacts(
        posts=event.posts,
        sites=event.sites,
        top_tier=event.top_tier,
        posts_last_hour=window(0, 1)[0],
        posts_hour_before=window(1, 1)[0],
        negative_share=event.negative / event.posts if event.posts else 0.0,
        negative_share_recent=_share(*recent),
        negative_share_before=_share(*before),
        mainstream_media=mainstream,
        domains=frozenset(event.extra.get("domains", [])),
        reach=reach_of(
            reposts=event.reposts, comments=event.comments, likes=event.likes, views=event.views
        ),
    )


def _message(
    plan: Plan, event: Event, proposal: Proposal, now: datetime, tag: str = ""
) -> tuple[str, str]:
    level = proposal.level
    zone = ZoneInfo(plan.organization.timezone)
    first = event.first_at.astimezone(zone)
    lines = [
        _("Event: {title}").format(title=event.title[:120]),
        _("Proposed level: {level} (to be confirmed by someone entitled to decide)").format(
            level=level.name
        ),
        _("Grounds: {reasons}").format(reasons=reasons_text(proposal.reasons, plan)),
        _("First seen: {source}, {time}").format(
            source=event.first_source, time=f"{first:%m-%d %H:%M}"
        ),
        _("{posts} posts ({copies} copies) on {sites} sites, top media tier {tier}").format(
            posts=event.posts,
            copies=event.copies,
            sites=event.sites,
            tier=tier_name(event.top_tier),
        ),
    ]
    limits = plan.deadlines.get(level.id)
    if limits is not None and limits.report_within is not None:
        due = deadline(now, limits.report_within, WorkCalendar.for_plan(plan))
        local = due.astimezone(zone)
        lines.append(_("Report due by {time}").format(time=f"{local:%m-%d %H:%M}"))
    # The tag after the level: pages that show the level beside a title drop its bracket.
    return bracketed(level.name, tag + event.title[:60]), "\n".join(lines)


class GradeStep:
    """The `grade` step: proposals and alerts for the events of a stored batch."""

    step_id = "grade"

    def __init__(self, active_plan: ActivePlan, *, tag: str = "") -> None:
        self.active_plan = active_plan
        self.tag = tag  # before every alert's title: 【演练】 in a drill's sandbox
        self.raised = 0  # alerts raised since the owner last reset it (fast-path dispatch)
        self._raised_before = 0
        self._graded: set[str] = set()  # the events the batch's new posts joined

    # A batch's transaction: alerts of a batch that was not stored do not exist.
    def begin(self) -> None:
        self._raised_before = self.raised

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        self.raised = self._raised_before

    def __call__(self, conn: Connection, stored: list[tuple[Post, int]], *, now: datetime) -> None:
        """Grade the events the batch's new posts joined."""
        touched: dict[str, list[Post]] = defaultdict(list)
        for post, _pk in stored:
            for event_id in event_ids_of(post):
                touched[event_id].append(post)
        self._graded = set(touched)
        self._grade(conn, touched, now)

    def grown(self, conn: Connection, grown: Sequence[Grown], *, now: datetime) -> None:
        """Grade, in the same batch, the events whose posts were seen again with higher
        engagement (their facts grew just before, `facts.grow_engagement`). It runs right
        after `__call__` on the batch: the events its new posts joined are graded already.
        Posts in no event are skipped."""
        members = conn.execute(
            select(EventPost.event_id).where(EventPost.post_pk.in_([g.pk for g in grown]))
        ).scalars()
        self._grade(conn, {event_id: [] for event_id in set(members) - self._graded}, now)

    def standing(self, conn: Connection, event_ids: Sequence[str], *, now: datetime) -> None:
        """Grade these events again with no post: the thresholds in force changed
        (`alerts/regrading.py`). The same rules: only a more severe level raises."""
        self._grade(conn, {event_id: [] for event_id in event_ids}, now)

    def _grade(self, conn: Connection, touched: dict[str, list[Post]], now: datetime) -> None:
        """Grade these events; their new posts (if any) bring sensitive domains."""
        current = self.active_plan()
        if current is None or not touched:
            return
        plan, version = current
        session = Session(bind=conn)
        events = session.scalars(select(Event).where(Event.id.in_(list(touched)))).all()
        ids = [e.id for e in events]
        hours: dict[str, dict[datetime, tuple[int, int]]] = defaultdict(dict)
        for event_id, hour, posts, negative in session.execute(
            select(EventHour.event_id, EventHour.hour, EventHour.posts, EventHour.negative)
            .where(EventHour.event_id.in_(ids))
            .where(EventHour.hour >= now - timedelta(hours=13))
        ):
            hours[event_id][hour] = (posts, negative)
        mainstream = set(
            session.scalars(
                select(EventSite.event_id).where(
                    EventSite.event_id.in_(ids),
                    EventSite.platform == "news",
                    EventSite.tier.in_(MAINSTREAM_TIERS),
                )
            )
        )
        day = now.astimezone(ZoneInfo(plan.organization.timezone)).date()
        for event in events:
            if event.merged_into:
                continue
            domains = set(event.extra.get("domains", []))
            for post in touched[event.id]:
                domains |= domains_in(plan, post.folded)
            if domains != set(event.extra.get("domains", [])):
                event.extra = {**event.extra, "domains": sorted(domains)}
            facts = _facts(event, hours[event.id], now, event.id in mainstream)
            proposal = propose(plan, facts, day=day)
            if proposal is None:
                continue
            rank = event.extra.get("level_rank")
            if rank is not None and proposal.level.rank >= rank:
                continue  # not more severe: no new proposal, no new alert
            self._propose(session, plan, version, event, proposal, now)
        session.flush()
        session.close()

    def _propose(
        self,
        session: Session,
        plan: Plan,
        version: int,
        event: Event,
        proposal: Proposal,
        now: datetime,
    ) -> None:
        session.execute(
            update(LevelDecision)
            .where(LevelDecision.event_id == event.id, LevelDecision.status == "proposed")
            .values(status="superseded")
        )
        session.add(
            LevelDecision(
                event_id=event.id,
                plan_version=version,
                proposed_level=proposal.level.id,
                reasons=proposal.reasons,
                proposed_at=now,
                status="proposed",
            )
        )
        event.extra = {**event.extra, "level": proposal.level.id, "level_rank": proposal.level.rank}
        route = route_for(plan, proposal.level.id, now)
        if route is None:
            return
        title, text = _message(plan, event, proposal, now, self.tag)
        # In every language too: each recipient who is a user reads their own.
        texts = {}
        for language in LOCALES:
            with use_locale(language):
                texts[language] = _message(plan, event, proposal, now, self.tag)
        self.raised += 1
        service.raise_alert(
            session=session,
            clock=FrozenClock(now),  # the batch's one time
            event_id=event.id,
            level=proposal.level.id,
            level_rank=proposal.level.rank,
            title=title,
            text=text,
            route=route,
            texts=texts,
        )
