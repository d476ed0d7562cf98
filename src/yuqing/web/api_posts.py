"""The push API: `POST /api/v1/posts` takes posts as a JSON array or JSON Lines (CONTRACTS).

Pushed posts run through the same live pipeline as `yuqing ingest` and polled sources: in
`yuqing serve` the worker's own pipeline (one clusterer, one checkpoint), else one built
on the first push. The pipeline is not thread-safe: pushes take it one at a time, and the
live pipeline also locks out the worker loop while a push runs.

The answer is the `yuqing ingest` summary plus the refused records as `{line, reason}`.
A body over `YUQING_MAX_PUSH_BYTES` (16 MiB) is refused with 413 before it is read whole;
a JSON array that does not parse with 400; a JSON Lines line that does not parse is one
rejection, and the other lines are still taken (CONTRACTS "Post"). A body declared in
another charset than UTF-8 (`charset=gbk`) is decoded after the cap counted its bytes as
sent (`web/charsets.py`).
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from yuqing.auth.schemas import Role
from yuqing.core.clock import Clock
from yuqing.core.i18n import N_, _
from yuqing.core.settings import Settings
from yuqing.monitor.pipeline import Pipeline, SourceDefaults
from yuqing.monitor.readers import Record, exact_json, split_json_array, too_deep
from yuqing.monitor.schemas import PushRejection, PushResult
from yuqing.web.charsets import WIDE, BodyRefused, declared_charset, line_records, to_utf8
from yuqing.web.deps import require_role
from yuqing.web.errors import AUTH_RESPONSES
from yuqing.web.params import PlainStr
from yuqing.worker.scheduler import RELOAD_EVERY

PATH = "/api/v1/posts"  # the route below: web/charsets.py leaves its body to it
RELOAD_S = RELOAD_EVERY.total_seconds()  # as the worker loop: edits apply this soon
LISTED_REJECTIONS = 1000  # the answer lists this many; the count covers them all
ARRAY_TYPES = frozenset({"application/json"})
LINES_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/jsonlines",
        "application/x-jsonlines",
        "application/json-lines",
    }
)
Kind = Literal["array", "lines", "sniff"]

# Scripts push with a service token (YUQING_API_TOKENS, acting as admin) or a user's token.
PUSHERS: tuple[Role, ...] = ("admin", "office", "monitor")
router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(require_role(*PUSHERS))], responses=AUTH_RESPONSES
)


class PushIntake:
    """The pipeline pushed posts run through, taken by one push at a time."""

    def __init__(
        self,
        *,
        build: Callable[[], Pipeline],
        pipeline: Pipeline | None,
        max_bytes: int,
        clock: Clock,
    ) -> None:
        self._build = build
        self._pipeline = pipeline
        # A pipeline of our own has no worker loop to reload it: reload before a push
        # when watches, sources, the plan and people's decisions may have changed.
        self._owned = pipeline is None
        self._reloaded = 0.0
        self._clock = clock
        self._lock = threading.Lock()
        self.max_bytes = max_bytes

    def _pipeline_now(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = self._build()
            self._reloaded = self._clock.monotonic()
        elif self._owned and self._clock.monotonic() - self._reloaded >= RELOAD_S:
            self._pipeline.reload()
            self._reloaded = self._clock.monotonic()
        return self._pipeline

    def run(
        self, body: bytes, *, kind: Kind, source: str, charset: str | None = None
    ) -> PushResult:
        """Parse `body` (in `charset`, None for UTF-8) and run its posts through the
        pipeline (blocking: a worker thread)."""
        try:
            if charset in WIDE:  # its first byte is no `[`: UTF-8 before the sniffing
                body, charset = to_utf8(body, charset), None
            if kind == "sniff":
                kind = "array" if body.lstrip()[:1] == b"[" else "lines"
            if charset is None:
                records = _array_records(body) if kind == "array" else None
            elif kind == "array":
                records = _array_records(to_utf8(body, charset))
            else:
                records = line_records(body, charset)
        except BodyRefused as refused:
            raise HTTPException(refused.status, refused.detail) from None
        rejections: list[PushRejection] = []
        omitted = 0

        def on_reject(line: int, reason: str) -> None:
            nonlocal omitted
            if len(rejections) < LISTED_REJECTIONS:
                rejections.append(PushRejection(line=line, reason=reason))
            else:
                omitted += 1

        defaults = SourceDefaults(source=source)
        with self._lock:
            pipeline = self._pipeline_now()
            if records is not None:
                summary = pipeline.run(records, defaults=defaults, on_reject=on_reject)
            else:
                summary = pipeline.run_jsonl(
                    io.BytesIO(body), defaults=defaults, on_reject=on_reject
                )
        return PushResult(**summary.to_json(), rejections=rejections, rejections_omitted=omitted)


def _array_records(body: bytes) -> list[Record]:
    """The items of a JSON array (a single object counts as an array of one)."""
    try:
        data: Any = exact_json(body)
    except orjson.JSONDecodeError:
        try:
            data = _loads_standard(body)
        except HTTPException as refusal:
            # One bad item (a typo, nesting too deep) costs that item, not the request;
            # a body that is not UTF-8 is still refused whole.
            items = _items_one_by_one(body)
            if items is None:
                raise refusal from None
            return items
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise HTTPException(
            400,
            _("the body must be a JSON array of posts, not {type}").format(type=_json_type(data)),
        )
    return [Record(number, obj=item) for number, item in enumerate(data, start=1)]


def _items_one_by_one(body: bytes) -> list[Record] | None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return split_json_array(body.lstrip(b"\xef\xbb\xbf \t\r\n"))


def _loads_standard(body: bytes) -> Any:
    # What orjson refuses (a BOM, NaN, lone surrogates) takes the standard path, which
    # also words the error.
    try:
        return json.loads(body.decode("utf-8").removeprefix("\ufeff"), strict=False)
    except UnicodeDecodeError as exc:
        raise HTTPException(
            400, _("the body is not UTF-8 (byte {n})").format(n=exc.start + 1)
        ) from None
    except RecursionError:
        raise HTTPException(400, too_deep()) from None
    except ValueError as exc:
        detail = (
            _("not valid JSON: {error} (JSON Lines? send Content-Type: application/x-ndjson)")
            if "Extra data" in str(exc)
            else _("not valid JSON: {error}")
        )
        raise HTTPException(400, detail.format(error=exc)) from None


_JSON_TYPES = {
    str: N_("a string"),
    bool: N_("a boolean"),
    int: N_("a number"),
    float: N_("a number"),
}


def _json_type(value: Any) -> str:
    name = N_("null") if value is None else _JSON_TYPES.get(type(value))
    return _(name) if name is not None else type(value).__name__


def _kind(content_type: str | None) -> Kind:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not media:
        return "sniff"
    if media in ARRAY_TYPES or media.endswith("+json"):
        return "array"
    if media in LINES_TYPES:
        return "lines"
    raise HTTPException(
        415,
        _(
            "unsupported content type {media!r}: send application/json (an array of posts) "
            "or application/x-ndjson (JSON Lines)"
        ).format(media=media),
    )


async def _read_capped(request: Request, cap: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `cap` bytes."""
    too_large = HTTPException(
        413,
        _("the body is larger than {limit} bytes (YUQING_MAX_PUSH_BYTES): send fewer posts").format(
            limit=cap
        ),
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:  # a chunked body announces no length: count as it comes
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Posts (docs/formats.md): a JSON array, or JSON Lines.",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


@router.post(PATH.removeprefix("/api/v1"), tags=["posts"], openapi_extra=_BODY_DOC)
async def create_posts(
    request: Request,
    source: Annotated[
        PlainStr, Query(max_length=256, description="Source name for posts that name none.")
    ] = "",
) -> PushResult:
    """Push posts through the live pipeline; counts accepted / duplicates / rejected."""
    intake: PushIntake = request.app.state.push
    content_type = request.headers.get("content-type")
    kind = _kind(content_type)
    try:
        charset = declared_charset(content_type)
    except BodyRefused as refused:
        raise HTTPException(refused.status, refused.detail) from None
    body = await _read_capped(request, intake.max_bytes)
    return await run_in_threadpool(intake.run, body, kind=kind, source=source, charset=charset)


def install(
    app: FastAPI,
    *,
    engine: Engine,
    clock: Clock,
    settings: Settings,
    pipeline: Pipeline | None = None,
) -> None:
    """Add the push API to `app`; posts go through `pipeline`, else one built on first use."""

    def build() -> Pipeline:
        from yuqing.worker.live import build_pipeline

        return build_pipeline(engine=engine, clock=clock, settings=settings)

    app.state.push = PushIntake(
        build=build, pipeline=pipeline, max_bytes=settings.max_push_bytes, clock=clock
    )
    app.include_router(router)
