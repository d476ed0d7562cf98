"""Search with the rule language and the watch editor's live check."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.pages_data import fill
from yuqing.auth.models import AuditEntry, Department
from yuqing.core.clock import FrozenClock
from yuqing.monitor import service as monitor_service
from yuqing.monitor.models import Watch
from yuqing.monitor.watches import load_watch_text

SignIn = Callable[[str], tuple[TestClient, str]]


def test_search_highlights_hits_and_exports_csv(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    client, _csrf = signed_in("monitor")
    page = client.get("/search", params={"q": "食堂 AND 发霉"}).text
    assert "<mark>食堂</mark>" in page and "找到" in page
    bad = client.get("/search", params={"q": "食堂 AND ("}).text
    assert "第 9 列" in bad  # the end of the rule, where a term was expected
    export = client.get("/search.csv", params={"q": "发霉"})
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,source") and len(lines) == 3  # p1 and its copy p3


def test_the_watch_editor_checks_the_rule_and_saves_it(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    client, csrf = signed_in("office")
    check = client.get("/admin/watches/check", params={"rule": "食堂 OR"}).text
    assert "第 6 列" in check and 'role="alert"' in check
    good = client.get("/admin/watches/check", params={"rule": "食堂"}).text
    assert "规则有效" in good and "<mark>食堂</mark>" in good
    refused = client.post(
        "/admin/watches", data={"name": "饮食", "rule": "食堂 OR", "csrf_token": csrf}
    )
    assert refused.status_code == 422 and "第 6 列" in refused.text
    saved = client.post("/admin/watches", data={"name": "饮食", "rule": "食堂", "csrf_token": csrf})
    assert saved.status_code == 303
    with Session(store.engine) as session:
        assert session.scalars(select(Watch.rule).where(Watch.name == "饮食")).one() == "食堂"
        assert "watch.saved" in session.scalars(select(AuditEntry.action)).all()
    assert "饮食" in client.get("/admin/watches").text


def test_the_watch_editor_routes_a_watch_to_a_department_and_keeps_its_sources(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    with Session(store.engine) as session:
        monitor_service.upsert_watches(session=session, clock=clock, watches=load_watch_text(
            "watches:\n  - {name: 饮食, rule: 食堂, sources: [微博], organization: 一中}\n",
            filename="w.yaml"))  # fmt: skip
        session.commit()
    client, csrf = signed_in("office")
    page = client.get("/admin/watches", params={"name": "饮食"}).text
    # The known ones, by their ids (what is stored) with their names as people read them.
    assert 'name="department"' in page and '<option value="edu" label="部门“edu”">' in page
    saved = client.post("/admin/watches", data={"name": "饮食", "rule": "食堂 发霉",
                                                "department": " edu ", "csrf_token": csrf})  # fmt: skip
    assert saved.status_code == 303
    with Session(store.engine) as session:
        row = session.scalars(select(Watch).where(Watch.name == "饮食")).one()
        assert (row.rule, row.department, row.sources, row.organization) == (
            "食堂 发霉", "edu", ["微博"], "一中"
        )  # fmt: skip
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "watch.saved")).one()
        assert entry.after == {"rule": "食堂 发霉", "department": "edu"}
    # The list names the department; one with no name anywhere reads as a department.
    assert "<td>部门“edu”</td>" in client.get("/admin/watches").text
    with Session(store.engine) as session:
        session.scalars(
            select(Department).where(Department.name == "edu")
        ).one().display_name = "教育科"
        session.commit()
    assert "<td>教育科</td>" in client.get("/admin/watches").text
    too_long = client.post("/admin/watches", data={"name": "饮食", "rule": "食堂",
                                                   "department": "x" * 101, "csrf_token": csrf})  # fmt: skip
    assert too_long.status_code == 422


def test_the_watches_read_as_rules_under_a_name_column(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    """A watch written as groups is listed as the rule they make, as the editor shows it
    (it was the stored lists, {'subject': [...]}); the column is 名称, not 姓名 (a person's)."""
    with Session(store.engine) as session:
        monitor_service.upsert_watches(session=session, clock=clock, watches=load_watch_text(
            "watches:\n  - {name: 医院, subject: [县人民医院], event: [停车, 收费], exclude: [演练]}\n",
            filename="w.yaml"))  # fmt: skip
        session.commit()
    client, _csrf = signed_in("office")
    page = client.get("/admin/watches").text
    assert "{&#39;subject&#39;" not in page and "'subject'" not in page
    editor = client.get("/admin/watches", params={"name": "医院"}).text
    rule = editor.split('id="watch-rule"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert rule and "县人民医院" in rule
    assert f"<code>{rule}</code>" in page  # the same rule as the editor's
    assert '<th scope="col">名称</th>' in page and "姓名" not in page


def test_a_watch_saved_again_as_it_was_keeps_its_time_of_change(
    store: Store, clock: FrozenClock
) -> None:
    """A demo (or a watch file) loaded again marked every watch as changed just now."""
    from datetime import timedelta

    text = "watches:\n  - {name: 医院, subject: [县人民医院], event: [停车]}\n  - {name: 食堂, rule: 食堂}\n"

    def load(source: str) -> dict[str, object]:
        with Session(store.engine) as session:
            monitor_service.upsert_watches(session=session, clock=clock,
                                           watches=load_watch_text(source, filename="w.yaml"))  # fmt: skip
            session.commit()
            return {w.name: w.updated_at for w in session.scalars(select(Watch))}

    first = load(text)
    clock.advance(timedelta(hours=1))
    assert load(text) == first
    clock.advance(timedelta(hours=1))
    changed = load(text.replace("rule: 食堂", "rule: 食堂 发霉"))
    assert changed["医院"] == first["医院"] and changed["食堂"] == clock.now()
