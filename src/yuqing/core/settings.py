"""Settings from the environment (CONTRACTS: YUQING_HOME, YUQING_DB, YUQING_MAX_POST_BYTES;
YUQING_MAX_PUSH_BYTES caps a push API request; the YUQING_SESSION_*, YUQING_LOGIN_* and
YUQING_API_RATE_PER_MINUTE settings govern sign-in, docs/web.md;
YUQING_SENTIMENT_MIN_CONFIDENCE: the confidence a post's sentiment needs to count in its
events' tone)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.llm_settings import LLMSettings, load_llm_settings

DEFAULT_MAX_POST_BYTES = 1024 * 1024  # CONTRACTS: a post text over 1 MiB is rejected
DEFAULT_MAX_PUSH_BYTES = 16 * 1024 * 1024  # a push API request body at most (413 above)
DEFAULT_TIMEZONE = "Asia/Shanghai"  # CONTRACTS: naive time means Asia/Shanghai


@dataclass(frozen=True)
class AuthSettings:
    """Sign-in policy (docs/web.md): session lifetimes, lockout, API token rate limit."""

    # A browser left alone this long signs out (an office PC left unlocked) ...
    session_idle_minutes: int = 30
    # ... and no session lives longer than a working day, however busy.
    session_max_hours: int = 12
    # Failures in a row before a name is locked; an address is shared by a whole office
    # behind one NAT, so it gets more room before it is locked.
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    # The first lock lasts this long and doubles with each further failure, up to the cap.
    login_lockout_seconds: int = 60
    login_lockout_max_seconds: int = 3600
    # Requests per minute one API token may make (a burst of as many is allowed).
    api_rate_per_minute: int = 120


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    max_post_bytes: int = DEFAULT_MAX_POST_BYTES
    max_push_bytes: int = DEFAULT_MAX_PUSH_BYTES
    timezone: str = DEFAULT_TIMEZONE
    # Lets every fetch reach loopback/private addresses; for test rigs that serve
    # fixtures on 127.0.0.1. Sources get the same per source with `--internal`.
    allow_internal_fetch: bool = False
    user_agent: str = "YuQing/0.1 (+public-opinion monitoring; respects robots.txt)"
    auth: AuthSettings = field(default_factory=AuthSettings)
    # Posts whose sentiment confidence is below this count as neither negative nor
    # positive in their events' tone (docs/sentiment.md, Calibration); 0 counts all.
    sentiment_min_confidence: float = 0.0
    # The organization's own model server (docs/llm.md); None: off, the default.
    llm: LLMSettings | None = None
    # The drill's name when the home is a drill's sandbox (docs/drills.md): its pages
    # carry a banner and its alerts say 【演练】.
    drill: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")


def _default_home() -> Path:
    # platformdirs is imported here, not at module level: `yuqing --help` stays fast.
    from platformdirs import user_data_dir

    return Path(user_data_dir("yuqing", appauthor=False))


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(
            _("{name} must be an integer, not {value!r}").format(name=name, value=raw)
        ) from None
    if value <= 0:
        raise InvalidInput(_("{name} must be positive, not {value}").format(name=name, value=value))
    return value


def _share_env(env: Mapping[str, str], name: str) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise InvalidInput(
            _("{name} must be a number from 0 to 1, not {value!r}").format(name=name, value=raw)
        )
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from the environment (or the mapping given)."""
    env = os.environ if environ is None else environ
    home_raw = env.get("YUQING_HOME")
    home = Path(home_raw).expanduser() if home_raw else _default_home()
    # A drill's sandbox keeps its own store, whatever YUQING_DB says: serving a sandbox
    # must never reach the live store (docs/drills.md).
    drill = home.name if (home / "drill.json").is_file() else None
    own_store = f"sqlite:///{home / 'yuqing.db'}"
    return Settings(
        home=home,
        db_url=own_store if drill else env.get("YUQING_DB") or own_store,
        max_post_bytes=_int_env(env, "YUQING_MAX_POST_BYTES", DEFAULT_MAX_POST_BYTES),
        max_push_bytes=_int_env(env, "YUQING_MAX_PUSH_BYTES", DEFAULT_MAX_PUSH_BYTES),
        timezone=env.get("YUQING_TIMEZONE", DEFAULT_TIMEZONE),
        allow_internal_fetch=env.get("YUQING_ALLOW_INTERNAL_FETCH", "") in {"1", "true", "yes"},
        sentiment_min_confidence=_share_env(env, "YUQING_SENTIMENT_MIN_CONFIDENCE"),
        auth=_auth_settings(env),
        llm=load_llm_settings(env),
        drill=drill,  # a sandbox served by `yuqing serve` is still a drill
    )


def _auth_settings(env: Mapping[str, str]) -> AuthSettings:
    base = AuthSettings()
    return AuthSettings(
        session_idle_minutes=_int_env(
            env, "YUQING_SESSION_IDLE_MINUTES", base.session_idle_minutes
        ),
        session_max_hours=_int_env(env, "YUQING_SESSION_MAX_HOURS", base.session_max_hours),
        login_max_failures=_int_env(env, "YUQING_LOGIN_MAX_FAILURES", base.login_max_failures),
        login_max_failures_per_address=_int_env(
            env, "YUQING_LOGIN_MAX_FAILURES_PER_ADDRESS", base.login_max_failures_per_address
        ),
        login_lockout_seconds=_int_env(
            env, "YUQING_LOGIN_LOCKOUT_SECONDS", base.login_lockout_seconds
        ),
        login_lockout_max_seconds=_int_env(
            env, "YUQING_LOGIN_LOCKOUT_MAX_SECONDS", base.login_lockout_max_seconds
        ),
        api_rate_per_minute=_int_env(env, "YUQING_API_RATE_PER_MINUTE", base.api_rate_per_minute),
    )
