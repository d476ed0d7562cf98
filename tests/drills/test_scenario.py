"""Scenario files: checked whole before anything is made, one line per problem."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import use_locale
from yuqing.demo.replay import load_scenario
from yuqing.drills.scenario import BUNDLED, MAX_ERRORS, parse_scenario, read_scenario


@pytest.fixture(autouse=True)
def _english():
    with use_locale("en"):
        yield


def test_the_bundled_scenario_is_the_demos():
    scenario = read_scenario(None)
    assert scenario.source == BUNDLED and scenario.title
    assert [(p.offset, p.post) for p in scenario.posts] == [
        (p.offset, p.post) for p in load_scenario()
    ]


def test_a_header_names_the_scenario_and_posts_come_in_time_order():
    text = "\n".join(
        json.dumps(line, ensure_ascii=False)
        for line in [
            {"scenario": {"title": "暴雨内涝", "description": "县城积水，市民求助"}},
            {"offset_s": 600, "id": "b", "text": "第二条"},
            {"offset_s": 0, "id": "a", "text": "第一条", "published_at": "2020-01-01"},
            {"offset_s": 90.5, "id": "c", "title": "只有标题"},
        ]
    )
    scenario = parse_scenario(text + "\n\n", name="rain.jsonl")
    assert (scenario.title, scenario.description) == ("暴雨内涝", "县城积水，市民求助")
    assert [p.post["id"] for p in scenario.posts] == ["a", "c", "b"]
    assert [p.offset for p in scenario.posts] == [
        timedelta(0),
        timedelta(seconds=90.5),
        timedelta(seconds=600),
    ]
    assert "published_at" not in scenario.posts[0].post  # the replay dates every post
    assert "offset_s" not in scenario.posts[0].post


def test_every_problem_is_one_line_naming_the_line_and_the_field():
    lines = [
        '{"offset_s": 0, "text": "ok"}',
        '{"text": "no offset"}',
        '{"offset_s": -5, "text": "before the start"}',
        '{"offset_s": "10", "text": "a string"}',
        '{"offset_s": true, "text": "a boolean"}',
        '{"offset_s": 5}',
        '{"offset_s": 5, "text": 7}',
        "[1, 2]",
        "{not json",
        '{"scenario": {"title": "late"}}',
        '{"offset_s": 5, "text": "x", "reply_to": {"id": 1}}',
        '{"offset_s": NaN, "text": "not a number"}',
    ]
    with pytest.raises(InvalidInput) as caught:
        parse_scenario("\n".join(lines), name="s.jsonl")
    problems = str(caught.value).splitlines()
    assert [p.split(":")[1] for p in problems] == [str(n) for n in range(2, 13)]
    assert problems[0] == "s.jsonl:2: field 'offset_s' is missing (seconds after the start)"
    assert problems[1] == "s.jsonl:3: field 'offset_s' must be from 0 to 31622400, not -5"
    assert problems[2] == "s.jsonl:4: field 'offset_s' must be a number of seconds, not '10'"
    assert "'offset_s'" in problems[3]
    assert problems[4] == "s.jsonl:6: post has neither 'text' nor 'title'"
    assert problems[5] == "s.jsonl:7: field 'text' must be a string, not int"
    assert problems[6] == "s.jsonl:8: a line must be a JSON object, not list"
    assert problems[7].startswith("s.jsonl:9: not JSON")
    assert problems[8] == "s.jsonl:10: field 'scenario' may only be on the first line"
    assert "'reply_to'" in problems[9]
    assert "'offset_s'" in problems[10]


def test_a_long_list_of_problems_is_cut_with_a_count():
    with pytest.raises(InvalidInput) as caught:
        parse_scenario("[]\n" * (MAX_ERRORS + 5), name="s.jsonl")
    problems = str(caught.value).splitlines()
    assert len(problems) == MAX_ERRORS + 1
    assert problems[-1] == "… and 5 more problems"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the scenario has no posts"),
        (b'{"scenario": {"title": "t"}}\n', "the scenario has no posts"),
        (b"\xff\xfe{", "not UTF-8 text"),
        (b'{"scenario": {"title": 5}}\n{"offset_s": 0, "text": "x"}', "scenario.title"),
        (b'{"scenario": "t", "offset_s": 0}\n', "'scenario' must be the only field"),
    ],
)
def test_files_that_are_no_scenario_are_refused(tmp_path: Path, content: bytes, problem: str):
    path = tmp_path / "s.jsonl"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=problem):
        read_scenario(path)


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(InvalidInput, match=r"missing\.jsonl: cannot read the scenario"):
        read_scenario(tmp_path / "missing.jsonl")
