"""How each fake vendor judges a request: credentials, signature, body, then the answer.

Each function returns `(HTTP status, JSON answer, extra headers)` the way the vendor
would. Codes and messages follow the vendor docs cited in `yuqing.alerts.channels`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.robots import Fail, FakeRobots

Answer = tuple[int, dict[str, Any], dict[str, str]]
HOUR = 3600
WEBHOOK_TOLERANCE = 300  # seconds a webhook signature stays valid (replay window)
SMS_MAX_UNITS = 201  # three 67-character parts


def _fail(mode: Fail | None, name: str) -> bool:
    return mode is not None and mode.value == name


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _b64_hmac(key: bytes, msg: bytes) -> str:
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode("ascii")


def is_success(vendor: str, status: int, answer: dict[str, Any]) -> bool:
    if status != 200 or answer.get("duplicate"):
        return False
    if vendor in {"wecom", "dingtalk"}:
        return answer.get("errcode") == 0
    if vendor == "feishu":
        return answer.get("code") == 0
    return True


def wecom(robots: FakeRobots, path: str, query: dict[str, str], headers: dict[str, str],
          body: bytes, failure: Fail | None) -> Answer:  # fmt: skip
    if query.get("key") != robots.wecom_key or _fail(failure, "bad_credentials"):
        return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, {}
    if _fail(failure, "rate_limit"):
        return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {}
    data = _json(body)
    if not isinstance(data, dict) or data.get("msgtype") != "markdown":
        return 200, {"errcode": 40008, "errmsg": "invalid message type"}, {}
    content = data.get("markdown", {}).get("content")
    if not isinstance(content, str) or not content:
        return 200, {"errcode": 41009, "errmsg": "missing markdown.content"}, {}
    if len(content.encode("utf-8")) > 4096:
        return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, {}
    return 200, {"errcode": 0, "errmsg": "ok"}, {}


def dingtalk(robots: FakeRobots, path: str, query: dict[str, str], headers: dict[str, str],
             body: bytes, failure: Fail | None) -> Answer:  # fmt: skip
    if query.get("access_token") != robots.dingtalk_token:
        return 200, {"errcode": 300001, "errmsg": "token is not exist"}, {}
    # 加签: parse_qsl has URL-decoded `sign` once, as DingTalk's server does.
    timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
    now_ms = int(robots.clock.now().timestamp() * 1000)
    secret = robots.dingtalk_secret.encode("utf-8")
    expected = _b64_hmac(secret, f"{timestamp}\n{robots.dingtalk_secret}".encode())
    fresh = timestamp.isdigit() and abs(now_ms - int(timestamp)) <= HOUR * 1000
    if not fresh or not hmac.compare_digest(sign, expected) or _fail(failure, "bad_credentials"):
        return 200, {"errcode": 310000, "errmsg": "sign not match"}, {}
    if _fail(failure, "rate_limit"):
        return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, {}
    data = _json(body)
    markdown = data.get("markdown") if isinstance(data, dict) else None
    if data is None or data.get("msgtype") != "markdown" or not isinstance(markdown, dict):
        return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}, {}
    if not markdown.get("title") or not markdown.get("text"):
        return 200, {"errcode": 40035, "errmsg": "缺少参数 markdown.title/text"}, {}
    return 200, {"errcode": 0, "errmsg": "ok"}, {}


def feishu(robots: FakeRobots, path: str, query: dict[str, str], headers: dict[str, str],
           body: bytes, failure: Fail | None) -> Answer:  # fmt: skip
    if path.rsplit("/", 1)[-1] != robots.feishu_hook:
        return (
            200,
            {
                "code": 19001,
                "msg": "param invalid: incoming webhook access token invalid",
                "data": {},
            },
            {},
        )
    data = _json(body)
    if not isinstance(data, dict):
        return 400, {"code": 9499, "msg": "Bad Request", "data": {}}, {}
    # 签名校验: the key is "timestamp\nsecret" and the message is empty.
    timestamp, sign = str(data.get("timestamp", "")), str(data.get("sign", ""))
    now = int(robots.clock.now().timestamp())
    key = f"{timestamp}\n{robots.feishu_secret}".encode()
    fresh = timestamp.isdigit() and abs(now - int(timestamp)) <= HOUR
    if (
        not fresh
        or not hmac.compare_digest(sign, _b64_hmac(key, b""))
        or _fail(failure, "bad_credentials")
    ):
        msg = "sign match fail or timestamp is not within one hour from current time"
        return 200, {"code": 19021, "msg": msg, "data": {}}, {}
    if _fail(failure, "rate_limit"):
        return 200, {"code": 11232, "msg": "frequency limited", "data": {}}, {}
    kind = data.get("msg_type")
    ok = (kind == "text" and isinstance(data.get("content", {}).get("text"), str)) or (
        kind == "interactive" and isinstance(data.get("card"), dict)
    )
    if not ok or len(body) > 20 * 1024:
        return 400, {"code": 9499, "msg": "Bad Request", "data": {}}, {}
    return 200, {"code": 0, "msg": "success", "data": {}}, {}


def webhook(robots: FakeRobots, path: str, query: dict[str, str], headers: dict[str, str],
            body: bytes, failure: Fail | None) -> Answer:  # fmt: skip
    timestamp = headers.get("x-yuqing-timestamp", "")
    signed = f"{timestamp}.".encode() + body
    expected = (
        "sha256=" + hmac.new(robots.webhook_secret.encode(), signed, hashlib.sha256).hexdigest()
    )
    now = int(robots.clock.now().timestamp())
    fresh = timestamp.isdigit() and abs(now - int(timestamp)) <= WEBHOOK_TOLERANCE
    given = headers.get("x-yuqing-signature", "")
    if not fresh or not hmac.compare_digest(given, expected) or _fail(failure, "bad_credentials"):
        return 401, {"error": "bad signature"}, {}
    if _fail(failure, "rate_limit"):
        return 429, {"error": "slow down"}, {"Retry-After": "30"}
    data = _json(body)
    if not isinstance(data, dict) or data.get("schema") != "yuqing.alert/1":
        return 400, {"error": "unknown schema"}, {}
    return _deduped(robots.webhook, headers, prefix="wh")


def sms(robots: FakeRobots, path: str, query: dict[str, str], headers: dict[str, str],
        body: bytes, failure: Fail | None) -> Answer:  # fmt: skip
    if headers.get("authorization") != f"Bearer {robots.sms_api_key}" or _fail(
        failure, "bad_credentials"
    ):
        return 401, {"error": "invalid api key"}, {}
    if _fail(failure, "rate_limit"):
        return 429, {"error": "rate limited"}, {"Retry-After": "60"}
    data = _json(body)
    if not isinstance(data, dict) or not re.fullmatch(r"\+861[3-9]\d{9}", str(data.get("to"))):
        return 400, {"error": "invalid phone number"}, {}
    text = data.get("text")
    if not isinstance(text, str) or not text or len(text.encode("utf-16-le")) // 2 > SMS_MAX_UNITS:
        return 400, {"error": "text empty or longer than three parts"}, {}
    if not headers.get("idempotency-key"):
        return 400, {"error": "Idempotency-Key required"}, {}
    return _deduped(robots.sms, headers, prefix="sms")


def _deduped(vendor: Any, headers: dict[str, str], *, prefix: str) -> Answer:
    """Answer a repeated key with the first id, as idempotent APIs do."""
    key = headers.get("idempotency-key", "")
    with vendor._lock:
        if key and key in vendor.seen_keys:
            return 200, {"id": vendor.seen_keys[key], "duplicate": True}, {}
        message_id = f"{prefix}-{len(vendor.seen_keys) + 1}"
        if key:
            vendor.seen_keys[key] = message_id
    return 200, {"id": message_id}, {}
