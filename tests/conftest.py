"""Shared fixtures: stores on SQLite and PostgreSQL, a frozen clock, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_ADMIN_URL = os.environ.get("YUQING_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
# Tests read the default language's text (zh_CN, docs/i18n.md) unless they pick another,
# whatever the shell running them has set; the CLI fixtures copy this environment.
os.environ.pop("YUQING_LANG", None)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run (and xdist worker), dropped after."""
    name = f"yuqing_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the suite needs the real server: say so plainly
        pytest.fail(f"PostgreSQL is needed at {PG_ADMIN_URL} (run `make services`): {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _truncate_pg(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@dataclass
class Store:
    """A migrated, empty store and how to reach it from a subprocess."""

    backend: str
    url: str
    engine: Engine


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty migrated store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'yuqing.db'}"
        engine = make_engine(url)
        upgrade(engine)
        yield Store("sqlite", url, engine)
        engine.dispose()
    else:
        engine = request.getfixturevalue("_pg_engine")
        url = request.getfixturevalue("pg_url")
        _truncate_pg(engine)
        yield Store("postgresql", url, engine)
        _truncate_pg(engine)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai


@pytest.fixture
def settings(tmp_path: Path, store: Store) -> Settings:
    return Settings(home=tmp_path, db_url=store.url)


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@dataclass
class Cli:
    """Runs the installed `yuqing` command against one store."""

    env: dict[str, str]

    def __call__(self, *args: str, input: str | bytes | None = None) -> CliResult:
        data = input.encode() if isinstance(input, str) else input
        proc = subprocess.run(
            [sys.executable, "-m", "yuqing", *args],
            input=data,
            capture_output=True,
            env=self.env,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        return CliResult(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )


@pytest.fixture
def cli(tmp_path: Path, store: Store) -> Cli:
    env = dict(os.environ)
    env.update({"YUQING_HOME": str(tmp_path / "home"), "YUQING_DB": store.url})
    return Cli(env)


@pytest.fixture
def bare_cli(tmp_path: Path) -> Cli:
    """The command with a fresh SQLite home and no database fixture."""
    env = dict(os.environ)
    env["YUQING_HOME"] = str(tmp_path / "home")
    env.pop("YUQING_DB", None)
    return Cli(env)
