"""Running the service: the API tokens, the worker thread, and uvicorn in a thread.

`yuqing serve` and `yuqing demo` start the same worker beside the same app. The demo
runs uvicorn in a thread so that its own main thread owns Ctrl-C: it stops the replay,
the worker and the server in order, where uvicorn's handlers would re-raise the signal.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable

import httpx
import uvicorn
from fastapi import FastAPI

from yuqing.alerts.sending import load_channel_settings, make_sender
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.settings import Settings
from yuqing.monitor.fetching import SafeClient
from yuqing.monitor.pipeline import Pipeline
from yuqing.worker.reporting import report_hook
from yuqing.worker.scheduler import run_scheduler


def api_tokens_from_env() -> list[str]:
    """The service-level tokens of `YUQING_API_TOKENS` (comma-separated)."""
    return [t.strip() for t in os.environ.get("YUQING_API_TOKENS", "").split(",") if t.strip()]


def start_worker(
    *,
    pipeline: Pipeline,
    settings: Settings,
    clock: Clock,
    http: httpx.Client,
    stop: threading.Event,
    daemon: bool = True,
    min_wait: Callable[[], float] = lambda: 1.0,
    reports: bool = True,
) -> threading.Thread:
    """The worker loop (poll, deliver, remind, escalate, scheduled reports) in a thread
    until `stop` is set.

    `min_wait`: clock seconds between its rounds at the least (`run_scheduler`).
    `reports`: whether it generates and sends the plan's scheduled reports.
    """
    channels = load_channel_settings(settings.home)
    send = make_sender(settings=channels, clock=clock, http=http)
    hook = (
        report_hook(sessions=pipeline.sessions, clock=clock, settings=channels, http=http)
        if reports
        else None
    )
    safe = SafeClient.from_settings(http, settings=settings, clock=clock)
    worker = threading.Thread(
        target=run_scheduler,
        kwargs={
            "pipeline": pipeline,
            "http": safe,
            "send": send,
            "stop": stop,
            "min_wait": min_wait,
            "reports": hook,
        },
        daemon=daemon,
        name="yuqing-worker",
    )
    worker.start()
    return worker


class ServerThread:
    """uvicorn serving `app` in a thread, on a socket bound at once (port 0: any free one)."""

    def __init__(self, app: FastAPI, *, host: str, port: int) -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            family, kind, proto, _name, address = infos[0]
            self.socket = socket.socket(family, kind, proto)
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(address)
        except OSError as exc:
            where = f"{host}:{port}"
            raise InvalidInput(
                _("cannot listen on {where}: {error}").format(where=where, error=exc.strerror)
            ) from None
        self.host, self.port = host, self.socket.getsockname()[1]
        # Open connections (a live feed) get a few seconds to finish when stopping.
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="yuqing-server"
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, stop: threading.Event) -> bool:
        """Start serving; True once it answers, False when it died or `stop` came first."""
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive() or stop.wait(0.05):
                return False
        return True

    def stop(self) -> None:
        """Let the open requests finish, then stop; returns when the server has."""
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join()
        self.socket.close()
