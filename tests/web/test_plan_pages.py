"""The plan page: versions, a readable diff, and an upload refused with FILE:LINE."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.pages_data import fill
from yuqing.core.clock import FrozenClock
from yuqing.plan.examples import example_plan_text
from yuqing.plan.models import PlanVersion

SignIn = Callable[[str], tuple[TestClient, str]]


def test_a_bad_upload_is_refused_by_line_and_a_good_one_shows_its_diff(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    client, csrf = signed_in("office")
    page = client.get("/plan").text
    assert "现行：" in page and "特别重大" in page
    text = example_plan_text("county_bureau")
    broken = text.replace("rank: 2", "rank: two", 1)
    refused = client.post("/plan", data={"csrf_token": csrf},
                          files={"plan_file": ("新预案.yaml", broken.encode(), "application/yaml")})  # fmt: skip
    assert refused.status_code == 422
    assert "新预案.yaml:" in refused.text and "现行预案保持不变" in refused.text
    with Session(store.engine) as session:
        assert len(session.scalars(select(PlanVersion)).all()) == 1
    changed = text.replace("name: 重大", "name: 重大（橙色）", 1)
    loaded = client.post("/plan", data={"csrf_token": csrf},
                         files={"plan_file": ("新预案.yaml", changed.encode(), "application/yaml")})  # fmt: skip
    assert loaded.status_code == 303
    page = client.get("/plan").text
    assert '<span class="added">+    name: 重大（橙色）' in page or "重大（橙色）" in page
    assert '<span class="removed">' in page
