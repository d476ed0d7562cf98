"""pydantic's and Python's problems, worded in the server's language (web/validation.py)."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yuqing.core.i18n import use_locale
from yuqing.web.validation import json_problem, json_where, problem_of


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(1, ge=1, le=10)
    above: float = Field(1.0, gt=0, lt=5)
    name: str = Field("x", min_length=1, max_length=3)
    one: str = Field("x", min_length=2)
    names: list[str] = Field(default_factory=lambda: ["x"], min_length=1, max_length=2)
    flag: bool = False
    kind: Literal["a", "b"] = "a"
    code: str = Field("A1", pattern=r"^[A-Z]\d$")


BAD: list[dict[str, Any]] = [
    {"count": "abc"},
    {"count": 0},
    {"count": 11},
    {"count": 1.5},
    {"count": None},
    {"above": 0},
    {"above": 5},
    {"above": "x"},
    {"name": ""},
    {"name": "abcd"},
    {"one": "a"},
    {"name": 5},
    {"names": []},
    {"names": ["a", "b", "c"]},
    {"names": "a"},
    {"flag": "maybe"},
    {"flag": []},
    {"kind": "c"},
    {"code": "a1"},
    {"other": 1},
]


def errors_of(data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    return [dict(error) for error in caught.value.errors()]


@pytest.mark.parametrize(
    "data", BAD, ids=[next(iter(d)) + "=" + repr(d[next(iter(d))]) for d in BAD]
)
def test_english_is_pydantics_own_wording_and_chinese_has_none_of_it(data: dict[str, Any]) -> None:
    (error,) = errors_of(data)
    with use_locale("en"):
        assert problem_of(error) == error["msg"]
    with use_locale("zh_CN"):
        chinese = problem_of(error)
    assert chinese != error["msg"]
    assert not any(word in chinese for word in ("Input", "should", "String", "List", "Field"))


def test_an_unlisted_problem_keeps_the_librarys_words() -> None:
    error = {"type": "url_parsing", "msg": "Input should be a valid URL", "ctx": {}}
    with use_locale("zh_CN"):
        assert problem_of(error) == "Input should be a valid URL"


@pytest.mark.parametrize(
    "text",
    [
        "{",
        '{"a" 1}',
        '{"a": 1 "b": 2}',
        "{'a': 1}",
        '"abc',
        '{"a": "\\q"}',
        "[1] 2",
        "[01]",
        '"a\nb"',
        '"\\u12"',
    ],
)
def test_every_json_syntax_error_python_raises_is_translated(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    with use_locale("en"):  # Python's words: `Invalid \\escape: 'q'` keeps its start
        assert caught.value.msg.startswith(json_problem(caught.value.msg))
    with use_locale("zh_CN"):
        assert not json_problem(caught.value.msg).isascii()


def test_the_place_of_a_json_error_counts_lines_and_characters() -> None:
    text = '{\n  "标题": "县医院",\n  "by" 1\n}'
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    with use_locale("en"):
        where, near = json_where(text, caught.value.pos)
    assert where == f"the body, line {caught.value.lineno} column {caught.value.colno}"
    assert where == "the body, line 3 column 8" and near == "at '1\\n}'"
