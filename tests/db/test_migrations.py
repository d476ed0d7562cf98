from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tests.conftest import Store
from yuqing.db import migrate


def test_head_constant_matches_alembic() -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == migrate.HEAD


def test_upgrade_is_idempotent_and_creates_tables(store: Store) -> None:
    migrate.upgrade(store.engine)
    migrate.ensure_current(store.engine)
    assert migrate.current_revision(store.engine) == migrate.HEAD
    tables = set(inspect(store.engine).get_table_names())
    assert {"sources", "watches", "posts", "post_watches", "post_search"} <= tables
    accounts = {"departments", "users", "login_sessions", "login_throttles", "api_tokens"}
    assert accounts | {"audit_entries", "audit_head"} <= tables


def test_0019_stops_the_clocks_incidents_left_running_at_their_end(store: Store) -> None:
    import importlib.util
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    import yuqing.alerts.models  # noqa: F401  # the table incidents refer to
    from yuqing.incidents.models import DeadlineClock, Incident

    path = (
        Path(migrate.__file__).parent / "migrations/versions/0019_stop_clocks_of_ended_incidents.py"
    )
    spec = importlib.util.spec_from_file_location("m0019", path)
    assert spec is not None and spec.loader is not None
    m0019 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0019)

    t = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    ended, closed = t + timedelta(hours=5), t + timedelta(days=2)
    with Session(store.engine) as session:
        for status, end, close in (("open", None, None), ("ended", ended, None),
                                   ("closed", ended, closed)):  # fmt: skip
            incident = Incident(title=status, origin="tip", plan_version=1, stage="s", owner="o",
                                status=status, discovered_at=t, opened_at=t, opened_by="o",
                                updated_at=t, ended_at=end, closed_at=close)  # fmt: skip
            session.add(incident)
            session.flush()
            for name in ("report:progress", "report:closing"):
                session.add(DeadlineClock(incident_id=incident.id, name=name, source="x",
                                          started_at=t, due_at=t + timedelta(days=9)))  # fmt: skip
        session.commit()
    with store.engine.begin() as connection:
        m0019.stop_clocks_of_ended(connection)
    with Session(store.engine) as session:
        rows = session.execute(
            select(Incident.status, DeadlineClock.name, DeadlineClock.state, DeadlineClock.done_at)
            .join(Incident, Incident.id == DeadlineClock.incident_id)
            .order_by(DeadlineClock.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("open", "report:progress", "running", None),
        ("open", "report:closing", "running", None),
        ("ended", "report:progress", "stopped", ended),
        ("ended", "report:closing", "running", None),  # the closing report is due after the end
        ("closed", "report:progress", "stopped", ended),
        ("closed", "report:closing", "stopped", closed),
    ]


def test_a_batch_migration_on_sqlite_keeps_the_rows_that_refer_to_its_table(
    tmp_path: Path,
) -> None:
    """0020 copies `deliveries` (its alert may now be empty): the delivery attempts that
    refer to it stay, and foreign keys are enforced again afterwards."""
    from sqlalchemy import text

    from yuqing.db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0019")
    at = "'2026-03-02 01:00:00.000000'"
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO events (id, partition, title, keywords, first_source, first_at, last_at,"
                " posts, copies, negative, positive, reposts, comments, likes, views, sites, heat,"
                f" updated_at, extra) VALUES ('ev1', 'p', 't', '[]', 's', {at}, {at}, 1, 0, 0, 0, 0,"
                f" 0, 0, 0, 1, 1.0, {at}, '{{}}')"
            )
        )
        c.execute(
            text(
                "INSERT INTO alerts (id, event_id, level, level_rank, title, text, created_at,"
                f" ack_token, reminders, escalation_step) VALUES (1, 'ev1', 'I', 1, 't', 'x', {at},"
                " 'tok', 0, 0)"
            )
        )
        c.execute(
            text(
                "INSERT INTO deliveries (id, alert_id, purpose, recipient, channel, address,"
                " idempotency_key, status, attempts, not_before) VALUES (1, 1, 'alert', 'r',"
                f" 'email', 'a@b', 'k', 'sent', 1, {at})"
            )
        )
        c.execute(text(
            "INSERT INTO delivery_attempts (delivery_id, at, ok, retryable, detail)"
            f" VALUES (1, {at}, 1, 0, 'ok')"
        ))  # fmt: skip
    migrate.upgrade(engine)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM delivery_attempts")).scalar() == 1
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
