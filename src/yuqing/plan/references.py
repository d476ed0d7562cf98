"""Checks across sections: unknown or duplicate ids, unreachable routes, impossible deadlines.

Each problem carries the path of the offending value, which `loading.py` turns into a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from yuqing.core.i18n import N_, _, pgettext
from yuqing.plan.base import format_duration
from yuqing.plan.handling import ApprovalStep, Criteria, Recipient
from yuqing.plan.schema import Plan
from yuqing.plan.timing import Deadline, LevelDeadlines

Path = tuple[str | int, ...]

# Pairs (earlier, later) within one level: the earlier limit may not be the longer one.
_ORDER: tuple[tuple[str, str, str], ...] = (
    ("assess_within", "report_within", N_("the assessment comes before the report")),
    ("report_within", "written_report_within", N_("the written report follows the first one")),
    ("report_within", "upward_report_within", N_("the office hears before the bodies above")),
    (
        "report_within",
        "first_answer_within",
        N_("the office hears before the public is answered"),
    ),
    ("first_answer_within", "formal_answer_within", N_("the formal answer follows the first")),
    ("formal_answer_within", "final_answer_within", N_("the final answer follows the formal one")),
)
_TIMED = tuple(name for name in LevelDeadlines.model_fields if name != "progress_reports_at")
_CHANNEL_CONTACT = {"sms": "phone"}


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str


def _duplicates(section: str, ids: Sequence[str], what: str) -> Iterable[Problem]:
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            message = _("duplicate {what} id {item!r}").format(what=what, item=item)
            yield Problem((section, index, "id"), message)
        seen.add(item)


def _unknown(what: str, value: str, known: Iterable[str]) -> str:
    options = ", ".join(sorted(known)) or _("none defined")
    return _("unknown {what} {value!r} (expected one of: {options})").format(
        what=what, value=value, options=options
    )


class _Checker:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.problems: list[Problem] = []
        self.levels = {level.id for level in plan.levels}
        self.people = {person.id for person in plan.people}
        self.units = {unit.id for unit in plan.units}
        self.bodies = {body.id for body in plan.bodies}
        self.domains = {domain.id for domain in plan.sensitive_domains}
        self.roles = set(plan.roles)

    def add(self, path: Path, message: str) -> None:
        self.problems.append(Problem(path, message))

    def ids(self) -> None:
        plan = self.plan
        for section, items, what in (
            ("units", [u.id for u in plan.units], pgettext("plan item", "unit")),
            ("people", [p.id for p in plan.people], pgettext("plan item", "person")),
            ("bodies", [b.id for b in plan.bodies], pgettext("plan item", "body")),
            ("levels", [lv.id for lv in plan.levels], pgettext("plan item", "level")),
            (
                "sensitive_domains",
                [d.id for d in plan.sensitive_domains],
                pgettext("plan item", "sensitive domain"),
            ),
            ("key_dates", [k.id for k in plan.key_dates], pgettext("plan item", "key date")),
            ("stages", [s.id for s in plan.stages], pgettext("plan item", "stage")),
        ):
            self.problems.extend(_duplicates(section, items, what))
        ranks: dict[int, str] = {}
        for index, level in enumerate(plan.levels):
            if level.rank in ranks:
                message = _(
                    "level {level!r} has rank {rank}, already used by {other!r}; "
                    "expected distinct ranks (1 = most severe)"
                ).format(level=level.id, rank=level.rank, other=ranks[level.rank])
                self.add(("levels", index, "rank"), message)
            ranks.setdefault(level.rank, level.id)

    def organization(self) -> None:
        for index, person in enumerate(self.plan.people):
            if person.unit not in self.units:
                self.add(
                    ("people", index, "unit"),
                    _unknown(pgettext("plan item", "unit"), person.unit, self.units),
                )
            for r_index, role in enumerate(person.roles):
                if role not in self.roles:
                    self.add(
                        ("people", index, "roles", r_index),
                        _unknown(pgettext("plan item", "role"), role, self.roles),
                    )
        for index, unit in enumerate(self.plan.units):
            for m_index, member in enumerate(unit.members):
                if member not in self.people:
                    self.add(
                        ("units", index, "members", m_index),
                        _unknown(pgettext("plan item", "person"), member, self.people),
                    )

    def per_level(self) -> None:
        plan = self.plan
        for section in ("grading", "deadlines", "approvals", "routes"):
            given: dict[str, object] = getattr(plan, section)
            for level_id in given:
                if level_id not in self.levels:
                    self.add(
                        (section, level_id),
                        _unknown(pgettext("plan item", "level"), level_id, self.levels),
                    )
            for level in plan.levels:
                if level.id not in given:
                    message = _("level {level!r} has no entry in {section}").format(
                        level=level.id, section=section
                    )
                    self.add((section,), message)
        for level_id, criteria in plan.grading.items():
            self._criteria_domains(("grading", level_id), criteria)
        for k_index, key_date in enumerate(plan.key_dates):
            for index, level_id in enumerate(key_date.levels):
                if level_id not in self.levels:
                    self.add(
                        ("key_dates", k_index, "levels", index),
                        _unknown(pgettext("plan item", "level"), level_id, self.levels),
                    )
            if key_date.heightened_duty and not plan.duty.heightened:
                self.add(
                    ("key_dates", k_index, "heightened_duty"),
                    _("this key date raises duty but duty.heightened lists no shifts"),
                )

    def _criteria_domains(self, path: Path, criteria: Criteria) -> None:
        """Check the sensitive domains a level's tests name, in its `any_of` groups too."""
        for index, domain in enumerate(criteria.domains):
            if domain not in self.domains:
                self.add(
                    (*path, "domains", index),
                    _unknown(pgettext("plan item", "sensitive domain"), domain, self.domains),
                )
        for index, group in enumerate(criteria.any_of):
            self._criteria_domains((*path, "any_of", index), group)

    def _target(self, path: Path, target: Recipient | ApprovalStep) -> list[str]:
        """Check a person / role / unit reference; return the people it reaches."""
        if target.person is not None:
            if target.person not in self.people:
                self.add(
                    (*path, "person"),
                    _unknown(pgettext("plan item", "person"), target.person, self.people),
                )
                return []
            return [target.person]
        if target.unit is not None and target.unit not in self.units:
            self.add(
                (*path, "unit"), _unknown(pgettext("plan item", "unit"), target.unit, self.units)
            )
            return []
        if target.role is None:
            return [p.id for p in self.plan.people_in_unit(target.unit or "")]
        if target.role not in self.roles:
            self.add(
                (*path, "role"), _unknown(pgettext("plan item", "role"), target.role, self.roles)
            )
            return []
        reached = [p.id for p in self.plan.people_with_role(target.role, target.unit)]
        if not reached:
            message = (
                _("nobody holds role {role!r} in unit {unit!r}")
                if target.unit
                else _("nobody holds role {role!r}")
            ).format(role=target.role, unit=target.unit)
            self.add((*path, "role"), message)
        return reached

    def approvals_and_routes(self) -> None:
        plan = self.plan
        for level_id, steps in plan.approvals.items():
            for index, step in enumerate(steps):
                self._target(("approvals", level_id, index), step)
        most_severe = plan.levels_by_severity()[0].id if plan.levels else None
        for level_id, route in plan.routes.items():
            reached: set[str] = set()
            for index, recipient in enumerate(route.recipients):
                reached.update(self._target(("routes", level_id, "recipients", index), recipient))
            for index, recipient in enumerate(route.escalate_to):
                self._target(("routes", level_id, "escalate_to", index), recipient)
            for index, body in enumerate(route.upward):
                if body not in self.bodies:
                    self.add(
                        ("routes", level_id, "upward", index),
                        _unknown(pgettext("plan item", "body"), body, self.bodies),
                    )
            if route.quiet_hours is not None and level_id == most_severe:
                self.add(
                    ("routes", level_id, "quiet_hours"),
                    _("quiet hours never apply to the most severe level {level!r}").format(
                        level=level_id
                    ),
                )
            units = {r.unit for r in route.recipients if r.unit and not r.role}
            contacts = [plan.person(p).contacts for p in reached]
            contacts += [u.contacts for u in plan.units if u.id in units]
            for index, channel in enumerate(route.channels):
                field = _CHANNEL_CONTACT.get(channel, channel)
                if contacts and not any(getattr(c, field) for c in contacts):
                    self.add(
                        ("routes", level_id, "channels", index),
                        _(
                            "no recipient of level {level!r} has a {field} contact "
                            "for channel {channel!r}"
                        ).format(level=level_id, field=field, channel=channel),
                    )

    def duty(self) -> None:
        for section in ("shifts", "heightened"):
            for s_index, shift in enumerate(getattr(self.plan.duty, section)):
                for index, person in enumerate(shift.people):
                    if person not in self.people:
                        self.add(
                            ("duty", section, s_index, "people", index),
                            _unknown(pgettext("plan item", "person"), person, self.people),
                        )

    def deadlines(self) -> None:
        plan = self.plan
        for level_id, limits in plan.deadlines.items():
            for earlier, later, why in _ORDER:
                first: Deadline | None = getattr(limits, earlier)
                second: Deadline | None = getattr(limits, later)
                if first and second and first.nominal() > second.nominal():
                    self.add(
                        ("deadlines", level_id, later),
                        _(
                            "impossible deadline: {later} ({later_time}) is shorter than "
                            "{earlier} ({earlier_time}); {why}"
                        ).format(
                            later=later,
                            later_time=format_duration(second.nominal()),
                            earlier=earlier,
                            earlier_time=format_duration(first.nominal()),
                            why=_(why),
                        ),
                    )
        ordered = [lv.id for lv in plan.levels_by_severity() if lv.id in plan.deadlines]
        for field in _TIMED:
            for severe, milder in pairwise(ordered):
                a: Deadline | None = getattr(plan.deadlines[severe], field)
                b: Deadline | None = getattr(plan.deadlines[milder], field)
                if a and b and a.nominal() > b.nominal():
                    self.add(
                        ("deadlines", severe, field),
                        _(
                            "impossible deadline: level {severe!r} allows {severe_time} for "
                            "{field}, more than the milder level {milder!r} ({milder_time})"
                        ).format(
                            severe=severe,
                            severe_time=format_duration(a.nominal()),
                            field=field,
                            milder=milder,
                            milder_time=format_duration(b.nominal()),
                        ),
                    )


def _response(checker: _Checker) -> None:
    """`response.reports`: known levels, and only kinds whose deadline the level sets."""
    from yuqing.plan.response import REPORT_DEADLINES

    plan = checker.plan
    for level_id, kinds in plan.response.reports.items():
        if level_id not in checker.levels:
            checker.add(
                ("response", "reports", level_id),
                _unknown(pgettext("plan item", "level"), level_id, checker.levels),
            )
            continue
        limits = plan.deadlines.get(level_id)
        for index, kind in enumerate(kinds):
            if kind == "closing":
                continue  # counted from the end of the response, which has no deadline here
            if limits is None or not getattr(limits, REPORT_DEADLINES[kind]):
                checker.add(
                    ("response", "reports", level_id, index),
                    _("report kind {kind!r} needs deadlines.{level}.{field}").format(
                        kind=kind, level=level_id, field=REPORT_DEADLINES[kind]
                    ),
                )


def _report_schedules(checker: _Checker) -> None:
    """`report_schedules`: distinct ids, and recipients the plan knows who reach someone."""
    schedules = checker.plan.report_schedules
    checker.problems.extend(
        _duplicates(
            "report_schedules", [s.id for s in schedules], pgettext("plan item", "report schedule")
        )
    )
    for index, schedule in enumerate(schedules):
        for r_index, recipient in enumerate(schedule.recipients):
            checker._target(("report_schedules", index, "recipients", r_index), recipient)


def check_references(plan: Plan) -> list[Problem]:
    """Every cross-section problem of a plan whose sections each validated."""
    checker = _Checker(plan)
    checker.ids()
    checker.organization()
    checker.per_level()
    checker.approvals_and_routes()
    checker.duty()
    checker.deadlines()
    _response(checker)
    _report_schedules(checker)
    return checker.problems
