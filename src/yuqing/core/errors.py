"""The one errors module.

```
YuQingError
├── NotFound · Conflict (wrong stage, not approved) · TooManyRequests (.retry_after)
├── Forbidden ── Unauthenticated ── LoginRefused (.locked_until)
├── InvalidInput (.where = "plan.yaml:12") ── RuleSyntaxError, PlanError
├── SourceError ── SourceUnavailable (hard: back off), SourceParseError (soft: warn, go on)
└── ChannelError (the outbox retries)
```

`http_status` and `exit_code` are read at two boundaries only: the API's error handler
and the CLI entry point.
"""

from __future__ import annotations

from datetime import datetime


class YuQingError(Exception):
    """Base of every error the product raises on purpose."""

    http_status = 500
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(YuQingError):
    http_status = 404
    exit_code = 3


class Conflict(YuQingError):
    http_status = 409
    exit_code = 4


class Forbidden(YuQingError):
    http_status = 403
    exit_code = 5


class Unauthenticated(Forbidden):
    """No valid credentials were given (an API token, a login)."""

    http_status = 401


class LoginRefused(Unauthenticated):
    """A sign-in refused: wrong name or password (never saying which), or locked out."""

    def __init__(self, message: str, *, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


class TooManyRequests(YuQingError):
    """A client went over its rate limit; it may try again after `retry_after` seconds."""

    http_status = 429
    exit_code = 7

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidInput(YuQingError):
    """Bad input from outside; `where` names the file and line, column or field."""

    http_status = 422
    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.reason = message


class RuleSyntaxError(InvalidInput):
    """A watch rule that does not parse; `column` is 1-based."""

    def __init__(self, message: str, *, column: int, rule: str) -> None:
        super().__init__(message, where=f"column {column}")
        self.column = column
        self.rule = rule


class PlanError(InvalidInput):
    """A plan file that does not validate."""


class SourceError(YuQingError):
    """A source could not be read; `source` names it (a name or a URL)."""

    exit_code = 6

    def __init__(self, message: str, *, source: str) -> None:
        # A reason that already opens with the source (`URL returned HTTP 404`) is not
        # prefixed again: `URL: URL returned …` reads as two addresses.
        said = message.startswith(source) and message[len(source) : len(source) + 1] in (":", " ")
        super().__init__(message if said else f"{source}: {message}")
        self.source = source
        self.reason = message


class SourceUnavailable(SourceError):
    """Hard failure (refused, timeout, HTTP error): the scheduler backs off."""

    http_status = 502


class SourceParseError(SourceError):
    """Soft failure (an entry or a document that does not parse): warn and go on."""

    http_status = 422


class UpstreamError(YuQingError):
    """A service the organization runs for us (its own model server) gave no usable answer."""

    http_status = 502


class ChannelError(YuQingError):
    """A notification channel failed; the outbox retries it when `retryable`."""

    http_status = 502
    retryable: bool = True  # subclasses say which failures will not pass

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable
