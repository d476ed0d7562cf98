"""What one delivery attempt keeps, for alerts and scheduled reports alike: whether it
worked, whether a failure may pass, the far end's response code where it gave one, and
a one-line detail with the target's tokens masked (shown on pages; never a secret)."""

from __future__ import annotations

from dataclasses import dataclass

from yuqing.alerts.channels.base import Target
from yuqing.alerts.channels.errors import redact_url, scrub, secrets_of
from yuqing.core.errors import ChannelError
from yuqing.core.i18n import N_, _
from yuqing.plan.schema import Plan

CODE_LENGTH = 32  # the column's width: SMTP replies, HTTP statuses and errcodes are short


@dataclass(frozen=True)
class Attempt:
    ok: bool
    retryable: bool
    code: str | None
    detail: str


def one_line(text: str, *, channel: str, address: str) -> str:
    """`text` on one line (at most 500 characters), tokens of the address masked.

    Channel errors are scrubbed where they are raised; this also covers the unexpected
    ones (a bug's message may quote a webhook URL with its access token)."""
    return scrub(text, secrets_of(Target(kind=channel, address=address)))


def _code(value: object) -> str | None:
    return None if value is None else str(value)[:CODE_LENGTH]


def succeeded(*, detail: str, code: str | None, channel: str, address: str) -> Attempt:
    return Attempt(True, False, _code(code), one_line(detail, channel=channel, address=address))


def failed(error: ChannelError, *, channel: str, address: str) -> Attempt:
    """A failure: `code` is what the channel error carries (ChannelSendError.code)."""
    return Attempt(
        False,
        error.retryable,
        _code(getattr(error, "code", None)),
        one_line(error.message, channel=channel, address=address),
    )


OUTCOMES = {
    (True, False): N_("delivered"),
    (False, True): N_("failed, to be tried again"),
    (False, False): N_("failed, not to be tried again"),
}


def outcome_label(ok: bool, retryable: bool) -> str:
    """An attempt's outcome as people read it (pages of alerts and of reports)."""
    return _(OUTCOMES[(ok, retryable and not ok)])


def shown_address(address: str) -> str:
    """A delivery's address as pages show it: a robot's URL without its access token."""
    return redact_url(address) if "://" in address else address


DELIVERY_STATUSES = {
    "pending": N_("waiting"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "failed": N_("failed, to be tried again"),
    "dead": N_("given up"),
}


# The channels of the plan's routes and report schedules (plan/handling.py `Channel`).
CHANNELS = {
    "email": N_("email"),
    "wecom": N_("WeCom"),
    "dingtalk": N_("DingTalk"),
    "feishu": N_("Feishu"),
    "webhook": N_("webhook"),
    "sms": N_("text message"),
}


def channel_name(channel: str) -> str:
    """A delivery's channel as people say it (`wecom` → 企业微信); an unknown one as stored."""
    return _(CHANNELS[channel]) if channel in CHANNELS else channel


def recipient_names(plan: Plan | None) -> dict[str, str]:
    """The names of those a plan's routes deliver to, by the ids deliveries keep: people,
    units (their robots) and upward bodies."""
    if plan is None:
        return {}
    return {
        **{body.id: body.name for body in plan.bodies},
        **{unit.id: unit.name for unit in plan.units},
        **{person.id: person.name for person in plan.people},
    }


def delivery_status(status: str) -> str:
    """A delivery's state in the outbox as people read it."""
    return _(DELIVERY_STATUSES[status]) if status in DELIVERY_STATUSES else status
