"""Channel failures, split by what the outbox should do about them.

```
ChannelError (core)
└── ChannelSendError (.channel, .target, .reason, .code, .retry_after)
    ├── ChannelUnavailable   retryable: refused, timeout, 5xx, 429, vendor rate limits
    └── ChannelRejected      not retryable: 4xx, bad credentials, signature rejected
        └── ChannelMisconfigured   the target itself is wrong (bad phone, missing secret)
```

Messages are one line, name the channel and the target, and never contain a secret:
token-like parts of webhook URLs are masked and known secrets are scrubbed from any
text a vendor or a library hands back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from yuqing.alerts.channels.base import Target
from yuqing.core.errors import ChannelError

MASK = "***"
# A path segment this long is a token (Feishu puts the hook's credential in the path).
_TOKEN_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]{16,}$")
_PHONE = re.compile(r"^\+?\d{9,15}$")


class ChannelSendError(ChannelError):
    """One send failed; `retryable` says whether the outbox should try again."""

    retryable: bool = False

    def __init__(
        self,
        reason: str,
        *,
        channel: str,
        target: str,
        code: str | int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{channel} to {target}: {reason}")
        self.channel = channel
        self.target = target
        self.reason = reason
        self.code = code
        self.retry_after = retry_after


class ChannelUnavailable(ChannelSendError):
    """A transient failure: try again later with the same idempotency key."""

    retryable = True


class ChannelRejected(ChannelSendError):
    """The receiver refused the message; repeating it would fail the same way."""

    retryable = False


class ChannelMisconfigured(ChannelRejected):
    """The target cannot be used as configured (bad address, missing secret)."""


def redact_url(url: str) -> str:
    """The URL with query values and token-like path segments masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    path = "/".join(MASK if _TOKEN_SEGMENT.match(s) else s for s in parts.path.split("/"))
    query = urlencode([(k, MASK) for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], path, query, ""))


def describe(target: Target) -> str:
    """A one-line label for a target that is safe to log."""
    address = target.address
    if "://" in address:
        address = redact_url(address)
    elif _PHONE.match(address):
        # Phones are personal data: logs keep the usual 138****8000 form.
        address = address[:-8] + "****" + address[-4:]
    return f"{target.recipient} <{address}>" if target.recipient else f"<{address}>"


def secrets_of(target: Target) -> list[str]:
    """Every string that must never be shown: the secret, credentials, URL tokens."""
    found = [target.secret or "", *target.credentials.values()]
    if "://" in target.address:
        parts = urlsplit(target.address)
        found += [v for _, v in parse_qsl(parts.query)]
        found += [s for s in parts.path.split("/") if _TOKEN_SEGMENT.match(s)]
    return [s for s in found if len(s) >= 4]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` on one line, with every secret replaced by a mask."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return " ".join(text.split())[:500]


def fail(
    error: type[ChannelSendError],
    reason: str,
    *,
    channel: str,
    target: Target,
    code: str | int | None = None,
    retry_after: float | None = None,
    extra_secrets: Iterable[str] = (),
) -> NoReturn:
    """Raise `error` for `target`, with secrets scrubbed from `reason`."""
    raise error(
        scrub(reason, [*secrets_of(target), *extra_secrets]),
        channel=channel,
        target=describe(target),
        code=code,
        retry_after=retry_after,
    )
