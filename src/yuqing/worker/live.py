"""The live pipeline, assembled: monitoring with the analysis steps plugged in.

`monitor` knows nothing of `analysis` (contexts import each other only through their
services); this is where they meet. Every way in (ingest, poll, tips, the push API,
drills, the demo) builds its pipeline here, so there is one pipeline.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from yuqing.alerts.dispatcher import SendFn, dispatch_due
from yuqing.alerts.raising import GradeStep
from yuqing.analysis import facts
from yuqing.analysis import service as analysis_service
from yuqing.analysis.steps import ClassifyStep, ClusterStep
from yuqing.core.clock import Clock
from yuqing.core.settings import Settings
from yuqing.monitor.pipeline import AfterStore, Pipeline, Step
from yuqing.monitor.posts import Post
from yuqing.plan import service as plan_service
from yuqing.plan.schema import Plan


def build_pipeline(
    *, engine: Engine, clock: Clock, settings: Settings, send: SendFn | None = None
) -> Pipeline:
    """The one live pipeline over `engine`.

    With `send`, alerts a batch raises are delivered as soon as the batch is committed
    (the outbox rows exist first, so the worker retries whatever this misses).
    """
    classify = ClassifyStep()
    cluster = ClusterStep()
    active: list[tuple[Plan, int]] = []  # the plan in force, read again on every reload
    grade = GradeStep(lambda: active[0] if active else None)

    def follow_merges(session: Session) -> None:
        for keep, other in analysis_service.merged_pairs(session=session):
            cluster.merge(keep, other)

    def read_plan(session: Session) -> None:
        version = plan_service.get_active(session=session)
        active[:] = [(plan_service.parse(version), version.version)] if version else []

    def record_facts(conn: Connection, stored: list[tuple[Post, int]], *, now: datetime) -> None:
        facts.update_facts(conn, stored, now=now, summary=cluster.clusterer.summary)

    def deliver_new_alerts() -> None:
        if send is not None and grade.raised:
            grade.raised = 0
            dispatch_due(sessions=pipeline.sessions, clock=clock, send=send)

    pipeline = Pipeline(
        engine=engine,
        clock=clock,
        settings=settings,
        enrichers=[classify],
        steps=[Step(cluster.step_id, cluster)],
        after_store=[AfterStore("facts", record_facts), AfterStore(grade.step_id, grade)],
        stateful=[cluster],
        reload_hooks=[follow_merges, read_plan],
        after_commit=[deliver_new_alerts],
    )
    cluster.organizations = lambda: pipeline.organizations
    return pipeline
