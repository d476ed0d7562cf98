"""Canonical URLs: the same page under tracking parameters or a fragment is one URL."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that only say who shared or clicked a link, never which page it is.
_TRACKING_PREFIXES = ("utm_", "spm", "share_", "wt.", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "from",
        "isappinstalled",
        "scene",
        "clicktime",
        "enterid",
        "sharer_sharetime",
        "sharer_shareid",
        "wfr",
        "vd_source",
        "share_source",
        "share_medium",
        "share_token",
        "timestamp",
        "_hsenc",
        "_hsmi",
        "ref",
        "ref_src",
        "s_trans",
        "s_channel",
    }
)


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING_NAMES or low.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str, *, base: str | None = None) -> str:
    """Absolute URL with lower-case scheme and host, no fragment, no tracking parameters.

    Raises `ValueError` when `url` does not parse (`http://[::1`, a port past 65535).
    """
    url = url.strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (parts.scheme.lower() == "http" and parts.port == 80)
        or (parts.scheme.lower() == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", urlencode(query), ""))


def link_url(href: str, *, base: str | None = None) -> str | None:
    """`canonical_url` of a link found in a page or feed, or None when it does not parse.

    One malformed link (`http://[::1`) must cost that link, never the poll of its source.
    """
    try:
        return canonical_url(href, base=base)
    except ValueError:
        return None
