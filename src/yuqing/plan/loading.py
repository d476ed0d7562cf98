"""Read a plan file: YAML (with line numbers) -> checks -> `Plan`, or every problem found.

Each problem reads `FILE:LINE: message` (CONTRACTS, `yuqing plan check`). Three passes, each
reporting all it finds: YAML syntax and duplicate keys, the models' own checks, then the
checks across sections in `references.py`.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from yuqing.core.errors import PlanError
from yuqing.core.i18n import _
from yuqing.core.yamlguard import alias_problem, duplicate_keys, error_problem, nesting_problem
from yuqing.plan.references import Path as DataPath
from yuqing.plan.references import check_references
from yuqing.plan.schema import Plan


@dataclass(frozen=True, order=True)
class PlanProblem:
    line: int
    message: str
    file: str = "plan.yaml"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PlanInvalid(PlanError):
    """A plan refused with all its problems; `str()` gives one `FILE:LINE: message` a line."""

    def __init__(self, problems: Sequence[PlanProblem]) -> None:
        first = problems[0]
        super().__init__(first.message, where=f"{first.file}:{first.line}")
        self.problems = list(problems)
        self.message = "\n".join(str(p) for p in problems)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")  # round-trip: keeps `.lc` line numbers on maps and lists
    yaml.allow_duplicate_keys = True  # found and reported by `_duplicate_keys`, all of them
    return yaml


def _plain(value: Any) -> Any:
    """ruamel's round-trip scalars and containers as plain Python for pydantic."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool | None):
        return value
    if type(value).__name__ == "ScalarBoolean":
        return bool(value)
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def _line(data: Any, path: DataPath) -> int:
    """The line of the deepest YAML node `path` reaches (1-based)."""
    line, node = 1, data
    for part in path:
        if isinstance(node, CommentedMap) and part in node:
            line, node = node.lc.key(part)[0] + 1, node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.lc.item(part)[0] + 1, node[part]
        # Other parts (pydantic's union tags, '[key]') have no node: skip them.
    return line


def _dotted(path: Sequence[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _unwrap(tp: Any) -> Any:
    if get_origin(tp) is Annotated:
        return _unwrap(get_args(tp)[0])
    if get_origin(tp) in (Union, types.UnionType):
        models = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if len(models) == 1 else tp
    return tp


def _model_at(path: Sequence[Any]) -> type[BaseModel] | None:
    """The model that `path` lands on, to list the keys it expects."""
    tp: Any = Plan
    for part in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is list and isinstance(part, int):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict and isinstance(part, str):
            tp = get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _describe(error: Any) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    where = _dotted(loc[:-1]) if kind in ("missing", "extra_forbidden") else _dotted(loc)
    prefix = f"{where}: " if where else ""
    if kind == "missing":
        return prefix + _("missing required key {key!r}").format(key=loc[-1])
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        if model is None:
            return prefix + _("unknown key {key!r}").format(key=loc[-1])
        return prefix + _("unknown key {key!r} (expected one of: {keys})").format(
            key=loc[-1], keys=", ".join(model.model_fields)
        )
    # pydantic's own messages stay as pydantic words them (English); ours are translated
    # where they are raised.
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if kind != "value_error" and isinstance(value, str | int | float) and len(str(value)) < 60:
        message = _("{message}, got {value!r}").format(message=message, value=value)
    return prefix + message


def parse_plan(text: str, *, file: str = "plan.yaml") -> tuple[Plan | None, list[PlanProblem]]:
    """Check a plan's text; the plan when it is valid, and every problem found."""
    yaml = _yaml()
    deep = nesting_problem(text)
    if deep is not None:
        return None, [PlanProblem(deep.line, deep.message, file)]
    try:
        root = yaml.compose(text)
        bomb = alias_problem(root)
        if bomb is not None:
            return None, [PlanProblem(bomb.line, bomb.message, file)]
        problems = [PlanProblem(p.line, p.message, file) for p in duplicate_keys(root)]
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(" ".join(str(p).split()) for p in (exc.context, exc.problem) if p)
        return None, [PlanProblem(line, _("YAML syntax error: {what}").format(what=what), file)]
    except YAMLError as exc:
        found = error_problem(exc, text)
        message = _("YAML error: {error}").format(error=found.message)
        return None, [PlanProblem(found.line, message, file)]
    except RecursionError:
        return None, [PlanProblem(1, _("YAML nests too deeply"), file)]
    if not isinstance(data, CommentedMap):
        message = _("not a plan: expected a mapping with organization, units, people, levels …")
        return None, [*problems, PlanProblem(1, message, file)]
    try:
        plan = Plan.model_validate(_plain(data))
    except ValidationError as exc:
        problems += [
            PlanProblem(_line(data, tuple(e["loc"])), _describe(e), file) for e in exc.errors()
        ]
        return None, sorted(problems)
    for problem in check_references(plan):
        where = _dotted(problem.path)
        message = f"{where}: {problem.message}" if where else problem.message
        problems.append(PlanProblem(_line(data, problem.path), message, file))
    return (None if problems else plan), sorted(problems)


def _read(path: Path) -> tuple[str | None, list[PlanProblem]]:
    try:
        return path.read_bytes().decode("utf-8-sig"), []
    except OSError as exc:
        message = _("cannot read: {error}").format(error=exc.strerror or exc)
        return None, [PlanProblem(1, message, str(path))]
    except UnicodeDecodeError:
        message = _("not UTF-8 text; expected a UTF-8 YAML file")
        return None, [PlanProblem(1, message, str(path))]


def check_plan(path: str | Path) -> list[str]:
    """Every problem of the plan file as `FILE:LINE: message`; empty when it is valid."""
    text, problems = _read(Path(path))
    if text is not None:
        _plan, problems = parse_plan(text, file=str(path))
    return [str(p) for p in problems]


def load_plan_text(text: str, *, file: str = "plan.yaml") -> Plan:
    """The plan in `text`, or PlanInvalid naming every problem."""
    plan, problems = parse_plan(text, file=file)
    if plan is None:
        raise PlanInvalid(problems)
    return plan


def load_plan(path: str | Path) -> Plan:
    """The plan in the file at `path`, or PlanInvalid naming every problem."""
    text, problems = _read(Path(path))
    if text is None:
        raise PlanInvalid(problems)
    return load_plan_text(text, file=str(path))
