"""The special report (《舆情专报》) to leaders: the situation, the spread by platform,
media tier and site, the tone and the viewpoints behind it (representative posts), the
momentum a trend judgement rests on, the handling so far and suggestions; every figure
equals the store's, in all four formats, on both stores."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.reports.incident_fixtures import (  # noqa: F401 - the fixture
    IncidentCase,
    incident_case_fixture,
)
from tests.reports.test_incident_reports import HEADER, save_pdf
from tests.reports.test_reports_service import docx_text
from yuqing.analysis.models import EventPost
from yuqing.core.clock import FrozenClock
from yuqing.incidents import service as incidents
from yuqing.incidents.models import IncidentEvent
from yuqing.monitor.models import StoredPost
from yuqing.reports import incident_kinds, incident_render
from yuqing.reports.incident_special import TIER_ORDER

SUGGESTION = "建议学校今日发布调查进展，教育局督导食堂整改"
JUDGEMENT = "舆情仍在发酵，预计将引发本地媒体跟进"


# Platform categories as the Chinese documents name them.
PLATFORM_NAMES = {"news": "新闻网站", "portal": "门户网站", "forum": "论坛", "microblog": "微博",
                  "wechat": "微信", "video": "视频平台", "qa": "问答平台", "board": "留言板",
                  "other": "其他平台", "unknown": "未知"}  # fmt: skip


def _post(session: Session, clock: FrozenClock, uid: str, **values: object) -> StoredPost:
    now = clock.now()
    post = StoredPost(
        uid=uid,
        post_id=uid,
        source=values.pop("source", "weibo"),
        url=f"https://example.org/{uid}",
        title=values.pop("title", ""),
        text=values.pop("text", f"帖文 {uid}"),
        folded=uid,
        published_at=values.pop("published_at", now - timedelta(minutes=30)),
        received_at=now,
        content_key=uid,
        **values,
    )
    session.add(post)
    session.flush()
    session.add(EventPost(event_id="ev-1", post_pk=post.pk, joined_at=now))
    return post


def widen(case: IncidentCase, clock: FrozenClock) -> None:
    """Posts of other platforms, tiers and tones, a copy, one from the day before; and
    the office's special report with its judgement and suggestions."""
    with Session(case.store.engine) as session:
        now = clock.now()
        original = _post(
            session, clock, "s-news", source="省报网", platform="news", media_tier="provincial",
            title="省报：明德学校食堂问题调查", text="省报记者调查食堂问题，" * 20,
            sentiment_label="negative", copies=1,
        )  # fmt: skip
        _post(session, clock, "s-copy", source="转载网", platform="news", media_tier="local",
              sentiment_label="negative", duplicate_of_pk=original.pk, duplicate_of="s-news")  # fmt: skip
        _post(session, clock, "s-good", source="学校官微", platform="microblog", media_tier="self",
              sentiment_label="positive", text="学校回应：已成立调查组")  # fmt: skip
        _post(session, clock, "s-early", source="论坛", platform="forum",
              published_at=now - timedelta(hours=30), text="前一天就有人说食堂有问题")  # fmt: skip
        report = incidents.create_report(
            session=session, clock=clock, actor=case.office, incident_id=case.incident,
            kind="special",
        )  # fmt: skip
        incidents.update_report(
            session=session, clock=clock, actor=case.office, report_id=report.id,
            fields={"trend": JUDGEMENT, "next_steps": SUGGESTION},
        )  # fmt: skip
        session.commit()


def expected(session: Session, incident: int, clock: FrozenClock) -> dict[str, object]:
    """The special report's figures counted in Python from the incident's post rows."""
    pks = set(
        session.scalars(
            select(EventPost.post_pk)
            .join(IncidentEvent, IncidentEvent.event_id == EventPost.event_id)
            .where(IncidentEvent.incident_id == incident)
        )
    )
    posts = [p for p in session.scalars(select(StoredPost)) if p.pk in pks]

    def tone(p: StoredPost) -> str:
        return p.sentiment_label if p.sentiment_label in ("negative", "positive") else "neutral"

    def rank(p: StoredPost) -> tuple[int, int, object, int]:
        tier = TIER_ORDER.index(p.media_tier) if p.media_tier in TIER_ORDER else len(TIER_ORDER)
        return (-p.copies, tier, p.published_at, p.pk)

    originals = sorted((p for p in posts if p.duplicate_of_pk is None), key=rank)
    now, day = clock.now(), timedelta(hours=24)
    last = sum(now - day <= p.published_at < now for p in posts)
    previous = sum(now - 2 * day <= p.published_at < now - day for p in posts)
    return {
        "posts": len(posts),
        "platforms": dict(Counter(p.platform or "unknown" for p in posts)),
        "sites": dict(Counter(p.source for p in posts)),
        "sentiment": dict(Counter(tone(p) for p in posts)),
        "viewpoints": [
            p.uid
            for t in ("negative", "neutral", "positive")
            for p in [o for o in originals if tone(o) == t][:3]
        ],
        "windows": (last, previous),
    }


def test_the_special_report_holds_the_stores_figures_in_every_format(
    incident_case: IncidentCase, clock: FrozenClock, tmp_path: Path
) -> None:
    widen(incident_case, clock)
    with Session(incident_case.store.engine) as session:
        figures = incident_kinds.compute(
            session=session,
            actor=incident_case.office,
            kind="special",
            incident_id=incident_case.incident,
            now=clock.now(),
        )
        want = expected(session, incident_case.incident, clock)
    assert figures.posts == want["posts"] == 7
    assert figures.posts_by_platform == want["platforms"]
    assert list(figures.posts_by_platform.values()) == sorted(
        figures.posts_by_platform.values(), reverse=True
    )
    assert {s["site"]: s["posts"] for s in figures.top_sites} == want["sites"]
    assert {k: v for k, v in figures.sentiment.items() if v} == want["sentiment"]
    assert sum(figures.sentiment.values()) == figures.posts
    assert [v["post"] for v in figures.viewpoints] == want["viewpoints"]
    assert figures.viewpoints[0]["post"] == "s-news" and figures.viewpoints[0]["copies"] == 1
    assert "s-copy" not in want["viewpoints"]  # a copy is spread, not a viewpoint
    assert figures.viewpoints[0]["excerpt"].endswith("…")
    momentum = figures.momentum
    assert momentum is not None
    assert (momentum["last_window"], momentum["previous_window"]) == want["windows"] == (6, 1)
    assert momentum["direction"] == "rising"
    assert figures.fields["trend"] == JUDGEMENT and figures.fields["next_steps"] == SUGGESTION
    assert figures.actions and figures.deadlines  # the handling so far

    data = json.loads(incident_render.render(figures, figures.fields, HEADER, "json"))
    assert data == {**figures.to_json(), "sections": figures.fields}
    assert data["viewpoints"] == figures.viewpoints and data["momentum"] == momentum

    document, text = docx_text(
        incident_render.render(figures, figures.fields, HEADER, "docx"), tmp_path / "s.docx"
    )
    tables = {tuple(c.text for c in t.rows[0].cells): t for t in document.tables}
    rows = tables[("平台", "帖文", "占比")].rows[1:]
    platforms = {r.cells[0].text: r.cells[1].text for r in rows}
    assert platforms == {PLATFORM_NAMES[k]: str(v) for k, v in want["platforms"].items()}
    tones = {
        r.cells[0].text: r.cells[1].text for r in tables[("情感倾向", "帖文", "占比")].rows[1:]
    }
    assert tones == {
        "负面": str(figures.sentiment["negative"]),
        "中性": str(figures.sentiment["neutral"]),
        "正面": str(figures.sentiment["positive"]),
    }
    for heading in ("舆情概况", "网民观点：代表性帖文", "传播态势", "趋势研判", "处置情况"):
        assert heading in text, heading
    assert JUDGEMENT in text and SUGGESTION in text and "省报：明德学校食堂问题调查" in text

    html = incident_render.render(figures, figures.fields, HEADER, "html").decode()
    assert "<title>舆情专报" in html and SUGGESTION in html

    layer = save_pdf(figures, f"{incident_case.store.backend}-incident-special-leaders")
    for words in ("舆情专报", "各平台帖文量", "网民观点", "传播态势", "处置建议", SUGGESTION):
        assert words in layer, words
    assert f"最近 24 小时帖文 {want['windows'][0]} " in layer  # type: ignore[index]


def test_a_special_report_of_a_quiet_incident_says_so(
    incident_case: IncidentCase, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=3))  # the posts are older than both windows now
    with Session(incident_case.store.engine) as session:
        figures = incident_kinds.compute(
            session=session,
            actor=incident_case.office,
            kind="special",
            incident_id=incident_case.incident,
            now=clock.now(),
        )
    assert figures.momentum is not None and figures.momentum["direction"] == "quiet"
    assert figures.momentum["peak_posts"] == figures.posts == 3
