"""Shapes the monitoring context hands out (CLI and API), separate from its tables."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SourceKind = Literal["rss", "web", "jsonapi", "file"]


class SourceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: SourceKind
    url: str = Field(min_length=1, max_length=4096)
    platform: str | None = None
    media_tier: str | None = None
    interval_s: int = Field(default=900, ge=30, le=7 * 24 * 3600)
    internal: bool = False
    keep_all: bool = False
    options: dict[str, Any] = Field(default_factory=dict)


class SourceUpdate(BaseModel):
    """Fields of a source that can change; None leaves a field as it is."""

    url: str | None = Field(default=None, min_length=1, max_length=4096)
    platform: str | None = None
    media_tier: str | None = None
    interval_s: int | None = Field(default=None, ge=30, le=7 * 24 * 3600)
    internal: bool | None = None
    keep_all: bool | None = None
    enabled: bool | None = None
    options: dict[str, Any] | None = None


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    kind: str
    url: str
    platform: str | None
    media_tier: str | None
    interval_s: int
    internal: bool
    keep_all: bool
    enabled: bool
    options: dict[str, Any]
    created_at: datetime
    next_poll_at: datetime | None
    last_poll_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    items_seen: int
    items_kept: int


@dataclass
class IngestSummary:
    """The last line of `yuqing ingest` (CONTRACTS); a plain dataclass: it counts per post."""

    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    copies: int = 0
    rejected: int = 0
    matched: int = 0
    stored: int = 0
    # Records of posts stored before (or earlier in the input) that updated them: higher
    # engagement counts, or another text (an edit). `duplicates` brought nothing new.
    updated: int = 0

    def add(self, other: IngestSummary) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def to_json(self) -> dict[str, int]:
        return asdict(self)


class PushRejection(BaseModel):
    """A record the push API refused: its line (JSON Lines) or item (array), 1-based."""

    line: int
    reason: str


class PushResult(BaseModel):
    """The answer of `POST /api/v1/posts`: the `yuqing ingest` summary and the rejections."""

    read: int
    accepted: int
    duplicates: int
    copies: int
    rejected: int
    matched: int
    stored: int
    updated: int = 0
    rejections: list[PushRejection]
    # Only the first rejections are listed; how many more there were.
    rejections_omitted: int = 0
