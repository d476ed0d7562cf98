"""One line for a request FastAPI refuses before a route runs, in the server's language.

FastAPI answers a body that does not parse, or a parameter or field that pydantic
refuses, with a list of English structures. Here the first problem becomes one line
naming where it is (`body field 'by'`, the line and column of a JSON syntax error) and
what is wrong, in the language in force. The English msgids are pydantic's and Python's
own wording, so the English line reads as those libraries word it; a problem not listed
here keeps the library's words in both languages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from yuqing.core.i18n import N_, _, ngettext

MAX_DETAIL = 500  # characters: a detail is a line for people, not a dump
MAX_INPUT = 60  # characters of a refused value quoted back
_NEAR = 12  # characters of the body quoted where its JSON goes wrong

# Where a refused value was, by the first item of pydantic's `loc`.
_PLACES = {
    "query": N_("query parameter {name!r}"),
    "path": N_("path parameter {name!r}"),
    "header": N_("header {name!r}"),
    "cookie": N_("cookie {name!r}"),
    "body": N_("body field {name!r}"),
}

# Python's JSON syntax errors (`json.JSONDecodeError.msg`), by how they start.
_JSON_PROBLEMS = (
    ("Expecting value", N_("Expecting value")),
    ("Expecting ',' delimiter", N_("Expecting ',' delimiter")),
    ("Expecting ':' delimiter", N_("Expecting ':' delimiter")),
    (
        "Expecting property name enclosed in double quotes",
        N_("Expecting property name enclosed in double quotes"),
    ),
    ("Unterminated string starting at", N_("Unterminated string starting at")),
    ("Invalid control character at", N_("Invalid control character at")),
    ("Invalid \\escape", N_("Invalid \\escape")),
    ("Invalid \\uXXXX escape", N_("Invalid \\uXXXX escape")),
    ("Extra data", N_("Extra data")),
    ("Illegal trailing comma", N_("Illegal trailing comma")),
)

# pydantic's messages by error type, as its templates word them (placeholders from the
# error's `ctx`); a type with a count in it has both forms, in `_COUNTED`.
_PROBLEMS = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "string_type": N_("Input should be a valid string"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be an object"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
}
_COUNTED: dict[str, tuple[str, Callable[[int], str]]] = {
    "string_too_short": (
        "min_length",
        lambda n: ngettext(
            "String should have at least {min_length} character",
            "String should have at least {min_length} characters",
            n,
        ),
    ),
    "string_too_long": (
        "max_length",
        lambda n: ngettext(
            "String should have at most {max_length} character",
            "String should have at most {max_length} characters",
            n,
        ),
    ),
    "too_short": (
        "min_length",
        lambda n: ngettext(
            "{field_type} should have at least {min_length} item after validation, "
            "not {actual_length}",
            "{field_type} should have at least {min_length} items after validation, "
            "not {actual_length}",
            n,
        ),
    ),
    "too_long": (
        "max_length",
        lambda n: ngettext(
            "{field_type} should have at most {max_length} item after validation, "
            "not {actual_length}",
            "{field_type} should have at most {max_length} items after validation, "
            "not {actual_length}",
            n,
        ),
    ),
}


def field_type_name(name: str) -> str:
    """pydantic's name of a kind of collection ("List") in the language in force; a
    name not listed stays as pydantic wrote it."""
    names = {
        "List": _("List"),
        "Tuple": _("Tuple"),
        "Set": _("Set"),
        "Frozenset": _("Frozenset"),
        "Dictionary": _("Dictionary"),
    }
    return names.get(name, name)


def problem_of(error: Mapping[str, Any]) -> str:
    """pydantic's problem in the language in force; its own words when not listed here."""
    kind = str(error.get("type", ""))
    # pydantic writes a whole float bound as an integer ("less than 5", not "5.0").
    ctx = {
        key: int(value) if isinstance(value, float) and value.is_integer() else value
        for key, value in (error.get("ctx") or {}).items()
    }
    message = str(error.get("msg", ""))
    if "field_type" in ctx:
        ctx["field_type"] = field_type_name(str(ctx["field_type"]))
    try:
        if kind in _COUNTED:
            count, counted = _COUNTED[kind]
            return counted(int(ctx[count])).format(**ctx)
        if kind in _PROBLEMS:
            return _(_PROBLEMS[kind]).format(**ctx)
    except (KeyError, IndexError, ValueError, TypeError):
        pass  # a template this pydantic fills differently: its own words below
    return message


def json_problem(error: str) -> str:
    """Python's JSON syntax error in the language in force."""
    for start, msgid in _JSON_PROBLEMS:
        if error.startswith(start):
            return _(msgid)
    return error


def json_where(body: Any, position: int) -> tuple[str, str]:
    """Where a JSON syntax error is (`the body, line 3 column 9`), and what is there."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not isinstance(text, str) or not 0 <= position <= len(text):
        return _("the body"), ""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    where = _("the body, line {line} column {column}").format(line=line, column=column)
    near = text[position : position + _NEAR]
    if not near.strip():
        return where, _("at the end of the body")
    shown = repr(near + "…" if len(text) > position + _NEAR else near)
    return where, _("at {text}").format(text=shown)


def _json_detail(first: Mapping[str, Any], body: Any) -> str:
    loc = first.get("loc") or ()
    position = loc[-1] if loc and isinstance(loc[-1], int) else -1
    where, near = json_where(body, position)
    problem = _("not valid JSON: {error}").format(
        error=json_problem(str((first.get("ctx") or {}).get("error", "")))
    )
    if near:
        problem = _("{problem} ({near})").format(problem=problem, near=near)
    return _("{where}: {problem}").format(where=where, problem=problem)


def _body_detail(first: Mapping[str, Any], content_type: str | None) -> str | None:
    """The body as a whole: none sent, or not read as JSON for its content type."""
    if first.get("type") == "missing":
        return _("{where}: {problem}").format(
            where=_("the body"), problem=_("no JSON body was sent")
        )
    media = (content_type or "").split(";", 1)[0].strip().lower()
    is_json = media == "application/json" or media.endswith("+json")
    if isinstance(first.get("input"), bytes) and not is_json:
        problem = _("not read as JSON: its Content-Type is {type!r}, not application/json")
        return _("{where}: {problem}").format(
            where=_("the body"), problem=problem.format(type=media or "none")
        )
    return None


def validation_detail(
    errors: list[Any], *, body: Any = None, content_type: str | None = None
) -> str:
    """One line for a refused request: where the first problem is, what it is, the value.

    `body` is the request's body as FastAPI read it (a JSON syntax error is placed by line
    and column in it); `content_type` its Content-Type header.
    """
    if not errors:
        return _("the request is not valid")
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ())]
    if first.get("type") == "json_invalid":  # its loc holds the offset, not a field
        return one_line(_json_detail(first, body))
    kind, names = (loc[0], loc[1:]) if loc else ("body", [])
    whole = _body_detail(first, content_type) if kind == "body" and not names else None
    if whole is not None:
        return one_line(whole)
    if names:
        place = _PLACES.get(kind, _PLACES["body"])
        where = _(place).format(name=".".join(names))
    else:
        where = _("the body") if kind == "body" else kind
    detail = _("{where}: {problem}").format(where=where, problem=problem_of(first))
    if kind != "body" and "input" in first and isinstance(first["input"], str | int | float):
        value = repr(first["input"])
        value = value if len(value) <= MAX_INPUT else value[: MAX_INPUT - 1] + "…"
        detail = _("{detail} (got {value})").format(detail=detail, value=value)
    if len(errors) > 1:
        more = len(errors) - 1
        detail = ngettext("{detail}; {n} more problem", "{detail}; {n} more problems", more).format(
            detail=detail, n=more
        )
    return one_line(detail)


def one_line(text: str) -> str:
    """`text` on one line (runs of whitespace, newlines included, become one space), capped."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 1] + "…"
