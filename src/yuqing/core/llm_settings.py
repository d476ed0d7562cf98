"""Settings of the optional endpoint (docs/llm.md), read from the environment.

YUQING_LLM_URL      base URL of an OpenAI-compatible API, e.g. http://10.0.0.5:8000/v1
YUQING_LLM_MODEL    the model name the server expects (required with the URL)
YUQING_LLM_API_KEY  sent as a bearer token when set
YUQING_LLM_TIMEOUT_SECONDS  one request at most this long (default 20)
YUQING_LLM_CLASSIFY  "1" labels posts' sentiment through the endpoint (default off)
YUQING_LLM_BATCH    posts per classification request (default 16)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

DEFAULT_TIMEOUT_SECONDS = 20.0
DEFAULT_BATCH = 16
MAX_BATCH = 64  # a longer prompt gains little and risks the server's context length


@dataclass(frozen=True)
class LLMSettings:
    url: str
    model: str
    api_key: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    classify: bool = False
    batch: int = DEFAULT_BATCH

    @property
    def chat_url(self) -> str:
        return self.url.rstrip("/") + "/chat/completions"


def load_llm_settings(env: Mapping[str, str]) -> LLMSettings | None:
    """The endpoint's settings, or None when YUQING_LLM_URL is not set."""
    url = (env.get("YUQING_LLM_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput(
            _("YUQING_LLM_URL must be an http(s) URL, not {value!r}").format(value=url)
        )
    model = (env.get("YUQING_LLM_MODEL") or "").strip()
    if not model:
        raise InvalidInput(_("YUQING_LLM_MODEL must name the model when YUQING_LLM_URL is set"))
    return LLMSettings(
        url=url,
        model=model,
        api_key=(env.get("YUQING_LLM_API_KEY") or "").strip() or None,
        timeout_seconds=_positive(env, "YUQING_LLM_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS),
        classify=env.get("YUQING_LLM_CLASSIFY", "").strip().lower() in {"1", "true", "yes"},
        batch=min(MAX_BATCH, int(_positive(env, "YUQING_LLM_BATCH", DEFAULT_BATCH))),
    )


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InvalidInput(
            _("{name} must be a positive number, not {value!r}").format(name=name, value=raw)
        )
    return value
