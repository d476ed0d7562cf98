"""Fake WeCom, DingTalk and Feishu robots, a webhook receiver and an SMS gateway.

One threaded HTTP server on 127.0.0.1 answers each vendor's path the way the vendor
does: it checks credentials and signatures itself (written from the vendor docs, not by
calling our signing code, so a mistake there cannot cancel out), records every request,
and can be told to fail the next requests:

>>> robots = FakeRobots(clock)
>>> robots.dingtalk.fail_next(Fail.RATE_LIMIT)   # next answer: errcode 130101
>>> robots.feishu.fail_next(Fail.HANG)           # held until robots.close()
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes import vendors
from yuqing.core.clock import Clock


class Fail(StrEnum):
    SERVER_ERROR = "server_error"  # HTTP 500
    HANG = "hang"  # hold the request until the fake closes
    BAD_CREDENTIALS = "bad_credentials"  # the vendor's own credential/sign error
    RATE_LIMIT = "rate_limit"  # the vendor's own rate-limit answer


@dataclass(frozen=True)
class Received:
    """One request as the fake saw it, and what it answered."""

    vendor: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int
    answer: dict[str, Any]
    accepted: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


class Vendor:
    """What one fake vendor received, and the failures it has been told to fake."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.received: list[Received] = []
        self._failures: deque[Fail] = deque()
        self.seen_keys: dict[str, str] = {}  # idempotency key -> id, for deduping vendors
        self._lock = threading.Lock()

    def fail_next(self, mode: Fail, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([mode] * times)

    def take_failure(self) -> Fail | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def record(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.accepted]


class FakeRobots:
    """The fake vendors on one local port; `close()` releases hung requests."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.wecom_key = "693a91f6-7a0c-4bc4-97a0-0ec2f1a5aaa1"
        self.dingtalk_token = "b2f0c1" * 10 + "a9d3"
        self.dingtalk_secret = (
            "SEC" + "5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"
        )
        self.feishu_hook = "5e3d587e-d78e-4a07-bd07-265f269f86fd"
        self.feishu_secret = "nIMtb7r3N9pkXyXdtAbx6e"
        self.webhook_secret = "whsec-3f1c9a8e7d6b5a4c"
        self.sms_api_key = "sk-test-8c1f0e2d9b7a"
        self.wecom, self.dingtalk, self.feishu = (
            Vendor("wecom"),
            Vendor("dingtalk"),
            Vendor("feishu"),
        )
        self.webhook, self.sms = Vendor("webhook"), Vendor("sms")
        self.released = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.robots = self
        self.port = self._server.server_address[1]
        # A short poll keeps `close()` (which waits one poll) quick in every test's teardown.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def wecom_url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={self.wecom_key}"

    @property
    def dingtalk_url(self) -> str:
        return f"{self.base}/robot/send?access_token={self.dingtalk_token}"

    @property
    def feishu_url(self) -> str:
        return f"{self.base}/open-apis/bot/v2/hook/{self.feishu_hook}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base}/hooks/alerts"

    @property
    def sms_url(self) -> str:
        return f"{self.base}/v1/sms"

    def vendor_for(self, path: str) -> Vendor | None:
        for prefix, vendor in (
            ("/cgi-bin/webhook/send", self.wecom),
            ("/robot/send", self.dingtalk),
            ("/open-apis/bot/v2/hook/", self.feishu),
            ("/hooks/", self.webhook),
            ("/v1/sms", self.sms),
        ):
            if path.startswith(prefix):
                return vendor
        return None

    def close(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeRobots:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    robots: FakeRobots

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and hung up is expected here, not an error."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `Vendor.received` instead."""

    def do_POST(self) -> None:
        robots = self.server.robots
        parts = urlsplit(self.path)
        vendor = robots.vendor_for(parts.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if vendor is None:
            self._answer(404, {"error": "not found"}, {})
            return
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        failure = vendor.take_failure()
        extra: dict[str, str] = {}
        if failure is Fail.HANG:
            # Blocked on an Event, not a sleep: close() releases it at teardown.
            robots.released.wait(timeout=30)
            status, answer = 500, {"error": "released"}
        elif failure is Fail.SERVER_ERROR:
            status, answer = 500, {"error": "internal error"}
        else:
            check = getattr(vendors, vendor.name)
            status, answer, extra = check(robots, parts.path, query, headers, body, failure)
        accepted = failure is None and vendors.is_success(vendor.name, status, answer)
        vendor.record(
            Received(vendor.name, parts.path, query, headers, body, status, answer, accepted)
        )
        self._answer(status, answer, extra)

    def _answer(self, status: int, answer: dict[str, Any], extra: dict[str, str]) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timeout test)
            pass
