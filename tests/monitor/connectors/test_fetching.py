"""SafeClient: address refusal, redirects, caps, timeouts, robots.txt, pacing, 304."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest

from yuqing.core.clock import FrozenClock
from yuqing.core.errors import SourceUnavailable
from yuqing.core.i18n import use_locale
from yuqing.monitor.fetching import SafeClient, is_public_address

PUBLIC_IP = "93.184.216.34"  # never contacted: MockTransport answers instead


def public_resolver(host: str, port: int) -> list[str]:
    """A fake DNS: every name is public, except names under `.intranet`."""
    return ["10.1.2.3"] if host.endswith(".intranet") else [PUBLIC_IP]


def mock_client(handler, clock: FrozenClock, **options) -> SafeClient:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return SafeClient(client, clock=clock, resolver=public_resolver, **options)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.8", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # CGNAT
        ("169.254.169.254", False),  # cloud metadata, link-local
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("240.0.0.1", False),  # reserved
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("not an ip", False),
    ],
)
def test_public_address_classification(address, public):
    assert is_public_address(address) is public


def test_loopback_refused_unless_internal(server, http):
    server.route("/page", "<p>hello</p>")
    with pytest.raises(SourceUnavailable, match=r"已拒绝：127\.0\.0\.1 是或解析为非公网地址"):
        http.get(server.url("/page"))
    assert server.requests == []  # refused before any byte was sent
    assert http.get(server.url("/page"), internal=True).content == b"<p>hello</p>"


def test_localhost_name_refused_after_resolution(server, http):
    server.route("/page", "x")
    with pytest.raises(SourceUnavailable, match="已拒绝：localhost"):
        http.get(f"http://localhost:{server.port}/page")


def test_settings_switch_allows_internal(server, clock):
    server.route("/page", "ok")
    with httpx.Client(trust_env=False) as client:
        http = SafeClient(client, clock=clock, allow_internal=True)
        assert http.get(server.url("/page")).content == b"ok"


def test_private_resolution_refused(clock):
    http = mock_client(lambda request: httpx.Response(200, text="secret"), clock)
    with pytest.raises(SourceUnavailable, match=r"10\.1\.2\.3"):
        http.get("http://wiki.corp.intranet/")


def test_redirect_to_loopback_refused(clock):
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(302, headers={"Location": "http://127.0.0.1/admin"})

    http = mock_client(handler, clock)
    with pytest.raises(SourceUnavailable, match=r"重定向到 http://127\.0\.0\.1/admin: 已拒绝"):
        http.get("http://news.example.com/feed")
    assert "http://127.0.0.1/admin" not in asked
    assert not any("127.0.0.1" in url for url in asked)
    # YUQING_LANG=en words the same refusal in English.
    english = (
        r"redirect to http://127\.0\.0\.1/admin: refused: 127\.0\.0\.1 is or resolves to "
        r"the non-public address 127\.0\.0\.1 \(allowed only for internal sources\)$"
    )
    with use_locale("en"), pytest.raises(SourceUnavailable, match=english):
        http.get("http://news.example.com/feed")


def test_redirects_followed_and_final_url_kept(clock):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/new"})
        if request.url.path == "/new":
            return httpx.Response(200, text="moved here")
        return httpx.Response(404)

    response = mock_client(handler, clock).get("http://news.example.com/old")
    assert response.url == "http://news.example.com/new"
    assert response.text() == "moved here"


def test_redirect_loop(server, http):
    server.route("/a", status=302, headers={"Location": "/b"})
    server.route("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(SourceUnavailable, match="处出现重定向循环"):
        http.get(server.url("/a"), internal=True)


def test_too_many_redirects(server, clock):
    for n in range(4):
        server.route(f"/r{n}", status=302, headers={"Location": f"/r{n + 1}"})
    server.route("/r4", "end")
    with httpx.Client(trust_env=False) as client:
        http = SafeClient(client, clock=clock, max_redirects=2)
        with pytest.raises(SourceUnavailable, match="重定向超过 2 次"):
            http.get(server.url("/r0"), internal=True)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/"])
def test_other_schemes_refused(http, url):
    with pytest.raises(SourceUnavailable, match="只抓取 http 和 https 网址"):
        http.get(url, internal=True)


@pytest.mark.parametrize("no_length", [False, True])
def test_huge_response_capped(server, clock, no_length):
    server.route("/big", b"x" * 200_000, no_length=no_length)
    with httpx.Client(trust_env=False) as client:
        http = SafeClient(client, clock=clock, max_bytes=10_000)
        with pytest.raises(SourceUnavailable, match=r"/big 的响应超过 10000 字节"):
            http.get(server.url("/big"), internal=True)


def test_hanging_server_times_out_naming_url(server, clock):
    server.route("/slow", "late", hold=threading.Event())
    with httpx.Client(trust_env=False) as client:
        http = SafeClient(client, clock=clock, read_timeout=0.5)
        with pytest.raises(SourceUnavailable, match=r"读取 http://127\.0\.0\.1:\d+/slow 超时"):
            http.get(server.url("/slow"), internal=True)


def test_http_error_status(server, http):
    server.route("/gone", "no", status=500)
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        http.get(server.url("/gone"), internal=True)


def test_robots_disallow_and_cached(server, http):
    server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    server.route("/private/feed.xml", "<rss/>")
    server.route("/public/feed.xml", "<rss/>")
    with pytest.raises(SourceUnavailable, match=r"robots\.txt 禁止抓取"):
        http.get(server.url("/private/feed.xml"), internal=True)
    assert server.hits("/private/feed.xml") == 0
    http.get(server.url("/public/feed.xml"), internal=True)
    http.get(server.url("/public/feed.xml"), internal=True)
    assert server.hits("/robots.txt") == 1


def test_robots_for_our_agent_only(server, http):
    server.route("/robots.txt", "User-agent: YuQing\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    server.route("/x", "x")
    with pytest.raises(SourceUnavailable, match=r"robots\.txt"):
        http.get(server.url("/x"), internal=True)


def test_unreachable_robots_means_allowed(server, http):
    server.route("/robots.txt", "boom", status=503)
    server.route("/page", "fine")
    assert http.get(server.url("/page"), internal=True).text() == "fine"


def test_rate_limit_waits_through_clock(server, http, clock):
    server.route("/a", "a")
    server.route("/b", "b")
    start = clock.now()
    http.get(server.url("/a"), internal=True)
    assert clock.now() == start  # first request to a host: no wait
    http.get(server.url("/b"), internal=True)
    assert clock.now() - start == timedelta(seconds=1)
    clock.advance(timedelta(seconds=5))
    before = clock.now()
    http.get(server.url("/a"), internal=True)
    assert clock.now() == before  # the interval had passed already


def test_crawl_delay_slows_down(server, http, clock):
    server.route("/robots.txt", "User-agent: *\nCrawl-delay: 7\n", content_type="text/plain")
    server.route("/a", "a")
    start = clock.now()
    http.get(server.url("/a"), internal=True)
    http.get(server.url("/a"), internal=True)
    assert clock.now() - start == timedelta(seconds=7)


def test_conditional_get_and_user_agent(server, http):
    server.route("/feed", "<rss/>", etag='"v1"', last_modified="Sat, 01 Mar 2025 01:00:00 GMT")
    first = http.get(server.url("/feed"), internal=True)
    assert first.etag == '"v1"'
    assert not first.not_modified
    again = http.get(
        server.url("/feed"),
        internal=True,
        etag=first.etag,
        last_modified=first.last_modified,
    )
    assert again.not_modified
    assert again.content == b""
    sent = [seen for seen in server.requests if seen.path == "/feed"][-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Sat, 01 Mar 2025 01:00:00 GMT"
    assert sent["user-agent"].startswith("YuQing/")


class TickingClock(FrozenClock):
    """Each look at the monotonic clock finds 20 s gone: a server that drips slowly."""

    def monotonic(self) -> float:
        self.advance(timedelta(seconds=20))
        return super().monotonic()


def test_total_deadline(server, clock):
    server.route("/drip", b"x" * 100_000, no_length=True)
    with httpx.Client(trust_env=False) as client:
        http = SafeClient(client, clock=TickingClock(clock.now()), total_timeout=30)
        with pytest.raises(SourceUnavailable, match=r"/drip 耗时超过 30 秒"):
            http.get(server.url("/drip"), internal=True)


def test_a_gzip_body_the_server_did_not_label_is_unpacked(server, http):
    """qa11: a page served as a `.gz` file without `Content-Encoding` (or compressed
    twice) was read as text: the post printed was bytes of noise."""
    import gzip

    page = "<html><body><p>县教育局通报食堂事件</p></body></html>".encode("gbk")
    server.route("/gz.html", gzip.compress(page), content_type="text/html")
    server.route("/twice.html", gzip.compress(gzip.compress(page)), content_type="text/html")
    assert http.get(server.url("/gz.html"), internal=True).content == page
    assert http.get(server.url("/twice.html"), internal=True).content == page
    # Unpacked under the same cap: a small bomb does not grow past it.
    server.route("/bomb.html", gzip.compress(b"<p>" + b"a" * 200_000), content_type="text/html")
    small = SafeClient(http.client, clock=http.clock, max_bytes=100_000)
    with pytest.raises(SourceUnavailable, match="100000"):
        small.get(server.url("/bomb.html"), internal=True)


def test_a_redirect_to_a_bad_address_names_the_redirect(server, http):
    """qa11: a redirect to `javascript:…` was reported as "invalid URL" of the page asked
    for, a URL that is fine."""
    server.route("/moved", status=302, headers={"Location": "javascript:alert(1)"})
    with pytest.raises(SourceUnavailable) as caught:
        http.get(server.url("/moved"), internal=True)
    assert str(caught.value.message).startswith(
        f"{server.url('/moved')}: 重定向到一个无法抓取的地址（"
    )
