"""Raising, listing and acknowledging alerts; reminders and escalation when nobody does.

Every function flushes and leaves the commit to its caller, so alert and delivery rows
are committed with the change that caused them (the transactional outbox).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Alert, Delivery
from yuqing.alerts.routing import Recipient, RoutePlan
from yuqing.auth.models import User
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, NotFound
from yuqing.core.i18n import _
from yuqing.core.ids import digest, new_token


def _deliveries(
    session: Session,
    alert: Alert,
    recipients: Sequence[Recipient],
    *,
    purpose: str,
    round_no: int,
    not_before: datetime,
) -> int:
    """One delivery per recipient and channel; the key makes each one recognisable. A
    recipient who is a user (a plan person's id is their account's name) gets the
    message in their language; the others in the deployment's."""
    languages = _languages(session, {r.id for r in recipients})
    seen: set[tuple[str, str]] = set()
    for r in recipients:
        if (r.channel, r.address) in seen:
            continue  # the same inbox reached through two roles gets one message
        seen.add((r.channel, r.address))
        key = digest(str(alert.id), purpose, str(round_no), r.channel, r.address, length=40)
        session.add(
            Delivery(
                alert_id=alert.id,
                purpose=purpose,
                recipient=r.id,
                channel=r.channel,
                address=r.address,
                language=languages.get(r.id),
                idempotency_key=key,
                status="pending",
                attempts=0,
                not_before=not_before,
            )
        )
    session.flush()
    return len(seen)


def _languages(session: Session, names: set[str]) -> dict[str, str]:
    """The language setting of each of `names` that is a user's name."""
    if not names:
        return {}
    rows = session.execute(select(User.name, User.language).where(User.name.in_(names)))
    return {name: language for name, language in rows if language}


def recipient_language(*, session: Session, alert: Alert, delivery_id: int | None) -> str | None:
    """The language to show `alert` in to whoever its delivery `delivery_id` went to: the
    account's setting now when the recipient is a user (they may have changed it since),
    else the language the message went out in; None (the deployment's) when the link
    names no delivery of this alert."""
    if delivery_id is None:
        return None
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.alert_id != alert.id:
        return None  # another alert's delivery: its recipient is nobody to this link
    setting = session.scalar(select(User.language).where(User.name == delivery.recipient))
    return setting or delivery.language


def add_deliveries(
    session: Session,
    alert: Alert,
    recipients: Sequence[Recipient],
    *,
    purpose: str,
    round_no: int,
    not_before: datetime,
) -> int:
    """Messages about `alert` (an incident's deadline reminders) through the outbox."""
    return _deliveries(
        session, alert, recipients, purpose=purpose, round_no=round_no, not_before=not_before
    )


def add_notice(
    session: Session,
    recipients: Sequence[Recipient],
    *,
    subject: str,
    body: str,
    purpose: str,
    key: str,
    not_before: datetime,
) -> int:
    """A message that is no alert's (the risk register's monthly reminder) through the
    outbox, in its own words: one delivery per recipient and channel. `key` names the
    notice (`risk:12:2026-12`), so each delivery's idempotency key is its own."""
    languages = _languages(session, {r.id for r in recipients})
    seen: set[tuple[str, str]] = set()
    for r in recipients:
        if (r.channel, r.address) in seen:
            continue  # the same inbox reached through two people gets one message
        seen.add((r.channel, r.address))
        session.add(
            Delivery(
                alert_id=None,
                subject=subject,
                body=body,
                purpose=purpose,
                recipient=r.id,
                channel=r.channel,
                address=r.address,
                language=languages.get(r.id),
                idempotency_key=digest("notice", key, r.channel, r.address, length=40),
                status="pending",
                attempts=0,
                not_before=not_before,
            )
        )
    session.flush()
    return len(seen)


def raise_alert(
    *,
    session: Session,
    clock: Clock,
    event_id: str,
    level: str,
    level_rank: int,
    title: str,
    text: str,
    route: RoutePlan,
    texts: Mapping[str, tuple[str, str]] | None = None,
) -> Alert | None:
    """An alert for `event_id` at `level`, with its deliveries; None if one exists already.

    No storms: an event gets one alert per level; only a rise makes a new one. Quiet hours
    delay deliveries of low levels; the most severe level (rank 1) is never delayed.
    `texts` holds the message in each language (its recipients get theirs); `title` and
    `text` are the deployment language's.
    """
    existing = session.scalar(
        select(Alert.id).where(Alert.event_id == event_id, Alert.level_rank <= level_rank)
    )
    if existing is not None:
        return None
    now = clock.now()
    alert = Alert(
        event_id=event_id, level=level, level_rank=level_rank, title=title, text=text,
        texts={lang: list(pair) for lang, pair in (texts or {}).items()} or None,
        created_at=now, ack_token=new_token(24),
        ack_due_at=now + route.ack_within if route.ack_within else None,
        reminders=0, escalation_step=0,
        next_check_at=now + route.ack_within if route.ack_within else None,
    )  # fmt: skip
    session.add(alert)
    session.flush()
    release = now if route.quiet is None or level_rank == 1 else route.quiet.release(now)
    _deliveries(session, alert, route.recipients, purpose="alert", round_no=0, not_before=release)
    return alert


def get_all(*, session: Session, open_only: bool = False, limit: int = 100) -> Sequence[Alert]:
    stmt = select(Alert).order_by(Alert.created_at.desc()).limit(limit)
    if open_only:
        stmt = stmt.where(Alert.acknowledged_at.is_(None))
    return session.scalars(stmt).all()


def first_alert_times(*, session: Session) -> dict[str, datetime]:
    """When each event was first alerted on, by event id."""
    firsts = select(Alert.event_id, func.min(Alert.created_at)).group_by(Alert.event_id)
    return {row[0]: row[1] for row in session.execute(firsts)}


def get_or_raise(*, session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(_("no alert {alert_id}").format(alert_id=alert_id))
    return alert


def acknowledge(
    *,
    session: Session,
    clock: Clock,
    by: str,
    alert_id: int | None = None,
    token: str | None = None,
    actor: str | None = None,
) -> Alert:
    """Record who acknowledged an alert (by id in the UI/CLI, or by the link's token).

    The audit trail names `actor` (who is signed in or holds the token), else `by`.
    """
    if token is not None:
        alert = session.scalar(select(Alert).where(Alert.ack_token == token))
        if alert is None:
            raise NotFound(_("no alert for this acknowledgement link"))
    elif alert_id is not None:
        alert = get_or_raise(session=session, alert_id=alert_id)
    else:
        raise NotFound(_("an alert id or token is needed"))
    if alert.acknowledged_at is not None:
        raise Conflict(
            _("alert {alert_id} was acknowledged by {by} already").format(
                alert_id=alert.id, by=alert.acknowledged_by
            )
        )
    alert.acknowledged_at, alert.acknowledged_by = clock.now(), by
    alert.next_check_at = None
    session.flush()
    # Imported here: the pipeline imports this module, and needs no accounts to run.
    from yuqing.auth import service as audit

    audit.record(
        session=session,
        clock=clock,
        actor=actor or by,
        action="alert.acknowledged",
        target=f"alert:{alert.id}",
        before={"acknowledged": False},
        after={"acknowledged": True, "by": by, "level": alert.level, "event": alert.event_id},
    )
    return alert


RouteFor = Callable[[Alert], RoutePlan | None]


def run_reminders(*, session: Session, clock: Clock, route_for: RouteFor) -> list[int]:
    """Remind, then escalate up the chain, for alerts nobody acknowledged in time."""
    now = clock.now()
    due = session.scalars(
        select(Alert).where(Alert.acknowledged_at.is_(None), Alert.next_check_at <= now)
    ).all()
    touched: list[int] = []
    for alert in due:
        route = route_for(alert)
        if route is None:
            alert.next_check_at = None
            continue
        chain_done = alert.escalation_step >= len(route.escalation)
        if alert.reminders < route.reminders_before_escalation or chain_done:
            # Remind everyone reached so far (at the top of the chain: keep reminding).
            alert.reminders += 1
            reached = route.recipients + [
                r for step in route.escalation[: alert.escalation_step] for r in step
            ]
            _deliveries(
                session,
                alert,
                reached,
                purpose="reminder",
                round_no=100 * alert.escalation_step + alert.reminders,
                not_before=now,
            )
        else:
            step = route.escalation[alert.escalation_step]
            alert.escalation_step += 1
            alert.reminders = 0
            _deliveries(
                session,
                alert,
                step,
                purpose="escalation",
                round_no=alert.escalation_step,
                not_before=now,
            )
        alert.next_check_at = now + reminder_gap(route, alert, chain_done=chain_done)
        touched.append(alert.id)
    session.flush()
    return touched


# The longest gap between two reminders of an alert nobody acknowledges.
MAX_REMINDER_GAP = timedelta(hours=8)


def reminder_gap(route: RoutePlan, alert: Alert, *, chain_done: bool) -> timedelta:
    """How long until the next look at an unacknowledged alert: the route's `remind_every`
    up the escalation chain; at its top, twice as long after each further reminder, up to
    `MAX_REMINDER_GAP`. Everyone who can act has been told several times by then: an
    unbounded reminder every 30 minutes sent one person 158 messages over the demo's two
    days, and a robot that repeats itself that often gets muted."""
    if not chain_done:
        return route.remind_every
    doublings = min(16, max(0, alert.reminders - route.reminders_before_escalation))
    gap: timedelta = min(route.remind_every * (1 << doublings), MAX_REMINDER_GAP)
    return max(route.remind_every, gap)
