"""Engines and sessions: SQLite (WAL) by default, PostgreSQL with the same behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.db.writegate import begin_immediate, gate_for, gated_connection

BUSY_TIMEOUT = 30.0  # seconds a writer waits for the write lock before "database is locked"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs; SQLAlchemy's recipe turns it
    # off and emits BEGIN itself (see the "begin" listener below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url` (a SQLAlchemy URL); the SQLite file's folder is created."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT}
        if path and path != ":memory:":
            # The process's writers queue for the write lock in the order they ask
            # (`writegate`): a busy handler that polls lets a pipeline committing batch
            # after batch pass a waiting confirmation again and again.
            connect_args["factory"] = gated_connection(gate_for(path), BUSY_TIMEOUT)
        engine = create_engine(url, echo=echo, connect_args=connect_args)
        event.listen(engine, "connect", _sqlite_pragmas)
        # IMMEDIATE takes the write lock at the start: a deferred transaction that reads
        # and then writes while another process writes fails with "database is locked"
        # instead of waiting (busy_timeout cannot help a read→write upgrade).
        event.listen(engine, "begin", begin_immediate)
        return engine
    if url.startswith("postgresql"):
        return create_engine(url, echo=echo, pool_pre_ping=True)
    raise InvalidInput(
        _("YUQING_DB must be a sqlite:// or postgresql:// URL, not {url!r}").format(url=url)
    )


READER_POOL = 20  # connections a reader keeps open, and as many more while busy


def _reader_pragmas(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    dbapi_connection.execute("PRAGMA query_only=ON")  # a write here is a bug: refuse it


def make_reader(engine: Engine) -> Engine:
    """An engine beside `engine` for requests that only read (the pages people open most).

    On SQLite every transaction of `engine` takes the write lock at BEGIN, so pages read
    one at a time however many threads serve them. A reader's transactions begin
    deferred (WAL lets any number of readers run beside the one writer, each on its own
    snapshot) and may not write at all. PostgreSQL needs nothing of this: the engine
    itself. An in-memory SQLite store cannot be opened twice: the engine itself too.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine
    # Kept open for the pages served side by side (uvicorn's thread pool runs 40): with
    # the default 5, fifty signed-in users made the pool open and close a connection,
    # with its pragmas, for most requests.
    reader = create_engine(
        engine.url,
        pool_size=READER_POOL,
        max_overflow=READER_POOL,
        connect_args={"timeout": BUSY_TIMEOUT},
    )
    event.listen(reader, "connect", _reader_pragmas)
    event.listen(reader, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return reader


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
