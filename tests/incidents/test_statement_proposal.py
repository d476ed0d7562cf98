"""A statement proposed by the organization's own model is held to the fact sheet and the
posts (docs/llm.md), against a fake chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fakes.chat import FakeChat, Messages
from tests.incidents.conftest import World, add_event
from yuqing.core.llm_settings import LLMSettings
from yuqing.incidents import service
from yuqing.incidents.service.proposals import FACT_SHEET, propose_statement

ANSWER = (
    "3月2日上午，我校食堂部分饭菜出现变质情况。[P1]"
    "3名学生身体不适，已送医检查，目前情况稳定。[P1]"
    "网传已有12名学生住院。[P2]"
    "涉事原因正在调查，我们将及时通报进展。[P1]"
)


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    seen: list[Messages] = []

    def respond(messages: Messages) -> str:
        seen.append(messages)
        return ANSWER

    fake = FakeChat(respond)
    yield fake
    fake.close()


def test_a_proposed_statement_keeps_only_what_the_facts_bear_out(
    world: World, chat: FakeChat
) -> None:
    session, clock = world.session, world.clock
    event_id = add_event(session, clock)
    office = world.actors["duty_office"]
    incident = service.open_incident(
        session=session, clock=clock, actor=office, event_ids=[event_id]
    )
    service.update_fact_sheet(
        session=session, clock=clock, actor=office, incident_id=incident.id,
        facts="3月2日上午，学校食堂部分饭菜变质，已封存送检。", figures={"students_unwell": 3},
    )  # fmt: skip
    llm = LLMSettings(url=chat.url, model="qwen-local")
    draft = propose_statement(
        session=session, clock=clock, actor=office, incident_id=incident.id, llm=llm
    )
    assert [(s.text, s.cites) for s in draft.sentences] == [
        ("3月2日上午，我校食堂部分饭菜出现变质情况。", [FACT_SHEET]),
        ("3名学生身体不适，已送医检查，目前情况稳定。", [FACT_SHEET]),
        ("涉事原因正在调查，我们将及时通报进展。", [FACT_SHEET]),
    ]
    assert [(r.text, r.reason) for r in draft.refused] == [
        ("网传已有12名学生住院。", "the number 12 is not in the store")
    ]
    material = json.loads(chat.requests[0]["messages"][-1]["content"])
    assert material["figures"] == {"students_unwell": 3}
    assert [p["ref"] for p in material["posts"]] == ["P1", "P2", "P3", "P4"]
    assert material["posts"][1]["text"].startswith("食堂 0")
