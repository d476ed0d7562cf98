"""Standing events graded again when the thresholds in force change, with no post.

`GradeStep` grades an event when posts join it or grow. Two moments change what the
plan asks without any post: a person activates another plan version, and a key date
begins (its thresholds apply from local midnight, `plan/keydates.py`). The thresholds in
force are summed up as a fingerprint: the active plan version and each graded level's
key-date factor on today's local date. After each reload (`Pipeline.reload`, every ~30 s
in the worker, once the reload's transaction is over) the fingerprint is compared with
the one the standing events were last graded against; when it differs, they are graded
again by the same rules (only a level more severe than proposed so far raises a proposal
and an alert), a chunk a transaction, so an alert exists exactly when its cause does.

The fingerprint graded against is stored (a checkpoint row), so a key date that began or
a plan activated while no worker ran is noticed at the first reload after the start. It
is compared at reloads only, never when a pipeline is built: a command that builds one
only to ingest a file, or to check one, raises no alert of events it did not touch. With
nothing stored (the first reload ever, or an unreadable row) the standing events are
graded once: the dedup of proposals and alerts (only a level more severe than proposed
so far raises anything) keeps what was raised before from being raised again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from yuqing.alerts.raising import GradeStep
from yuqing.analysis.models import Event
from yuqing.core.clock import Clock
from yuqing.db import checkpoints
from yuqing.plan.keydates import threshold_factor
from yuqing.plan.schema import Plan

# Events with a post in this window are "standing". Older ones are left to their next
# post: the hourly facts (posts in the last hour, growth, recent negative share) read 13
# hours only, and a story silent for three days is news to nobody; three days still
# reach back over a weekend to Friday's events when a key date begins on Monday.
STANDING = timedelta(hours=72)
CHUNK = 200  # events graded in one transaction
CHECKPOINT_ID = "grade-thresholds"

Fingerprint = tuple[int, tuple[tuple[str, float], ...]]  # version, (level, factor) pairs


def fingerprint(plan: Plan, version: int, now: datetime) -> Fingerprint:
    """The thresholds in force at `now`: the plan version and each graded level's
    key-date factor on the local date in the plan's timezone."""
    day = now.astimezone(ZoneInfo(plan.organization.timezone)).date()
    return version, tuple(
        (level, threshold_factor(plan, level, day)) for level in sorted(plan.grading)
    )


def _decode(data: bytes | None) -> Fingerprint | None:
    """A stored fingerprint; None when absent or unreadable (then all are graded once)."""
    if data is None:
        return None
    try:
        obj = json.loads(data)
        return int(obj["version"]), tuple((str(k), float(v)) for k, v in obj["factors"])
    except (ValueError, TypeError, KeyError):
        return None


def _encode(value: Fingerprint) -> bytes:
    version, factors = value
    return json.dumps({"version": version, "factors": [list(p) for p in factors]}).encode()


class Regrade:
    """Called after each reload (`Pipeline.after_reload`, the plan just read): grades the
    standing events again when the thresholds in force changed."""

    def __init__(
        self, grade: GradeStep, *, engine: Engine, clock: Clock, after: Callable[[], None]
    ) -> None:
        self.grade = grade
        self.engine = engine
        self.clock = clock
        self.after = after  # delivers the alerts raised (as after a batch)
        self.graded_against: Fingerprint | None = None
        self._read = False  # the stored fingerprint was read (at the first reload)

    def __call__(self) -> None:
        current = self.grade.active_plan()
        now = self.clock.now()
        wanted = None if current is None else fingerprint(*current, now)
        if not self._read:  # the first reload: what was graded against before a restart
            self._read = True
            with Session(self.engine) as session:
                stored = checkpoints.load(session=session, step_id=CHECKPOINT_ID)
            self.graded_against = _decode(stored)
        if wanted is None or wanted == self.graded_against:
            return
        self._regrade(wanted, now)
        self.after()

    def _regrade(self, wanted: Fingerprint, now: datetime) -> None:
        with Session(self.engine) as session:
            ids = session.scalars(
                select(Event.id)
                .where(Event.merged_into.is_(None), Event.last_at >= now - STANDING)
                .order_by(Event.last_at.desc(), Event.id)
            ).all()
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)] or [[]]
        for n, chunk in enumerate(chunks, 1):
            self.grade.begin()
            try:
                with self.engine.begin() as conn:
                    self.grade.standing(conn, chunk, now=now)
                    if n == len(chunks):  # graded against it once the last chunk is stored
                        self._save(conn, wanted, now)
            except BaseException:
                self.grade.rollback()
                raise
            self.grade.commit()
        self.graded_against = wanted

    @staticmethod
    def _save(conn: Connection, wanted: Fingerprint, now: datetime) -> None:
        with Session(bind=conn) as session:
            checkpoints.save(session=session, step_id=CHECKPOINT_ID, data=_encode(wanted), at=now)
            session.flush()
