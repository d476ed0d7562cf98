"""A real HTTP server on 127.0.0.1 (a free port, its own thread) serving fixture files.

Each test gets a fresh server whose routes it sets: body, status, headers, validators
(answered with 304), a missing Content-Length, or an Event the handler waits on before
answering (a hanging server, released at teardown). Nothing here sleeps.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from yuqing.core.clock import FrozenClock
from yuqing.monitor.connectors import SourceSpec
from yuqing.monitor.fetching import SafeClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def fixture_bytes(name: str) -> bytes:
    """The bytes of a fixture file, e.g. `feeds/rss2_news.xml`."""
    return (FIXTURES / name).read_bytes()


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    hold: threading.Event | None = None
    no_length: bool = False


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class FixtureServer:
    """Routes by path; records every request it gets."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.holds: list[threading.Event] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits for it at every test's teardown.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        content_type: str | None = "text/html; charset=utf-8",
        **options: Any,
    ) -> Route:
        data = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(body=data, **options)
        if content_type:
            route.headers.setdefault("Content-Type", content_type)
        if route.hold is not None:
            self.holds.append(route.hold)
        self.routes[path] = route
        return route

    def serve(self, path: str, fixture: str, content_type: str | None, **options: Any) -> Route:
        return self.route(path, fixture_bytes(fixture), content_type=content_type, **options)

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.requests if seen.path == path)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        for hold in self.holds:
            hold.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler_for(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = server.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.hold is not None:
                route.hold.wait(timeout=10)
            # The client may give up (size cap, timeout): that is the point of the test.
            with contextlib.suppress(ConnectionError):
                self._answer(route)

        def _answer(self, route: Route) -> None:
            validators = {k: v for k, v in (("ETag", route.etag),) if v}
            if route.last_modified:
                validators["Last-Modified"] = route.last_modified
            unchanged = (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified
            )
            self.send_response(304 if unchanged else route.status)
            for name, value in {**route.headers, **validators}.items():
                self.send_header(name, value)
            if unchanged:
                self.end_headers()
                return
            if not route.no_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


class LoopbackOnly(httpx.HTTPTransport):
    """A real transport that never leaves 127.0.0.1, whatever a test gets wrong."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "127.0.0.1":
            raise httpx.ConnectError(f"test network is loopback only: {request.url.host}")
        return super().handle_request(request)


@pytest.fixture
def http(clock: FrozenClock) -> Iterator[SafeClient]:
    """A safe client over a real httpx client; internal addresses still refused."""
    with httpx.Client(transport=LoopbackOnly(), trust_env=False) as client:
        yield SafeClient(client, clock=clock, read_timeout=5.0, min_interval=1.0)


@pytest.fixture
def spec_for(server: FixtureServer) -> Any:
    """Build a source on the local server, marked internal as a test source must be."""

    def build(kind: str, path: str, **options: Any) -> SourceSpec:
        return SourceSpec(
            name=f"local-{kind}",
            kind=kind,  # type: ignore[arg-type]
            url=server.url(path),
            internal=True,
            options=options,
        )

    return build


@pytest.fixture
def fixture_file() -> Any:
    """Read a fixture file's bytes by its name under tests/fixtures."""
    return fixture_bytes
