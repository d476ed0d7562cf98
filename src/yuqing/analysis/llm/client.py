"""A small client for the chat-completions call of an OpenAI-compatible server.

One POST to `{url}/chat/completions` with `model`, `messages`, `temperature` 0 and a
`max_tokens` bound; the answer's `choices[0].message.content` is returned. Any failure
(connection, timeout, HTTP status, a body that is not the documented shape) is one
`EndpointError` with a line saying what went wrong; callers fall back, never crash.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from yuqing.core.llm_settings import LLMSettings


class EndpointError(Exception):
    """The endpoint gave no usable answer."""


class ChatClient:
    def __init__(self, settings: LLMSettings, http: httpx.Client | None = None) -> None:
        self.settings = settings
        # trust_env=False: a proxy set for the internet must not carry intranet traffic.
        self._http = http or httpx.Client(trust_env=False)
        self._own_http = http is None

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def complete(self, messages: list[dict[str, str]], *, max_tokens: int) -> str:
        headers = {"content-type": "application/json"}
        if self.settings.api_key:
            headers["authorization"] = f"Bearer {self.settings.api_key}"
        body = {
            "model": self.settings.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": max_tokens,
        }
        try:
            answer = self._http.post(
                self.settings.chat_url,
                json=body,
                headers=headers,
                timeout=self.settings.timeout_seconds,
            )
        except httpx.TimeoutException:
            raise EndpointError(
                f"no answer within {self.settings.timeout_seconds:g} s from {self.settings.url}"
            ) from None
        except httpx.HTTPError as exc:
            raise EndpointError(f"cannot reach {self.settings.url}: {exc}") from None
        if answer.status_code != 200:
            raise EndpointError(f"{self.settings.chat_url} answered HTTP {answer.status_code}")
        return _content(answer.content)


def _content(raw: bytes) -> str:
    try:
        data: Any = json.loads(raw)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise EndpointError("the answer is not a chat completion") from None
    if not isinstance(content, str):
        raise EndpointError("the answer's message content is not text")
    return content
