"""Polling sources through their connectors into the pipeline (`yuqing poll`, the worker).

Each source is polled on its own interval through the Clock. A failure is recorded on
the source (last error, consecutive failures) and pushes its next poll back
exponentially, capped at a day; it never stops other sources. The cursor is saved only
after the fetched posts were stored, so a crash between the two re-fetches rather than
loses items (the store's duplicate check makes re-fetching harmless).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from yuqing.core.errors import InvalidInput, SourceError
from yuqing.core.i18n import _, pgettext
from yuqing.db.engine import session_scope
from yuqing.monitor import service
from yuqing.monitor.connectors import get_connector
from yuqing.monitor.connectors.base import Cursor, SourceSpec
from yuqing.monitor.fetching import SafeClient
from yuqing.monitor.pipeline import Pipeline, SourceDefaults
from yuqing.monitor.readers import Record

MAX_BACKOFF = timedelta(days=1)


@dataclass
class PollResult:
    """One line of `yuqing poll` (CONTRACTS)."""

    source: str
    fetched: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    updated: int = 0  # records that updated posts stored before (`IngestSummary.updated`)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "fetched": self.fetched,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "updated": self.updated,
            "error": self.error,
        }


def backoff(interval_s: int, failures: int) -> timedelta:
    """Delay before the next try after `failures` failures in a row."""
    return min(timedelta(seconds=interval_s * 2 ** min(failures, 16)), MAX_BACKOFF)


def poll_source(*, pipeline: Pipeline, http: SafeClient, name: str) -> PollResult:
    """Fetch one source once, run what it yields through the pipeline, record its health."""
    clock, factory = pipeline.clock, pipeline.sessions
    with session_scope(factory) as session:
        row = service.get_source_or_raise(session=session, name=name)
        spec = SourceSpec(
            name=row.name,
            kind=row.kind,  # type: ignore[arg-type]
            url=row.url,
            platform=row.platform,
            media_tier=row.media_tier,
            internal=row.internal,
            options=dict(row.options or {}),
        )
        cursor = Cursor.from_json(row.cursor)
        interval = row.interval_s
    result = PollResult(source=name)
    started = clock.now()
    try:
        fetched = get_connector(spec.kind).fetch(spec, cursor=cursor, http=http, now=started)
        result.fetched = len(fetched.items)
        result.warnings = list(fetched.warnings)
        records = [Record(line=i, obj=item) for i, item in enumerate(fetched.items, start=1)]
        rejects: list[str] = []
        summary = pipeline.run(
            records,
            defaults=SourceDefaults(
                source=name, platform=spec.platform, media_tier=spec.media_tier
            ),
            on_reject=lambda line, reason: rejects.append(
                _("item {n}: {reason}").format(n=line, reason=reason)
            ),
        )
        result.accepted, result.duplicates = summary.accepted, summary.duplicates
        result.rejected, result.updated = summary.rejected, summary.updated
        result.warnings.extend(rejects)
    except (SourceError, InvalidInput) as exc:
        result.error = exc.message
    with session_scope(factory) as session:
        row = service.get_source_or_raise(session=session, name=name)
        now = clock.now()
        row.last_poll_at = now
        if result.error is None:
            row.cursor = fetched.cursor.to_json()
            row.last_success_at = now
            row.consecutive_failures = 0
            row.next_poll_at = started + timedelta(seconds=interval)
            if result.warnings:
                row.last_error = pgettext("list separator", "; ").join(result.warnings)[:2000]
                row.last_error_at = now
            else:
                row.last_error = None
        else:
            row.consecutive_failures += 1
            row.last_error = result.error[:2000]
            row.last_error_at = now
            row.next_poll_at = now + backoff(interval, row.consecutive_failures - 1)
    return result


def poll_due(
    *, pipeline: Pipeline, http: SafeClient, names: Sequence[str] = (), force: bool = False
) -> list[PollResult]:
    """Poll the named sources (or all), only those due unless `force`."""
    with session_scope(pipeline.sessions) as session:
        if force:
            rows = service.get_all_sources(session=session)
        else:
            rows = service.due_sources(session=session, now=pipeline.clock.now())
        chosen = [r.name for r in rows if not names or r.name in names]
        for name in names:
            service.get_source_or_raise(session=session, name=name)
    return [poll_source(pipeline=pipeline, http=http, name=name) for name in chosen]
