"""Reports over a big store: a year of posts, its figures, its PDF and DOCX.

Seeds a fresh SQLite store (or `--db URL`) with `--posts` posts spread over a year in
events of about 50 posts, written straight into the tables (the pipeline's own speed is
bench/ingest.py's), then generates a report over the whole year and times each stage:
figures from the store, JSON, DOCX, PDF. Target (issue 14): 1M posts within 2 minutes
and 1 GB RSS. One event in ten is routed to the department "edu"; the figures of that
department's report over the year are timed too (`department_figures`).

    python bench/reports.py [--posts 1000000] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from yuqing.analysis.models import Event, EventPost
from yuqing.auth.models import Department
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.monitor.models import StoredPost
from yuqing.reports import figures as figures_mod
from yuqing.reports import service
from yuqing.reports.document import DocumentInfo
from yuqing.reports.periods import Period

START = datetime(2025, 1, 1, tzinfo=UTC)
TIERS = ["central", "provincial", "municipal", "local", "self", None]
PLATFORMS = ["news", "microblog", "forum", "wechat", "video"]
TONES = ["negative", "neutral", "neutral", "positive"]
BATCH = 20_000
ROUTED_EVERY = 10  # one event in ten is the department's


def seed(engine: object, posts: int) -> None:
    rng = random.Random(14)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    events = max(1, posts // 50)
    with Session(engine) as session:  # type: ignore[call-overload]
        session.execute(
            insert(Event),
            [
                {"id": f"ev-{e}", "title": f"事件{e}：某地学校食堂问题", "first_at": START,
                 "last_at": START, "updated_at": now, "sites": rng.randint(1, 30),
                 "top_tier": rng.choice(TIERS),
                 "extra": {"departments": ["edu"]} if e % ROUTED_EVERY == 0 else {}}
                for e in range(events)
            ],
        )  # fmt: skip
        session.add(Department(name="edu", display_name="教育股", created_at=now))
        for first in range(0, posts, BATCH):
            rows, links = [], []
            for pk in range(first + 1, min(posts, first + BATCH) + 1):
                at = START + timedelta(seconds=rng.randrange(365 * 86400))
                rows.append(
                    {"pk": pk, "uid": f"u{pk}", "post_id": f"p{pk}", "source": f"site{pk % 200}",
                     "title": "学校食堂", "text": "某地学校食堂饭菜问题引发关注", "folded": "",
                     "platform": rng.choice(PLATFORMS), "media_tier": rng.choice(TIERS),
                     "published_at": at, "received_at": at, "content_key": f"k{pk}",
                     "sentiment_label": rng.choice(TONES)}
                )  # fmt: skip
                links.append({"event_id": f"ev-{pk % events}", "post_pk": pk, "joined_at": at})
            session.execute(insert(StoredPost), rows)
            session.execute(insert(EventPost), links)
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--db", help="SQLAlchemy URL of an empty store (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.db or f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        began = time.perf_counter()
        seed(engine, args.posts)
        seeded = time.perf_counter() - began
        zone = ZoneInfo("Asia/Shanghai")
        period = Period(datetime(2025, 1, 1, tzinfo=zone), datetime(2026, 1, 1, tzinfo=zone))
        timings: dict[str, float] = {}  # seconds, and the bytes of each format
        began = time.perf_counter()
        with Session(engine) as session:
            figures = figures_mod.compute(session=session, kind="monthly", period=period)
        timings["figures"] = time.perf_counter() - began
        began = time.perf_counter()
        with Session(engine) as session:
            department = figures_mod.compute(
                session=session, kind="monthly", period=period, department="edu"
            )
        timings["department_figures"] = time.perf_counter() - began
        doc = DocumentInfo(organization="明德县教育局")
        for fmt in ("json", "docx", "pdf"):
            began = time.perf_counter()
            size = len(service.render(figures, doc, fmt))
            timings[fmt] = time.perf_counter() - began
            timings[f"{fmt}_bytes"] = size
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        stages = ("figures", "json", "docx", "pdf")
        result = {"posts": args.posts, "counted": figures.posts, "seed_s": round(seeded, 1)}
        result["department_counted"] = department.posts
        result.update({k: round(v, 2) for k, v in timings.items()})
        result["report_s"] = round(sum(timings[k] for k in stages), 2)
        result["max_rss_mb"] = round(rss_mb)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
