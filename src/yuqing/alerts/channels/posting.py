"""One JSON POST with failures sorted into retryable and not (shared by HTTP channels)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from yuqing.alerts.channels.base import Delivery, Target
from yuqing.alerts.channels.errors import ChannelRejected, ChannelUnavailable, fail

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# 408 and 425 say "too early / too slow, try again"; 429 is a rate limit (RFC 9110, 6585).
RETRYABLE_4XX = frozenset({408, 425, 429})


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since 1970 for an aware time (no float rounding)."""
    return (moment - EPOCH) // timedelta(seconds=1)


def epoch_millis(moment: datetime) -> int:
    """Whole milliseconds since 1970 for an aware time (no float rounding)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def json_bytes(body: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON: Chinese stays readable and the signed bytes are the sent bytes."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "")
    return float(raw) if raw.strip().isdigit() else None


def post_json(
    http: httpx.Client,
    url: str,
    *,
    channel: str,
    target: Target,
    content: bytes,
    idempotency_key: str,
    timeout: float | None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST `content`; raise `ChannelUnavailable`/`ChannelRejected` unless it is a 2xx."""
    sent_headers = {
        "Content-Type": "application/json; charset=utf-8",
        # Robots ignore it; receivers that dedupe (webhooks, SMS gateways) use it.
        "Idempotency-Key": idempotency_key,
        **(headers or {}),
    }
    try:
        if timeout is None:
            response = http.post(url, content=content, headers=sent_headers)
        else:
            response = http.post(url, content=content, headers=sent_headers, timeout=timeout)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        fail(ChannelRejected, f"bad URL: {exc}", channel=channel, target=target)
    except httpx.TimeoutException as exc:
        fail(
            ChannelUnavailable, f"timed out ({type(exc).__name__})", channel=channel, target=target
        )
    except httpx.TransportError as exc:
        reason = f"cannot connect: {exc}" if isinstance(exc, httpx.ConnectError) else str(exc)
        fail(ChannelUnavailable, reason or type(exc).__name__, channel=channel, target=target)
    status = response.status_code
    if 200 <= status < 300:
        return response
    body = response.text[:200]
    if status >= 500 or status in RETRYABLE_4XX:
        fail(
            ChannelUnavailable,
            f"HTTP {status} {body}",
            channel=channel,
            target=target,
            code=status,
            retry_after=_retry_after(response),
        )
    fail(ChannelRejected, f"HTTP {status} {body}", channel=channel, target=target, code=status)


def vendor_json(response: httpx.Response, *, channel: str, target: Target) -> dict[str, Any]:
    """The JSON object a robot answered; anything else is treated as a passing glitch."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        # A proxy or gateway page, not the vendor: retry rather than lose the alert.
        fail(ChannelUnavailable, "answer is not a JSON object", channel=channel, target=target)
    return data


def errcode_result(
    response: httpx.Response, *, channel: str, target: Target, retryable: frozenset[int]
) -> Delivery:
    """The outcome of a robot that answers `{"errcode": 0, "errmsg": "ok"}` (WeCom, DingTalk)."""
    data = vendor_json(response, channel=channel, target=target)
    code = data.get("errcode")
    if code == 0:
        return Delivery(ok=True, provider_id=None, detail="errcode 0 ok", code="0")
    error = ChannelUnavailable if code in retryable else ChannelRejected
    fail(
        error,
        f"errcode {code}: {data.get('errmsg', '')}",
        channel=channel,
        target=target,
        code=str(code),
    )
