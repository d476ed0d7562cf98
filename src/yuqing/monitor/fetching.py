"""Polite, safe HTTP for connectors (ARCHITECTURE "Trust boundaries").

`SafeClient` wraps an `httpx.Client` the caller owns (tests pass a `MockTransport` or a
real server on 127.0.0.1) and adds what a crawler of hostile sites needs: no requests to
loopback, private, link-local, multicast or reserved addresses unless a source is
internal (checked on the resolved addresses, again at every redirect hop), http(s)
only, timeouts and a total deadline, a size cap, one request per host per interval
(waiting through the `Clock`), conditional GET and robots.txt.

Known gap: httpx resolves the host again when it connects, so a DNS server that answers
differently within milliseconds (rebinding) is not caught here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from yuqing.core.clock import Clock
from yuqing.core.errors import SourceUnavailable
from yuqing.core.i18n import _
from yuqing.core.settings import Settings
from yuqing.monitor.connectors.addresses import Resolver, is_public_address, system_resolver
from yuqing.monitor.connectors.charset import decode_body

__all__ = ["Response", "SafeClient", "is_public_address", "system_resolver"]

MAX_BYTES = 10 * 1024 * 1024
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 60.0  # a robots.txt may slow us down, but not stop a poll for hours
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass
class Response:
    """A fetched body (already capped) and what the connectors need of the response."""

    url: str  # after redirects
    status: int
    headers: httpx.Headers
    content: bytes
    # When the answer came, on the client's clock: what a page's `3分钟前` counts back from.
    fetched_at: datetime | None = None
    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def not_modified(self) -> bool:
        """The server said 304: nothing changed since the cursor's validators."""
        return self.status == 304

    @property
    def etag(self) -> str | None:
        """The ETag validator, if sent."""
        value = self.headers.get("etag")
        return str(value) if value else None

    @property
    def last_modified(self) -> str | None:
        """The Last-Modified validator, if sent."""
        value = self.headers.get("last-modified")
        return str(value) if value else None

    @property
    def content_type(self) -> str:
        """The Content-Type header ('' when absent)."""
        return str(self.headers.get("content-type", ""))

    def text(self) -> str:
        """The body decoded (HTTP charset, BOM, declaration, then a guess)."""
        if self._text is None:
            self._text = decode_body(self.content, self.content_type)[0]
        return self._text


_GZIP_MAGIC = b"\x1f\x8b\x08"  # a gzip member of deflate data: no page or feed starts so


def _gunzip_unlabelled(content: bytes, *, url: str, cap: int, source: str) -> bytes:
    """`content` unpacked when it is gzip data the server did not label as such (a `.gz`
    file served as the page, or a body compressed twice): read as text, it is bytes of
    noise. Unpacked under the same size cap, so a small bomb cannot grow past it."""
    import zlib

    for _layer in range(3):
        if not content.startswith(_GZIP_MAGIC):
            break
        unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            unpacked = unpacker.decompress(content, cap + 1)
        except zlib.error:
            break  # not gzip after all: left as it came
        if len(unpacked) > cap:
            raise SourceUnavailable(_too_large(url, cap), source=source)
        content = unpacked
    return content


def _valid_for_httpx(url: str) -> bool:
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        return False
    return True


def _too_large(url: str, cap: int) -> str:
    return _("response from {url} is larger than {limit} bytes").format(url=url, limit=cap)


class SafeClient:
    """GETs that refuse internal targets, respect robots.txt and pace each host.

    One instance per poller thread: the robots and pacing caches are not locked.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        clock: Clock,
        user_agent: str = Settings.user_agent,
        allow_internal: bool = False,
        max_bytes: int = MAX_BYTES,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        total_timeout: float = 60.0,
        min_interval: float = 1.0,
        max_redirects: int = 5,
        respect_robots: bool = True,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.client = client
        self.clock = clock
        self.user_agent = user_agent
        self.allow_internal = allow_internal
        self.max_bytes = max_bytes
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.total_timeout = total_timeout
        self.min_interval = min_interval
        self.max_redirects = max_redirects
        self.respect_robots = respect_robots
        self.resolver = resolver
        self._robots: dict[str, RobotFileParser | None] = {}
        self._interval: dict[str, float] = {}
        self._last: dict[str, float] = {}

    @classmethod
    def from_settings(
        cls, client: httpx.Client, *, settings: Settings, clock: Clock, **options: Any
    ) -> SafeClient:
        """A client with the user agent and internal-fetch switch from `settings`."""
        return cls(
            client,
            clock=clock,
            user_agent=settings.user_agent,
            allow_internal=settings.allow_internal_fetch,
            **options,
        )

    def get(
        self,
        url: str,
        *,
        internal: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> Response:
        """GET `url` safely; 304 comes back as a response, other failures raise."""
        allow = internal or self.allow_internal
        headers = {"User-Agent": self.user_agent}
        if accept:
            headers["Accept"] = accept
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(url, allow=allow, headers=headers, robots=True, cap=self.max_bytes)

    def _follow(
        self, url: str, *, allow: bool, headers: dict[str, str], robots: bool, cap: int
    ) -> Response:
        current = url
        visited = {url}
        for _hop in range(self.max_redirects + 1):
            where = current if current == url else _("redirect to {url}").format(url=current)
            host = self._check_target(current, allow=allow, source=url, where=where)
            if robots:
                self._check_robots(current, host=host, allow=allow, source=url)
                self._wait_turn(host)
            response = self._send(current, headers=headers, source=url, cap=cap)
            if response.status not in _REDIRECTS:
                if response.status >= 400:
                    raise SourceUnavailable(
                        _("HTTP {status} from {url}").format(status=response.status, url=current),
                        source=url,
                    )
                return response
            location = response.headers.get("location")
            if not location:
                raise SourceUnavailable(
                    _("redirect without a Location from {url}").format(url=current), source=url
                )
            current = urljoin(current, location.strip())
            if current in visited:
                raise SourceUnavailable(_("redirect loop at {url}").format(url=current), source=url)
            visited.add(current)
        raise SourceUnavailable(
            _("more than {n} redirects").format(n=self.max_redirects), source=url
        )

    def _check_target(self, url: str, *, allow: bool, source: str, where: str) -> str:
        """The host:port key of `url` once it may be fetched; refuses otherwise."""
        # `where` (the URL, or the redirect to it) prefixes each reason: `WHERE: reason`.
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            reason = _("only http and https URLs are fetched")
            raise SourceUnavailable(f"{where}: {reason}", source=source)
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            reason = _("invalid URL")
            raise SourceUnavailable(f"{where}: {reason}", source=source) from None
        if not host:
            reason = _("URL has no host")
            raise SourceUnavailable(f"{where}: {reason}", source=source)
        port = port or (443 if parts.scheme.lower() == "https" else 80)
        if not allow:
            try:
                addresses = [str(ipaddress.ip_address(host))]
            except ValueError:
                try:
                    addresses = self.resolver(host, port)
                except (OSError, UnicodeError):
                    reason = _("cannot resolve {host}").format(host=host)
                    raise SourceUnavailable(f"{where}: {reason}", source=source) from None
            refused = [a for a in addresses if not is_public_address(a)] or (
                [] if addresses else [host]
            )
            if refused:
                reason = _(
                    "refused: {host} is or resolves to the non-public address {address} "
                    "(allowed only for internal sources)"
                ).format(host=host, address=refused[0])
                raise SourceUnavailable(f"{where}: {reason}", source=source)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def _wait_turn(self, host: str) -> None:
        # Politeness: one request per host per interval, the clock decides how long.
        interval = self._interval.get(host, self.min_interval)
        now = self.clock.monotonic()
        last = self._last.get(host)
        if last is not None and last + interval > now:
            self.clock.sleep(last + interval - now)
            now = self.clock.monotonic()
        self._last[host] = now

    def _send(self, url: str, *, headers: dict[str, str], source: str, cap: int) -> Response:
        deadline = self.clock.monotonic() + self.total_timeout
        try:
            with self.client.stream(
                "GET", url, headers=headers, timeout=self.timeout, follow_redirects=False
            ) as raw:
                if raw.status_code in _REDIRECTS or raw.status_code == 304:
                    return Response(url, raw.status_code, raw.headers, b"", self.clock.now())
                declared = raw.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise SourceUnavailable(_too_large(url, cap), source=source)
                chunks: list[bytes] = []
                size = 0
                for chunk in raw.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise SourceUnavailable(_too_large(url, cap), source=source)
                    if self.clock.monotonic() > deadline:
                        raise SourceUnavailable(
                            _("{url} took longer than {seconds:g} s").format(
                                url=url, seconds=self.total_timeout
                            ),
                            source=source,
                        )
                    chunks.append(chunk)
                content = _gunzip_unlabelled(b"".join(chunks), url=url, cap=cap, source=source)
                return Response(url, raw.status_code, raw.headers, content, self.clock.now())
        except httpx.TimeoutException:
            raise SourceUnavailable(
                _("timed out reading {url}").format(url=url), source=source
            ) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            if _valid_for_httpx(url):
                # httpx reads a redirect's Location as it answers: that target is bad
                # (`javascript:…`, a broken address), not the URL asked for.
                reason = _("it redirects to an address that cannot be fetched ({reason})")
                message = f"{url}: {reason.format(reason=exc)}"
                raise SourceUnavailable(message, source=source) from None
            raise SourceUnavailable(_("invalid URL {url}").format(url=url), source=source) from None
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            # TRANSLATORS: {reason} is the HTTP library's own wording, in English.
            message = _("cannot fetch {url}: {reason}").format(url=url, reason=reason)
            raise SourceUnavailable(message, source=source) from None

    def _check_robots(self, url: str, *, host: str, allow: bool, source: str) -> None:
        if not self.respect_robots:
            return
        origin = f"{urlsplit(url).scheme.lower()}://{host}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin, allow=allow)
            parser = self._robots[origin]
            delay = parser.crawl_delay(self.user_agent) if parser is not None else None
            if delay:
                self._interval[host] = max(self.min_interval, min(float(delay), MAX_CRAWL_DELAY))
        parser = self._robots[origin]
        if parser is not None and not parser.can_fetch(self.user_agent, url):
            raise SourceUnavailable(
                _("{url} is disallowed by robots.txt").format(url=url), source=source
            )

    def _load_robots(self, origin: str, *, allow: bool) -> RobotFileParser | None:
        """The parsed robots.txt of an origin; None (allow all) when it cannot be had."""
        headers = {"User-Agent": self.user_agent}
        try:
            response = self._follow(
                f"{origin}/robots.txt",
                allow=allow,
                headers=headers,
                robots=False,
                cap=ROBOTS_MAX_BYTES,
            )
        except SourceUnavailable:
            # RFC 9309 asks for "disallow all" on 5xx; an unreachable robots.txt on a
            # news site is far more often a broken server than a wish, so we go on.
            return None
        parser = RobotFileParser()
        parser.parse(response.text().splitlines())
        return parser
