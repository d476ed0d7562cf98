"""A draft period report's summary proposed by the organization's own model, from its page
(docs/llm.md): the proposal fills the form, refused sentences are shown struck out with
their reason, and nothing is saved until a person saves."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.fakes.chat import FakeChat, Messages
from yuqing.core.llm_settings import LLMSettings
from yuqing.core.settings import Settings
from yuqing.reports.models import ReportVersion

SignedIn = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    def respond(messages: Messages) -> str:
        material = json.loads(messages[-1]["content"])
        ref = material["posts"][0]["ref"]
        return f"本期相关帖子{material['figures']['posts']}条。[{ref}]\n涉事食堂已被查封。"

    fake = FakeChat(respond)
    yield fake
    fake.close()


@pytest.fixture
def settings(tmp_path: Path, store: Store, chat: FakeChat) -> Settings:
    return replace(
        Settings(home=tmp_path, db_url=store.url), llm=LLMSettings(url=chat.url, model="qwen")
    )


def test_a_proposed_summary_fills_the_form_and_saves_nothing(
    seeded: Store, signed_in: SignedIn
) -> None:
    client, csrf = signed_in("office")
    made = client.post(
        "/reports",
        data={"kind": "daily", "start": "2026-03-01", "end": "2026-03-02", "csrf_token": csrf},
    )
    assert made.status_code == 303, made.text
    page_url = made.headers["location"]
    assert "propose-summary" in client.get(page_url).text
    with Session(seeded.engine) as session:
        before = dict(session.get(ReportVersion, int(page_url.rsplit("/", 1)[1])).sections)

    proposed = client.post(f"{page_url}/propose-summary", data={"csrf_token": csrf})
    assert proposed.status_code == 200, proposed.text
    page = html.unescape(proposed.text)
    assert ">本期相关帖子3条。</textarea>" in page  # the form holds the proposal
    assert "<s>涉事食堂已被查封。</s> <small>cites no post</small>" in page
    with Session(seeded.engine) as session:
        after = dict(session.get(ReportVersion, int(page_url.rsplit("/", 1)[1])).sections)
    assert after == before


def test_the_proposal_needs_a_writer(seeded: Store, signed_in: SignedIn) -> None:
    office, csrf = signed_in("office")
    made = office.post(
        "/reports", data={"kind": "daily", "start": "2026-03-01", "csrf_token": csrf}
    )
    auditor, auditor_csrf = signed_in("auditor")
    refused = auditor.post(
        f"{made.headers['location']}/propose-summary", data={"csrf_token": auditor_csrf}
    )
    assert refused.status_code == 403
