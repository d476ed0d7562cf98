"""A fake OpenAI-compatible chat-completions server on 127.0.0.1.

It speaks the real wire format (`POST /v1/chat/completions` with `model` and
`messages`, an answer with `choices[0].message.content`, `usage`, and OpenAI's error
body on failures), checks the bearer token when one is set, records every request, and
answers with whatever `respond` returns for the request's messages. `fail_next` fakes
the failures a real deployment has: an HTTP 500, a hang past the client's timeout, or an
answer that is not JSON labels.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Messages = list[dict[str, str]]


class FakeChat:
    def __init__(self, respond: Callable[[Messages], str], *, api_key: str | None = None) -> None:
        self.respond = respond
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self._failures: deque[str] = deque()
        self._release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                fake._answer(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def fail_next(self, mode: str, times: int = 1) -> None:
        """`server_error`, `hang` (held until close) or `garbage`."""
        self._failures.extend([mode] * times)

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        if handler.path != "/v1/chat/completions":
            return _send(handler, 404, _error("Not found", "invalid_request_error"))
        if self.api_key and handler.headers.get("authorization") != f"Bearer {self.api_key}":
            return _send(handler, 401, _error("Incorrect API key provided", "invalid_api_key"))
        try:
            request = json.loads(body)
            messages = request["messages"]
            model = request["model"]
        except (ValueError, KeyError, TypeError):
            return _send(handler, 400, _error("Invalid request body", "invalid_request_error"))
        self.requests.append(request)
        mode = self._failures.popleft() if self._failures else None
        if mode == "server_error":
            return _send(handler, 500, _error("The server had an error", "server_error"))
        if mode == "hang":
            self._release.wait(30)
            return None
        content = "Sorry, I cannot help with that." if mode == "garbage" else self.respond(messages)
        return _send(
            handler,
            200,
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            },
        )


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "param": None, "code": code}}


def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def keyword_labeller(messages: Messages) -> str:
    """Labels the posts of a classification request by words, as a model might."""
    posts = json.loads(messages[-1]["content"])
    labels = []
    for post in posts:
        text = post["text"]
        if any(w in text for w in ("投诉", "愤怒", "差")):
            labels.append("negative")
        elif any(w in text for w in ("感谢", "点赞", "好")):
            labels.append("positive")
        else:
            labels.append("neutral")
    return "```json\n" + json.dumps({"labels": labels}) + "\n```"
