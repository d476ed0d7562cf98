"""The live pipeline, assembled: monitoring with the analysis steps plugged in.

`monitor` knows nothing of `analysis` (contexts import each other only through their
services); this is where they meet. Every way in (ingest, poll, tips, the push API,
drills, the demo) builds its pipeline here, so there is one pipeline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from yuqing.alerts.dispatcher import SendFn, dispatch_due
from yuqing.alerts.raising import GradeStep
from yuqing.alerts.regrading import Regrade
from yuqing.analysis import facts
from yuqing.analysis import service as analysis_service
from yuqing.analysis.cluster_process import ClusterProcess, RemoteClusterStep
from yuqing.analysis.steps import ClassifyStep, ClusterStep, EventWordsStep, selection_words
from yuqing.core.clock import Clock
from yuqing.core.settings import Settings
from yuqing.drills import DRILL_TAG
from yuqing.monitor.pipeline import AfterStore, Pipeline, Step
from yuqing.monitor.posts import Post
from yuqing.monitor.schemas import IngestSummary
from yuqing.plan import service as plan_service
from yuqing.plan.schema import Plan


class LivePipeline(Pipeline):
    """The pipeline, safe to share between threads: one caller at a time.

    `yuqing serve` runs one pipeline for the worker loop and the push API (two clusterers
    would disagree on events and overwrite each other's checkpoint); its steps are not
    thread-safe, so running, reloading and checkpointing take the same lock. Fetching
    happens outside it: a slow source does not hold a push back.
    """

    def __post_init__(self) -> None:
        self.lock = threading.RLock()  # re-entrant: `run` checkpoints while holding it
        super().__post_init__()

    # Signatures pass through: they stay Pipeline's, whatever it takes.
    def run(self, *args: Any, **kwargs: Any) -> IngestSummary:
        with self.lock:
            return super().run(*args, **kwargs)

    def run_jsonl(self, *args: Any, **kwargs: Any) -> IngestSummary:
        with self.lock:
            return super().run_jsonl(*args, **kwargs)

    def reload(self) -> None:
        with self.lock:
            super().reload()

    def checkpoint(self, *, force: bool = False) -> None:
        with self.lock:
            super().checkpoint(force=force)


def build_pipeline(
    *,
    engine: Engine,
    clock: Clock,
    settings: Settings,
    send: SendFn | None = None,
    defer_state: bool = False,
    cluster_process: ClusterProcess | None = None,
) -> Pipeline:
    """The one live pipeline over `engine`.

    With `send`, alerts a batch raises are delivered as soon as the batch is committed
    (the outbox rows exist first, so the worker retries whatever this misses). With
    `defer_state`, the steps' state is restored just before the first batch
    (`Pipeline.defer_state`). With `cluster_process`, the events are clustered in that
    process, batch N+1 while batch N is stored (`analysis/cluster_process.py`).
    """
    classify = ClassifyStep(settings.llm)
    cluster = ClusterStep() if cluster_process is None else RemoteClusterStep(cluster_process)
    active: list[tuple[Plan, int]] = []  # the plan in force, read again on every reload
    grade = GradeStep(
        lambda: active[0] if active else None, tag=DRILL_TAG if settings.drill else ""
    )

    def follow_merges(session: Session) -> None:
        for keep, other in analysis_service.merged_pairs(session=session):
            if (keep, other) not in cluster.merges_seen:
                cluster.merge(keep, other)
                cluster.merges_seen.add((keep, other))

    def follow_splits(session: Session) -> None:
        # Only splits not followed yet: each reload reads the new rows, not all of them.
        for decision in analysis_service.get_splits(session=session, after=cluster.splits_seen):
            posts = analysis_service.split_posts(session=session, decision=decision)
            if posts:
                cluster.split(
                    decision.event_id,
                    posts,
                    new_id=decision.new_event_id,
                    partition=decision.partition,
                )
            cluster.splits_seen = decision.id

    def read_plan(session: Session) -> None:
        version = plan_service.get_active(session=session)
        active[:] = [(plan_service.parse(version), version.version)] if version else []

    def record_facts(conn: Connection, stored: list[tuple[Post, int]], *, now: datetime) -> None:
        facts.update_facts(conn, stored, now=now, summary=cluster.summary,
                           departments=pipeline.departments)  # fmt: skip

    def deliver_new_alerts() -> None:
        if send is not None and grade.raised:
            grade.raised = 0
            dispatch_due(sessions=pipeline.sessions, clock=clock, send=send)

    regrade = Regrade(grade, engine=engine, clock=clock, after=deliver_new_alerts)
    pipeline = LivePipeline(
        engine=engine,
        clock=clock,
        settings=settings,
        enrichers=[classify, EventWordsStep()],
        steps=[Step(cluster.step_id, cluster)],
        after_store=[
            # Posts seen again with higher counts: their events grow, before the grading.
            AfterStore("facts", record_facts, grown=facts.grow_engagement),
            # After the facts (both events exist), before the late replies (their
            # parents' events are then the kept ones): the clusterer's automatic merges.
            AfterStore("auto-merges", cluster.follow_merges),
            # After the facts: the parents' events exist before their late replies move in.
            AfterStore("late-replies", cluster.adopt_late_replies),
            # The events the batch's new posts joined, then those that grew (after the
            # facts': an event that goes viral is graded at once, not with its next post).
            AfterStore(grade.step_id, grade, grown=grade.grown),
        ],
        stateful=[cluster],
        transactional=[cluster, grade],
        reload_hooks=[follow_merges, follow_splits, read_plan],
        # Standing events graded again when the plan version or today's key dates change
        # the thresholds (`alerts/regrading.py`), in transactions of their own.
        after_reload=[regrade],
        after_commit=[deliver_new_alerts],
        defer_state=defer_state,
    )
    cluster.organizations = lambda: pipeline.organizations
    cluster.selection_words = _selection_words_of(pipeline)
    return pipeline


def _selection_words_of(pipeline: Pipeline) -> Callable[[], dict[str, frozenset[str]]]:
    """Watch name → the clustering words of its terms, worked out again only when the
    watches the pipeline read change (every reload reads them)."""
    memo: list[tuple[dict[str, list[str]], dict[str, frozenset[str]]]] = []

    def current() -> dict[str, frozenset[str]]:
        terms = pipeline.selection_terms
        if not memo or memo[0][0] != terms:  # each reload reads them anew, mostly the same
            memo[:] = [(terms, {w: selection_words(t) for w, t in terms.items() if t})]
        return memo[0][1]

    return current
