"""A large synthetic store for bench/web.py, written straight into the tables.

Going through the pipeline would take hours for a million posts on this machine; the
pages only read the tables, so the builder writes rows the pipeline would have written:
posts over the last 30 days (some copies of others), events with their posts, hourly
and per-site facts, level proposals and decisions, alerts (some waiting for
acknowledgement), a few failing sources, the example plan, the benchmark's users, and
open incidents whose deadline clocks run (through the incident service: real clocks).
The search index is left empty (bench/search.py measures search).
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import posts as synth_posts

from yuqing.auth import service as auth_service
from yuqing.auth.schemas import Actor
from yuqing.core.clock import SystemClock
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.incidents import service as incidents
from yuqing.incidents.models import Incident
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

TIERS = ("central", "provincial", "municipal", "local", "self")
SITES = 200
DAYS = 30
EVENT_SHARE = 0.3  # posts that belong to an event
BIG_EVENTS = 10  # a few stories with thousands of posts: their pages must stay bounded
LEVELS = ("L1", "L2", "L3")
PASSWORD = "bench-password-1"  # noqa: S105 (the synthetic users')
MARK = "bench-web.json"
# Open incidents with running clocks, one in ten confidential, led by a few departments:
# the dashboard lists the clocks each viewer may see (`/` reads them on every change).
INCIDENTS_PER_EVENTS = 50
DEPARTMENTS = ("logistics", "teaching", "security", "students")


def _ts(value: datetime) -> str:
    """How UTCDateTime stores a time on SQLite (naive UTC, microseconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _tier(site: int) -> str:
    return TIERS[site % len(TIERS)]


def _event_of(rnd: random.Random, n: int, count: int, events: int) -> int | None:
    """The event post n belongs to (stories follow time), or None."""
    if rnd.random() >= EVENT_SHARE:
        return None
    if rnd.random() < 0.05:
        return rnd.randrange(min(BIG_EVENTS, events))
    base = int(n / count * events)
    return min(events - 1, base + int(rnd.expovariate(0.5)))


def _write_posts(
    db: sqlite3.Connection, count: int, events: int, now: datetime
) -> dict[int, list[tuple[int, int, datetime, str, bool]]]:
    """Posts and event_posts; gives each event's (pk, site, time, sentiment, copy)."""
    rnd = random.Random(11)
    start = now - timedelta(days=DAYS)
    span = (now - start).total_seconds()
    members: dict[int, list[tuple[int, int, datetime, str, bool]]] = defaultdict(list)
    rows: list[tuple[object, ...]] = []
    links: list[tuple[str, int, str]] = []
    insert = (
        "INSERT INTO posts (pk, uid, post_id, source, url, title, text, html, folded, author,"
        " lang, platform, media_tier, published_at, received_at, engagement, extra,"
        " content_key, duplicate_of_pk, duplicate_of, copies, dedup_sig, watches,"
        " annotations, sentiment_label, sentiment_score)"
        " VALUES (?,?,?,?,?,?,?,NULL,?,NULL,'zh',?,?,?,?,?,'{}',?,?,?,0,NULL,'[]','{}',?,?)"
    )
    for n, post in enumerate(synth_posts(count, watches=200), start=1):
        published = start + timedelta(seconds=span * n / count - rnd.random() * 60)
        site = rnd.randrange(SITES)
        sentiment = rnd.choices(("negative", "neutral", "positive"), (25, 55, 20))[0]
        copy_of = n - rnd.randrange(1, 50) if n > 50 and rnd.random() < 0.05 else None
        text = str(post["text"])
        rows.append(
            (
                n, f"u{n}", f"p{n}", f"site{site}", f"https://site{site}.example/{n}",
                text[:20], text, text, "microblog", _tier(site), _ts(published), _ts(published),
                json.dumps(post["engagement"]), f"k{n}", copy_of,
                f"p{copy_of}" if copy_of else None, sentiment, 0.9,
            )
        )  # fmt: skip
        event = _event_of(rnd, n, count, events)
        if event is not None:
            links.append((f"ev{event}", n, _ts(published)))
            members[event].append((n, site, published, sentiment, copy_of is not None))
        if len(rows) >= 20_000:
            db.executemany(insert, rows)
            rows.clear()
    db.executemany(insert, rows)
    db.executemany("INSERT INTO event_posts VALUES (?, ?, ?, 0)", links)
    return members


def _write_events(
    db: sqlite3.Connection,
    members: dict[int, list[tuple[int, int, datetime, str, bool]]],
    events: int,
    now: datetime,
) -> None:
    rnd = random.Random(13)
    event_rows, hour_rows, site_rows, decisions, alerts = [], [], [], [], []
    for k in range(events):
        posts = sorted(members.get(k, []), key=lambda m: m[2])
        if not posts:
            continue
        first, last = posts[0], posts[-1]
        hours: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
        sites: dict[int, list[object]] = {}
        for pk, site, at, sentiment, _copy in posts:
            bucket = hours[at.replace(minute=0, second=0, microsecond=0)]
            bucket[0] += 1
            bucket[1] += sentiment == "negative"
            if site not in sites:
                sites[site] = [at, pk, 0]
            sites[site][2] += 1  # type: ignore[operator]
        negative = sum(m[3] == "negative" for m in posts)
        recent = (now - last[2]).total_seconds() / 3600
        heat = round(len(posts) * 10 / (1 + recent) + rnd.random(), 3)
        top = min((_tier(s) for s in sites), key=TIERS.index)
        event_rows.append(
            (
                f"ev{k}", "", f"事件{k}", json.dumps(["食堂", f"词{k % 97}"], ensure_ascii=False),
                first[0], f"site{first[1]}", _ts(first[2]), _ts(last[2]), len(posts),
                sum(m[4] for m in posts), negative, sum(m[3] == "positive" for m in posts),
                len(posts) * 3, len(posts), len(posts) * 7, 0, len(sites), top, heat,
                None, _ts(last[2]), "{}",
            )
        )  # fmt: skip
        hour_rows.extend((f"ev{k}", _ts(h), p, neg, p * 10) for h, (p, neg) in hours.items())
        site_rows.extend(
            (f"ev{k}", f"site{s}", "microblog", _tier(s), _ts(at), pk, n)  # type: ignore[arg-type]
            for s, (at, pk, n) in sites.items()
        )
        if rnd.random() < 0.2:
            level = rnd.choice(LEVELS)
            status = rnd.choice(("proposed", "proposed", "confirmed", "dismissed"))
            reasons = [{"criterion": "min_posts", "posts": len(posts), "needed": 10}]
            decided = _ts(last[2] + timedelta(minutes=30)) if status != "proposed" else None
            decisions.append(
                (
                    f"ev{k}", 1, level, json.dumps(reasons), _ts(last[2]), status,
                    level if status == "confirmed" else None,
                    "leader" if decided else None, decided, None,
                )
            )  # fmt: skip
            if status != "dismissed" and rnd.random() < 0.3:
                created = last[2] + timedelta(minutes=5)
                acknowledged = rnd.random() < 0.8
                alerts.append(
                    (
                        f"ev{k}", level, LEVELS.index(level) + 1, f"事件{k}", f"事件{k}达到{level}",
                        _ts(created), f"t{k}", _ts(created + timedelta(hours=2)),
                        _ts(created + timedelta(minutes=20)) if acknowledged else None,
                        "leader" if acknowledged else None, 0, 0, None,
                    )
                )  # fmt: skip
    db.executemany(f"INSERT INTO events VALUES ({','.join('?' * 22)})", event_rows)
    db.executemany("INSERT INTO event_hours VALUES (?,?,?,?,?)", hour_rows)
    db.executemany("INSERT INTO event_sites VALUES (?,?,?,?,?,?,?)", site_rows)
    db.executemany(
        "INSERT INTO level_decisions (event_id, plan_version, proposed_level, reasons,"
        " proposed_at, status, level, decided_by, decided_at, reason)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        decisions,
    )
    db.executemany(
        "INSERT INTO alerts (event_id, level, level_rank, title, text, created_at, ack_token,"
        " ack_due_at, acknowledged_at, acknowledged_by, reminders, escalation_step,"
        " next_check_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        alerts,
    )
    sources = [
        (f"site{s}", "rss", f"https://site{s}.example/feed", "microblog", _tier(s), 300, 0, 0,
         1, "{}", _ts(now), 3 if s % 40 == 0 else 0, 0, 0)
        for s in range(SITES)
    ]  # fmt: skip
    db.executemany(
        "INSERT INTO sources (name, kind, url, platform, media_tier, interval_s, internal,"
        " keep_all, enabled, options, created_at, consecutive_failures, items_seen,"
        " items_kept) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        sources,
    )


def _people(url: str, users: int) -> None:
    """The example plan and `users` office users (argon2 hashes: through the service)."""
    clock = SystemClock()
    engine = make_engine(url)
    with Session(engine) as session:
        plan_service.load(
            session=session, clock=clock, author="bench", text=example_plan_text("school"),
            source_name="examples/plans/school.yaml",
        )  # fmt: skip
        for i in range(users):
            auth_service.create_user(
                session=session, clock=clock, actor="bench", name=f"bench{i:02d}",
                role="office", password=PASSWORD,
            )  # fmt: skip
        session.commit()
    engine.dispose()


def _incidents(url: str, events: int) -> int:
    """Open incidents from tips, discovered over the last six hours (some clocks already
    overdue), their level confirmed so the plan's clocks run; none when some exist."""
    engine = make_engine(url)
    count = max(20, events // INCIDENTS_PER_EVENTS)
    rnd = random.Random(29)
    leader = Actor(name="bench-leader", display_name="", role="leader")
    with Session(engine) as session:
        if session.query(Incident).count():
            return 0
        clock = SystemClock()
        now = clock.now()
        for n in range(count):
            opened = incidents.open_incident(
                session=session, clock=clock, actor=leader, tip_channel="phone",
                tip_text=f"来电反映事件{n}", title=f"来电反映事件{n}", confidential=n % 10 == 0,
                lead_department=DEPARTMENTS[n % len(DEPARTMENTS)],
                discovered_at=now - timedelta(minutes=rnd.randrange(360)),
            )  # fmt: skip
            incidents.confirm_level(session=session, clock=clock, actor=leader,
                                    incident_id=opened.id, level=rnd.choice(LEVELS))  # fmt: skip
        session.commit()
    engine.dispose()
    return count


def steady_polls(path: Path) -> None:
    """The sites' polls spread over their interval from now, their failure counts as
    built: what a running service has, for every run alike. Left as the last run left
    them, all 200 (never polled yet) or none (backed off) fell due within a run, so runs
    in a row had different work besides the pages (bench/web.py --compare)."""
    now = datetime.now(UTC)
    with sqlite3.connect(path, timeout=30) as db:
        db.executemany(
            "UPDATE sources SET next_poll_at = ?, consecutive_failures = ? WHERE name = ?",
            [(_ts(now + timedelta(seconds=300 * s / SITES)), 3 if s % 40 == 0 else 0,
              f"site{s}") for s in range(SITES)],
        )  # fmt: skip
    db.close()


def build(home: Path, *, posts: int, events: int, users: int) -> tuple[Path, bool]:
    """The store under `home` (built once per size; reused after); (path, reused)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "yuqing.db"
    wanted = {"posts": posts, "events": events, "users": users}
    mark = home / MARK
    if path.exists() and mark.exists() and json.loads(mark.read_text()) == wanted:
        upgrade(make_engine(f"sqlite:///{path}"))  # a cached store may predate the schema
        _incidents(f"sqlite:///{path}", events)  # … or its incidents
        return path, True
    for stale in home.glob("yuqing.db*"):
        stale.unlink()
    mark.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(make_engine(url))
    started = time.perf_counter()
    now = datetime.now(UTC)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    with db:
        members = _write_posts(db, posts, events, now)
        _write_events(db, members, events, now)
    db.execute("ANALYZE")
    db.close()
    _people(url, users)
    _incidents(url, events)
    mark.write_text(json.dumps(wanted))
    print(f"built {posts} posts, {events} events in {time.perf_counter() - started:.0f} s")
    return path, False
