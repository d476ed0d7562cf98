"""People's sentiment corrections, from the store to the next model build.

The live feed stores each correction as a `sentiment_corrections` row (monitor/feed.py).
A build reads JSON Lines `{"text", "label", "post_id", "by", "at"}` (only `text` and
`label` matter there): `yuqing model corrections -o FILE` writes them from a store, and
`yuqing model train --from-store` does the same on the way into training. The file is
the hand-off between a running install and a build machine, reviewable and editable
before a rebuild.

When a post was corrected more than once, the latest correction is the one that counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.analysis.models import SentimentCorrection
from yuqing.monitor.models import StoredPost


def latest_corrections(session: Session) -> Iterator[dict[str, Any]]:
    """One line per corrected post, its latest label, oldest post first."""
    rows = session.execute(
        select(SentimentCorrection, StoredPost.post_id)
        .join(StoredPost, StoredPost.pk == SentimentCorrection.post_pk)
        .order_by(SentimentCorrection.post_pk, SentimentCorrection.id.desc())
    )
    last_pk: int | None = None
    for correction, post_id in rows:
        if correction.post_pk == last_pk:
            continue  # an earlier correction of the same post: the latest one counts
        last_pk = correction.post_pk
        yield {
            "text": correction.text,
            "label": correction.label,
            "post_id": post_id,
            "by": correction.corrected_by,
            "at": correction.corrected_at.isoformat(),
        }


def write_corrections(session: Session, path: Path) -> int:
    """Write the store's corrections to `path` as JSON Lines; how many were written.

    Written next to `path` and renamed over it, so a failed export leaves no half file."""
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for line in latest_corrections(session):
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)
    return count
