"""Connectors: one per source kind, registered by `kind` (STYLE §4).

Outside packages add kinds through the `yuqing.connectors` entry point group, the
same way the built-ins could; `get_connector` looks there for kinds it does not know.

>>> get_connector("rss").kind
'rss'
"""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, cast

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.monitor.connectors.base import (
    Connector,
    Cursor,
    Fetched,
    SourceKind,
    SourceSpec,
    item_key,
)
from yuqing.monitor.connectors.file import FileConnector
from yuqing.monitor.connectors.jsonapi import JsonApiConnector
from yuqing.monitor.connectors.rss import RssConnector, looks_like_feed
from yuqing.monitor.connectors.web import WebConnector

if TYPE_CHECKING:
    from yuqing.monitor.fetching import SafeClient

__all__ = [
    "CONNECTORS",
    "Connector",
    "Cursor",
    "Fetched",
    "SourceKind",
    "SourceSpec",
    "detect_and_fetch",
    "get_connector",
    "item_key",
    "register_connector",
]

CONNECTORS: dict[str, Connector] = {
    connector.kind: connector
    for connector in (RssConnector(), WebConnector(), JsonApiConnector(), FileConnector())
}


def register_connector(connector: Connector) -> None:
    """Make a connector available under its `kind` (replacing any earlier one)."""
    CONNECTORS[connector.kind] = connector


def get_connector(kind: str) -> Connector:
    """The connector for a source kind; `InvalidInput` when none is registered."""
    connector = CONNECTORS.get(kind)
    if connector is not None:
        return connector
    for entry in entry_points(group="yuqing.connectors", name=kind):
        loaded = entry.load()
        connector = cast("Connector", loaded() if isinstance(loaded, type) else loaded)
        if not isinstance(getattr(connector, "kind", None), str):
            raise InvalidInput(
                _("entry point {entry!r} is not a connector").format(entry=entry.value)
            )
        register_connector(connector)
        return connector
    known = ", ".join(sorted(CONNECTORS))
    raise InvalidInput(
        _("unknown source kind {kind!r} (known: {known})").format(kind=kind, known=known)
    )


def detect_and_fetch(
    spec: SourceSpec, *, cursor: Cursor | None, http: SafeClient, now: datetime
) -> tuple[str, Fetched]:
    """Fetch `spec.url` once and read it as a feed if it is one, else as a web page."""
    from yuqing.monitor.connectors import rss, web

    response = http.get(spec.url, internal=spec.internal, accept=rss.ACCEPT)
    if looks_like_feed(response.text()):
        return "rss", rss.fetched_from_response(spec, response, cursor=cursor)
    return "web", web.fetched_from_page(spec, response, cursor=cursor, http=http)
