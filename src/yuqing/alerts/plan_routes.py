"""The plan's routes as the outbox needs them: recipients on channels, escalation, quiet.

Channel addresses: e-mail and SMS go to each person; group robots (WeCom, DingTalk,
Feishu) and webhooks go to the robot of the person's unit (or the person's own, when the
plan gives one), so a unit's group gets one message however many of its people are named.
Upward reporting bodies get the alert on every channel they list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from yuqing.alerts.routing import QuietHours, Recipient, RoutePlan
from yuqing.plan import handling
from yuqing.plan.keydates import on_duty
from yuqing.plan.org import Contacts, Person
from yuqing.plan.schema import Plan

ROBOTS = ("wecom", "dingtalk", "feishu", "webhook")
DEFAULT_ACK = timedelta(minutes=30)


def _people(plan: Plan, recipients: list[handling.Recipient]) -> list[Person]:
    found: dict[str, Person] = {}
    for r in recipients:
        if r.person:
            found[r.person] = plan.person(r.person)
        elif r.role:
            for p in plan.people_with_role(r.role, r.unit):
                found[p.id] = p
        elif r.unit:
            for p in plan.people_in_unit(r.unit):
                found[p.id] = p
    return list(found.values())


def _address(contacts: Contacts, channel: str) -> str | None:
    if channel == "sms":
        return contacts.phone
    value: str | None = getattr(contacts, channel, None)
    if channel in ROBOTS and value and not value.startswith(("http://", "https://")):
        return None  # a user id in the robot's app, not a robot address
    return value


def _recipients(plan: Plan, people: list[Person], channels: Sequence[str]) -> list[Recipient]:
    units = {u.id: u for u in plan.units}
    out: list[Recipient] = []
    for person in people:
        for channel in channels:
            address = _address(person.contacts, channel)
            owner, name = person.id, person.name
            if address is None and channel in ROBOTS and person.unit in units:
                unit = units[person.unit]
                address, owner, name = _address(unit.contacts, channel), unit.id, unit.name
            if address:
                out.append(Recipient(id=owner, name=name, channel=channel, address=address))
    return out


def reach(
    plan: Plan, recipients: list[handling.Recipient], channels: Sequence[str]
) -> list[Recipient]:
    """The plan's people, roles and units on `channels`, as the routes address them."""
    return _recipients(plan, _people(plan, recipients), channels)


def route_for(plan: Plan, level_id: str, at: datetime | None = None) -> RoutePlan | None:
    """The outbox's route for alerts of `level_id`, or None when the plan routes none.

    With `at`, the people on duty then (24-hour duty, heightened on key dates) are added
    to the route's recipients: an alert reaches whoever is on watch (P3).
    """
    route = plan.routes.get(level_id)
    if route is None:
        return None
    channels: list[str] = list(route.channels)
    people = _people(plan, route.recipients)
    if at is not None:
        named = {p.id for p in people}
        people += [plan.person(pid) for pid in on_duty(plan, at) if pid not in named]
    recipients = _recipients(plan, people, channels)
    bodies = {b.id: b for b in plan.bodies}
    for body_id in route.upward:
        body = bodies[body_id]
        for channel in channels:
            address = _address(body.contacts, channel)
            if address:
                recipients.append(Recipient(body.id, body.name, channel, address))
    escalation = []
    if route.escalate_to:
        escalation.append(_recipients(plan, _people(plan, route.escalate_to), channels))
    quiet = None
    if route.quiet_hours is not None:
        quiet = QuietHours(
            route.quiet_hours.start, route.quiet_hours.end, plan.organization.timezone
        )
    return RoutePlan(
        recipients=recipients,
        ack_within=route.ack_within or DEFAULT_ACK,
        remind_every=min(route.ack_within or DEFAULT_ACK, timedelta(minutes=30)),
        escalation=escalation,
        quiet=quiet,
    )


def route_people_with_roles(
    plan: Plan, level_id: str, roles: frozenset[str] | set[str]
) -> list[Recipient]:
    """Those of `level_id`'s route who hold one of `roles`, on the route's channels (a
    proposed level goes to who may confirm it). When the route names none of them, every
    person of the plan holding such a role: someone must hear of it. [] when the plan
    routes no alert of that level."""
    route = plan.routes.get(level_id)
    if route is None:
        return []
    people = [p for p in _people(plan, route.recipients) if roles & set(p.roles)]
    if not people:
        people = [p for p in plan.people if roles & set(p.roles)]
    return _recipients(plan, people, list(route.channels))
