"""A small store for the page tests: the example county plan, two events (one routed to
department `edu`), their posts with a copy, hours and sites, and a proposed level."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.alerts import service as alerts_service
from yuqing.alerts.models import LevelDecision
from yuqing.alerts.routing import Recipient, RoutePlan
from yuqing.analysis.models import Event, EventHour, EventPost, EventSite
from yuqing.core.clock import FrozenClock
from yuqing.core.textfold import fold
from yuqing.db.search import index_posts
from yuqing.monitor.models import StoredPost
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

EVENT = "ev-canteen"
OTHER = "ev-road"
HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
HOSTILE_URL = "javascript:window.pwned=3"  # a pushed post's url: shown, never a link


def _post(
    pk_source: str, post_id: str, title: str, text: str, at: datetime, **kw: object
) -> StoredPost:
    return StoredPost(
        uid=f"uid-{post_id}", post_id=post_id, source=pk_source, title=title, text=text,
        folded=fold(f"{title}\n{text}"), published_at=at, received_at=at, content_key=post_id[:40],
        media_tier=kw.pop("media_tier", "local"), platform=kw.pop("platform", "forum"),
        sentiment_label=kw.pop("sentiment_label", "negative"), watches=["canteen"], **kw,
    )  # fmt: skip


def fill(store: Store, clock: FrozenClock) -> None:
    """The plan, events, posts and a proposal, as the pipeline would have stored them."""
    now = clock.now()
    with Session(store.engine) as session:
        plan_service.load(session=session, clock=clock, author="test",
                          text=example_plan_text("county_bureau"), source_name="plan.yaml")  # fmt: skip
        first = _post(
            "bbs.example.cn", "p1", "食堂饭菜发霉", "学生反映食堂饭菜发霉", now - timedelta(hours=3)
        )
        hostile = _post("weibo.example.cn", "p2", HOSTILE, HOSTILE, now - timedelta(hours=2),
                        media_tier="self", platform="weibo", url=HOSTILE_URL)  # fmt: skip
        session.add_all([first, hostile])
        session.flush()
        copy = _post("news.example.cn", "p3", "食堂饭菜发霉", "学生反映食堂饭菜发霉",
                     now - timedelta(hours=1), duplicate_of_pk=first.pk, duplicate_of="p1",
                     media_tier="municipal", platform="news")  # fmt: skip
        session.add(copy)
        session.flush()
        for event_id, title, department in (
            (EVENT, "某中学食堂饭菜发霉", "edu"),
            (OTHER, "道路施工扰民", None),
        ):
            session.add(Event(
                id=event_id, title=title, keywords=["食堂", "发霉"], first_post_pk=first.pk,
                first_source="bbs.example.cn", first_at=now - timedelta(hours=3), last_at=now,
                posts=3, copies=1, negative=3, sites=3, top_tier="municipal", heat=42.5,
                updated_at=now, extra={"department": department} if department else {},
            ))  # fmt: skip
        session.flush()
        index_posts(session.connection(), [(p.pk, p.folded) for p in (first, hostile, copy)])
        for post in (first, hostile, copy):
            session.add(EventPost(event_id=EVENT, post_pk=post.pk, joined_at=now))
        hour = now.replace(minute=0, second=0, microsecond=0)
        for back in range(3):
            session.add(
                EventHour(event_id=EVENT, hour=hour - timedelta(hours=back), posts=1, negative=1)
            )
        for site, tier, back in (
            ("bbs.example.cn", "local", 3),
            ("news.example.cn", "municipal", 1),
        ):
            session.add(EventSite(event_id=EVENT, site=site, tier=tier, platform="forum",
                                  first_at=now - timedelta(hours=back), posts=1))  # fmt: skip
        session.add(LevelDecision(
            event_id=EVENT, plan_version=1, proposed_level="II", proposed_at=now,
            reasons=[{"criterion": "min_negative_share", "negative_share": 1.0, "needed": 0.5},
                     {"criterion": "min_tier", "reached": "municipal", "needed": "municipal"}],
        ))  # fmt: skip
        route = RoutePlan(recipients=[Recipient("clerk", "李老师", "email", "clerk@example.cn")])
        alerts_service.raise_alert(
            session=session, clock=clock, event_id=EVENT, level="II", level_rank=2,
            title="【重大】某中学食堂饭菜发霉", route=route,
            text="依据：负面占比 100%，超过预案规定的 50%",
        )  # fmt: skip
        session.commit()
