"""Plan versions: load (validated first), the active one, history, diffs, review reminders.

A plan that does not validate changes nothing: the active version stays in force until a
valid one replaces it.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.plan.loading import PlanInvalid, PlanProblem, load_plan_text
from yuqing.plan.models import PlanVersion
from yuqing.plan.review import next_review_due, review_reminder_due
from yuqing.plan.schema import Plan


def load(
    *,
    session: Session,
    clock: Clock,
    author: str,
    path: str | Path | None = None,
    text: str | None = None,
    source_name: str | None = None,
) -> PlanVersion:
    """Validate a plan and make it the active version; the same text as the active one
    is not stored twice. Raises PlanInvalid (nothing changes) when it does not validate."""
    if (path is None) == (text is None):
        raise InvalidInput(_("give either a path or a text"))
    if path is not None:
        name = source_name or str(path)
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except OSError as exc:
            message = _("cannot read: {error}").format(error=exc.strerror or exc)
            raise PlanInvalid([PlanProblem(1, message, name)]) from None
        except UnicodeDecodeError:
            raise PlanInvalid([PlanProblem(1, _("not UTF-8 text"), name)]) from None
    else:
        name = source_name or "plan.yaml"
    assert text is not None
    plan = load_plan_text(text, file=name)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    active = get_active(session=session)
    if active is not None and active.sha256 == digest:
        return active
    number = (session.scalar(select(func.max(PlanVersion.version))) or 0) + 1
    session.execute(update(PlanVersion).where(PlanVersion.active).values(active=False))
    version = PlanVersion(
        version=number,
        organization=plan.organization.name,
        author=author,
        loaded_at=clock.now(),
        sha256=digest,
        source_name=name,
        yaml_text=text,
        active=True,
    )
    session.add(version)
    session.flush()
    return version


def get_active(*, session: Session) -> PlanVersion | None:
    """The version in force, if any plan was ever loaded."""
    return session.scalar(select(PlanVersion).where(PlanVersion.active))


def active_key(*, session: Session) -> tuple[int, str] | None:
    """The active version's number and digest (a cheap read: not its text)."""
    row = session.execute(
        select(PlanVersion.version, PlanVersion.sha256).where(PlanVersion.active)
    ).first()
    return None if row is None else (row[0], row[1])


def get_active_plan(*, session: Session) -> Plan | None:
    """The plan in force, parsed: once parsed, read by its number and digest only (most
    pages and every worker tick ask; the whole row carries the YAML text)."""
    key = active_key(session=session)
    if key is None:
        return None
    plan = _PARSED.get(key)
    if plan is not None:
        return plan
    version = get_active(session=session)
    return None if version is None else parse(version)


def plan_of_version(*, session: Session, version: int) -> Plan:
    """Stored version `version`'s plan, parsed (read by its digest once parsed)."""
    digest = session.scalar(select(PlanVersion.sha256).where(PlanVersion.version == version))
    plan = _PARSED.get((version, digest)) if digest is not None else None
    return plan if plan is not None else parse(get_or_raise(session=session, version=version))


def get(*, session: Session, version: int) -> PlanVersion | None:
    return session.scalar(select(PlanVersion).where(PlanVersion.version == version))


def get_or_raise(*, session: Session, version: int) -> PlanVersion:
    found = get(session=session, version=version)
    if found is None:
        raise NotFound(_("no plan version {version}").format(version=version))
    return found


def get_all_versions(*, session: Session) -> list[PlanVersion]:
    """Every stored version, oldest first."""
    return list(session.scalars(select(PlanVersion).order_by(PlanVersion.version)))


# Parsed plans by (version, sha256 of its text). Parsing the YAML takes 0.1-0.2 s and
# every page reads the plan; a stored version never changes and `Plan` is frozen, so one
# parse per version and process serves them all.
_PARSED: dict[tuple[int, str], Plan] = {}
_PARSED_KEPT = 8


def parse(version: PlanVersion) -> Plan:
    """A stored version's plan (it validated when it was loaded)."""
    key = (version.version, version.sha256)
    plan = _PARSED.get(key)
    if plan is None:
        plan = load_plan_text(version.yaml_text, file=f"plan v{version.version}")
        if len(_PARSED) >= _PARSED_KEPT:
            _PARSED.clear()
        _PARSED[key] = plan
    return plan


def diff(old: PlanVersion, new: PlanVersion) -> str:
    """A unified diff of the two versions' YAML text, headed with who loaded each, when."""
    lines = difflib.unified_diff(
        old.yaml_text.splitlines(keepends=True),
        new.yaml_text.splitlines(keepends=True),
        fromfile=f"v{old.version} ({old.author}, {old.loaded_at.isoformat()})",
        tofile=f"v{new.version} ({new.author}, {new.loaded_at.isoformat()})",
    )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return text


@dataclass(frozen=True)
class ReviewStatus:
    version: int
    organization: str
    due: datetime  # aware UTC, start of the due day in the plan's zone
    remind: bool  # within the reminder window, or overdue
    overdue: bool


def review_due(*, session: Session, clock: Clock) -> ReviewStatus | None:
    """Where the active plan stands with its periodic review; None without a plan."""
    version = get_active(session=session)
    if version is None:
        return None
    plan = parse(version)
    now = clock.now()
    due = next_review_due(plan, version.loaded_at)
    return ReviewStatus(
        version=version.version,
        organization=version.organization,
        due=due,
        remind=review_reminder_due(plan, version.loaded_at, now),
        overdue=now >= due,
    )
