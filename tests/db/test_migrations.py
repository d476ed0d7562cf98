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
