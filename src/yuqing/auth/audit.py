"""The audit trail: every decision appended with who, when, what, before and after.

Each entry carries the hash of the one before it (SHA-256 over canonical JSON: sorted
keys, no spaces, UTF-8), and a gapless `seq` handed out under the lock of the one
`audit_head` row, which also names the last entry. `verify` walks the chain and names the
first entry that was changed or deleted:

```python
record(session=session, clock=clock, actor="admin", action="user.disabled",
       target="user:li", before={"disabled": False}, after={"disabled": True})
```

Other contexts call `yuqing.auth.service.record` in the same transaction as the change it
records, so a decision and its entry commit together or not at all. A hash chain shows
edits made without rewriting every later hash; it cannot stop someone who rewrites the
whole chain and its head (copy the head elsewhere for that: `yuqing audit verify` prints it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.auth.models import AuditEntry, AuditHead
from yuqing.core.clock import Clock
from yuqing.core.i18n import _

GENESIS = "0" * 64  # the hash the first entry follows (as migration 0006 writes it)
HEAD_ID = 1


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text as is."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    """The SHA-256 of an entry's content and its predecessor's hash."""
    content = {
        "seq": seq,
        "at": at.isoformat(),
        "actor": actor,
        "action": action,
        "target": target,
        "before": before,
        "after": after,
        "prev": prev_hash,
    }
    return hashlib.sha256(canonical(content)).hexdigest()


def _json_safe(value: Any) -> Any:
    """`value` as it reads back from a JSON column (so its hash verifies later)."""
    return json.loads(canonical(value)) if value is not None else None


def _locked_head(session: Session) -> AuditHead:
    # FOR UPDATE serializes appends on PostgreSQL; SQLite's writers are serialized
    # already (BEGIN IMMEDIATE, db/engine.py) and ignore the clause.
    head = session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:  # a store emptied by hand (or TRUNCATE in tests): start the chain again
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def record(
    *,
    session: Session,
    clock: Clock,
    actor: str,
    action: str,
    target: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append one entry (flushed; the caller's commit makes it permanent with its cause).

    `actor` names who decided (a user's name, `system`, `service`); `action` is a dotted
    verb (`user.created`, `login.failed`); `target` what it was done to (`user:li`);
    `before` and `after` are JSON values (None when there is no such side).
    """
    head = _locked_head(session)
    before, after = _json_safe(before), _json_safe(after)
    at = clock.now()
    seq = head.seq + 1
    digest = entry_hash(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        target=target,
        before=before,
        after=after,
        prev_hash=head.hash,
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor[:200],
        action=action[:100],
        target=target,
        before=before,
        after=after,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    return entry


@dataclass(frozen=True)
class Verified:
    """What `verify` found: entries checked and the head's hash; `problem` when broken."""

    entries: int
    head_hash: str
    problem: str | None = None


def _entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows  # a batch at a time: the session's identity map holds them weakly
        last = rows[-1].seq


def verify(*, session: Session) -> Verified:
    """Walk the chain from the first entry; the first broken link is named."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID))
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    expected_seq, prev = 1, GENESIS
    count = 0
    for entry in _entries(session):
        if entry.seq != expected_seq:
            return Verified(count, head_hash, _missing(expected_seq, entry.seq))
        recomputed = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            before=entry.before,
            after=entry.after,
            prev_hash=entry.prev_hash,
        )
        if entry.prev_hash != prev or recomputed != entry.hash:
            return Verified(
                count,
                head_hash,
                _("audit entry {seq} ({action}, {at}) was changed: its hash does not match").format(
                    seq=entry.seq, action=entry.action, at=entry.at.isoformat()
                ),
            )
        prev, expected_seq, count = entry.hash, entry.seq + 1, count + 1
    if head_seq >= expected_seq:
        return Verified(count, head_hash, _missing(expected_seq, head_seq + 1))
    if head_seq != count or head_hash != prev:
        return Verified(
            count,
            head_hash,
            _("the audit trail's head does not match its last entry {seq}").format(seq=count),
        )
    return Verified(count, head_hash)


def _missing(first: int, found: int) -> str:
    if found - first == 1:
        return _("audit entry {seq} was deleted").format(seq=first)
    return _("audit entries {first} to {last} were deleted").format(first=first, last=found - 1)


def get_all(
    *, session: Session, before_seq: int | None = None, limit: int = 100
) -> list[AuditEntry]:
    """Entries newest first, `limit` at a time (`before_seq` pages back)."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    return list(session.scalars(query).all())
