"""Scenario files: JSON Lines, one post a line with `offset_s`, checked whole up front.

A post is checked as a post from any source is (`monitor.normalize.parse_post`), so a
scenario that passes here is one the pipeline takes; its `published_at` is set by the
replay (`start + offset_s`). An optional first line `{"scenario": {"title": …,
"description": …}}` names it. Every problem is one line naming the line and the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.settings import DEFAULT_MAX_POST_BYTES
from yuqing.demo.replay import ScenarioPost
from yuqing.monitor.normalize import parse_post

BUNDLED = "bundled"  # the demo's scenario, the default
MAX_OFFSET_S = 366 * 24 * 3600  # a scenario of more than a year is a typo
MAX_ERRORS = 20  # lines of errors said at most; the count of the rest after them
BUNDLED_TITLE = "明德一中食堂事件（演示剧本）"  # the demo's story: a school canteen
_CHECK_TIME = datetime(2026, 1, 1, tzinfo=UTC)  # any time: the replay dates each post


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: its posts in the order they appear."""

    title: str
    description: str
    posts: list[ScenarioPost] = field(default_factory=list)
    source: str = BUNDLED  # the file it came from


def bundled_text() -> str:
    return resources.files("yuqing.demo").joinpath("scenario.jsonl").read_text("utf-8")


def read_scenario(path: Path | None) -> Scenario:
    """The scenario in `path` (the bundled one when None); InvalidInput lists each problem."""
    if path is None:
        scenario = parse_scenario(bundled_text(), name=BUNDLED)
        return replace(scenario, title=BUNDLED_TITLE)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        message = _("{path}: cannot read the scenario: {error}")
        raise InvalidInput(message.format(path=path, error=exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise InvalidInput(_("{path}: the scenario is not UTF-8 text").format(path=path)) from None
    return parse_scenario(text, name=str(path))


def _offset(obj: dict[str, Any]) -> tuple[timedelta | None, str | None]:
    raw = obj.pop("offset_s", None)
    if raw is None:
        return None, _("field 'offset_s' is missing (seconds after the start)")
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return None, _("field 'offset_s' must be a number of seconds, not {value!r}").format(
            value=raw
        )
    if not 0 <= raw <= MAX_OFFSET_S:
        message = _("field 'offset_s' must be from 0 to {most}, not {value}")
        return None, message.format(most=MAX_OFFSET_S, value=raw)
    return timedelta(seconds=raw), None


def _header(obj: dict[str, Any]) -> tuple[str, str, str | None]:
    head = obj["scenario"]
    if not isinstance(head, dict) or set(obj) != {"scenario"}:
        return "", "", _("field 'scenario' must be the only field, an object")
    values = []
    for key in ("title", "description"):
        value = head.get(key, "")
        if not isinstance(value, str) or len(value) > 2000:
            message = _("field 'scenario.{key}' must be a text of at most 2000 characters")
            return "", "", message.format(key=key)
        values.append(value.strip())
    return values[0], values[1], None


def parse_scenario(text: str, *, name: str) -> Scenario:
    """Every line checked; InvalidInput with one line per problem (`NAME:LINE: …`)."""
    title = description = ""
    posts: list[ScenarioPost] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        problem = None
        try:
            obj = json.loads(line)
        except ValueError as exc:
            obj, problem = None, _("not JSON: {error}").format(error=exc)
        if obj is not None and not isinstance(obj, dict):
            problem = _("a line must be a JSON object, not {type}").format(type=type(obj).__name__)
        elif isinstance(obj, dict) and "scenario" in obj:
            if posts or title or description:
                problem = _("field 'scenario' may only be on the first line")
            else:
                title, description, problem = _header(obj)
        elif isinstance(obj, dict):
            offset, problem = _offset(obj)
            if problem is None:
                try:
                    parse_post(obj, received_at=_CHECK_TIME, max_post_bytes=DEFAULT_MAX_POST_BYTES)
                except InvalidInput as exc:
                    problem = exc.message
            if problem is None and offset is not None:
                obj.pop("published_at", None)  # the replay dates it
                posts.append(ScenarioPost(offset, obj))
        if problem is not None:
            problems.append(f"{name}:{number}: {problem}")
    if not posts and not problems:
        problems.append(_("{name}: the scenario has no posts").format(name=name))
    if problems:
        shown = problems[:MAX_ERRORS]
        if len(problems) > MAX_ERRORS:
            more = _("… and {n} more problems").format(n=len(problems) - MAX_ERRORS)
            shown.append(more)
        raise InvalidInput("\n".join(shown))
    posts.sort(key=lambda p: p.offset)
    return Scenario(title=title, description=description, posts=posts, source=name)
