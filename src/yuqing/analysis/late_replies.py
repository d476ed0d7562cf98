"""Replies stored before their parent join the parent's event once it comes.

A comment can be stored (clustered by its text, often into an event of its own or a
wrong one) in a batch before the post it answers. When the parent arrives the live
clusterer hands over the ids of such replies (`OnlineClusterer.claim_replies`); here
their stored memberships move to the parent's event, and both events' facts are
recomputed from their members, in the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from yuqing.analysis.facts import rebuild
from yuqing.analysis.models import Event, EventPost
from yuqing.analysis.service import current
from yuqing.monitor.models import StoredPost
from yuqing.monitor.posts import Post
from yuqing.monitor.store import post_from_row


def adopt_replies(
    conn: Connection,
    *,
    partition: str,
    event_id: str,
    reply_ids: Sequence[str],
    now: datetime,
) -> list[Post]:
    """Move the stored replies `reply_ids` of `partition` into `event_id`; returns the
    posts moved (what the live clusterer moves too).

    A reply a person placed (a manual membership) stays where the person put it. An
    event the moves leave empty is marked merged into the parent's event, so its id
    keeps leading somewhere (alerts and links may name it).
    """
    session = Session(bind=conn)
    target = current(session=session, event_id=event_id)
    if target is None or not reply_ids:
        session.close()
        return []
    rows = session.execute(
        select(StoredPost, EventPost)
        .join(EventPost, EventPost.post_pk == StoredPost.pk)
        .join(Event, Event.id == EventPost.event_id)
        .where(
            Event.partition == partition,
            StoredPost.post_id.in_(list(reply_ids)),
            EventPost.event_id != target.id,
            EventPost.manual.is_(False),
        )
        .order_by(StoredPost.pk)
    ).all()
    if not rows:
        session.close()
        return []
    pks = [row.pk for row, _ in rows]
    already = set(
        session.scalars(
            select(EventPost.post_pk).where(
                EventPost.event_id == target.id, EventPost.post_pk.in_(pks)
            )
        )
    )
    left: dict[str, None] = {}
    moved: list[Post] = []
    for row, membership in rows:
        left[membership.event_id] = None
        session.delete(membership)
        if row.pk not in already:
            already.add(row.pk)
            session.add(EventPost(event_id=target.id, post_pk=row.pk, joined_at=now))
        row.annotations = _renamed(row.annotations, membership.event_id, target.id)
        moved.append(post_from_row(row))
    session.flush()
    rebuild(session, target, now=now)
    target.updated_at = now
    for old_id in left:
        old = session.get(Event, old_id)
        if old is None:
            continue
        rebuild(session, old, now=now)
        old.updated_at = now
        if old.posts == 0:
            old.merged_into = target.id
    session.flush()
    session.close()
    return moved


def _renamed(annotations: dict[str, object], old_id: str, new_id: str) -> dict[str, object]:
    """The post's annotations naming `new_id` where they named `old_id` (a new dict: the
    JSON column sees the change)."""
    out = dict(annotations)
    if out.get("event_id") == old_id:
        out["event_id"] = new_id
    ids = out.get("event_ids")
    if isinstance(ids, list):
        out["event_ids"] = [new_id if i == old_id else i for i in ids]
    return out
