"""Create or upgrade the store through Alembic (`yuqing init`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

# The newest revision under migrations/versions; a test checks it against Alembic's head,
# so opening an up-to-date store needs no Alembic import (commands start fast).
HEAD = "0020"


def _config(engine: Engine) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; idempotent, never drops data."""
    from alembic import command

    command.upgrade(_config(engine), revision)  # type: ignore[arg-type]


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision, or None for an empty store."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        # Read directly: importing Alembic costs a tenth of a second on every command.
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_current(engine: Engine) -> None:
    """Upgrade the store when it is not at HEAD (an empty store is created)."""
    if current_revision(engine) != HEAD:
        upgrade(engine)
