"""The administrator's report template page: preview under a script-free CSP, an error
named with its line while the template in force stays, a saved version in the audit
trail; and the download of a scheduled report's file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.auth.models import AuditEntry
from yuqing.reports import templates_store
from yuqing.reports.schedules.models import ReportFile, ReportRun

SignIn = Callable[[str], tuple[TestClient, str]]
PAGE = "/admin/report-templates"
GOOD = "<h1>{{ title }}</h1><p>帖文 {{ f.posts }}</p>"


def test_an_administrator_previews_and_saves_a_template(signed_in: SignIn, store: Store) -> None:
    client, csrf = signed_in("admin")
    page = client.get(PAGE, params={"kind": "weekly"})
    assert page.status_code == 200 and "报告模板" in page.text
    assert "{{ title }}" in page.text  # the built-in template, escaped in the textarea

    preview = client.post(
        PAGE, data={"kind": "weekly", "source": GOOD, "action": "preview", "csrf_token": csrf}
    )
    # The sample covers a department and a watch, so a template is tried on both.
    assert preview.text == "<h1>舆情周报（示例部门·示例）</h1><p>帖文 4</p>"
    policy = preview.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy and "sandbox" in policy

    bad = client.post(
        PAGE,
        data={"kind": "weekly", "source": "<p>\n{{ nope }}", "action": "save", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and "weekly.html:2" in bad.text
    with Session(store.engine) as session:
        assert templates_store.active_source(session=session, kind="weekly") is None

    saved = client.post(
        PAGE,
        data={"kind": "weekly", "source": GOOD, "action": "save", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with Session(store.engine) as session:
        assert templates_store.active_source(session=session, kind="weekly") == GOOD
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report_template.set")
        ).one()
        assert entry.actor == "admin" and entry.target == "report_template:weekly:v1"


def test_a_scheduled_reports_file_downloads_for_readers(signed_in: SignIn, store: Store) -> None:
    at = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    with Session(store.engine) as session:
        run = ReportRun(schedule_id="weekly_briefing", kind="weekly", due_at=at, period_start=at,
                        period_end=at, status="generated", created_at=at)  # fmt: skip
        session.add(run)
        session.flush()
        data = b'{"posts": 4}\n'
        row = ReportFile(run_id=run.id, format="json", filename="周报-2026-02-23.json",
                         media_type="application/json", sha256=hashlib.sha256(data).hexdigest(),
                         content=data)  # fmt: skip
        session.add(row)
        session.commit()
        file_id = row.id
    client, _csrf = signed_in("leader")
    answer = client.get(f"/reports/files/{file_id}")
    assert answer.status_code == 200 and answer.content == b'{"posts": 4}\n'
    assert "attachment" in answer.headers["content-disposition"]
    assert client.get("/reports/files/999999").status_code == 404


def test_an_incident_kinds_template_is_edited_on_the_same_page(
    signed_in: SignIn, store: Store
) -> None:
    client, csrf = signed_in("admin")
    page = client.get(PAGE, params={"kind": "special"})
    assert page.status_code == 200 and "舆情专报" in page.text and "结案报告" in page.text
    assert "header_rows" in page.text  # the built-in incident template
    source = "<h1>{{ title }}</h1><p>{{ subtitle }}：帖文 {{ f.posts }}</p>"
    preview = client.post(
        PAGE, data={"kind": "special", "source": source, "action": "preview", "csrf_token": csrf}
    )
    assert preview.text == "<h1>舆情专报</h1><p>事件 1：示例事件：帖文 4</p>"
    bad = client.post(
        PAGE,
        data={"kind": "special", "source": "<p>\n{{ f.nosuch }}", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and "special.html:2" in bad.text
    saved = client.post(
        PAGE,
        data={"kind": "special", "source": source, "action": "save", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with Session(store.engine) as session:
        assert templates_store.active_source(session=session, kind="special") == source
        assert templates_store.active_source(session=session, kind="initial") is None
