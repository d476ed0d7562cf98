"""Alembic environment: runs on the engine `yuqing.db.migrate` hands over."""

from __future__ import annotations

from typing import Any

from alembic import context

from yuqing.db.base import Base


def _sqlite_foreign_keys(connection: Any, *, on: bool) -> None:
    """Set SQLite's foreign-key enforcement on the DBAPI connection itself: SQLite
    ignores the pragma inside a transaction, and SQLAlchemy's connection would begin one."""
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    cursor.close()


engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    # A batch migration on SQLite copies a table, drops the old one and renames the copy.
    # With foreign keys enforced, the drop first deletes its rows, and ON DELETE CASCADE
    # takes every row that refers to them (0020 on `deliveries` emptied
    # `delivery_attempts`): enforcement is off while migrating, and on again after.
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
