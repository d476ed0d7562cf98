from pathlib import Path

import pytest

from yuqing.core.errors import InvalidInput
from yuqing.core.settings import DEFAULT_MAX_POST_BYTES, load_settings


def test_defaults_put_sqlite_under_home(tmp_path: Path) -> None:
    settings = load_settings({"YUQING_HOME": str(tmp_path)})
    assert settings.db_url == f"sqlite:///{tmp_path / 'yuqing.db'}"
    assert settings.max_post_bytes == DEFAULT_MAX_POST_BYTES
    assert not settings.allow_internal_fetch


def test_db_url_and_size_cap_from_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "YUQING_HOME": str(tmp_path),
            "YUQING_DB": "postgresql+psycopg://u@h/db",
            "YUQING_MAX_POST_BYTES": "2048",
        }
    )
    assert settings.db_url == "postgresql+psycopg://u@h/db"
    assert settings.max_post_bytes == 2048


def test_bad_size_cap_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="YUQING_MAX_POST_BYTES 必须是整数，不能是 'lots'"):
        load_settings({"YUQING_HOME": str(tmp_path), "YUQING_MAX_POST_BYTES": "lots"})


def test_push_body_cap_from_environment(tmp_path: Path) -> None:
    assert load_settings({"YUQING_HOME": str(tmp_path)}).max_push_bytes == 16 * 1024 * 1024
    settings = load_settings({"YUQING_HOME": str(tmp_path), "YUQING_MAX_PUSH_BYTES": "4096"})
    assert settings.max_push_bytes == 4096
    with pytest.raises(InvalidInput, match="YUQING_MAX_PUSH_BYTES 必须是正数，不能是 0"):
        load_settings({"YUQING_HOME": str(tmp_path), "YUQING_MAX_PUSH_BYTES": "0"})


def test_sign_in_policy_has_defaults_and_reads_the_environment(tmp_path: Path) -> None:
    defaults = load_settings({"YUQING_HOME": str(tmp_path)}).auth
    assert (defaults.session_idle_minutes, defaults.session_max_hours) == (30, 12)
    assert (defaults.login_max_failures, defaults.login_lockout_seconds) == (5, 60)
    tuned = load_settings(
        {
            "YUQING_HOME": str(tmp_path),
            "YUQING_SESSION_IDLE_MINUTES": "10",
            "YUQING_LOGIN_MAX_FAILURES": "3",
            "YUQING_API_RATE_PER_MINUTE": "600",
        }
    ).auth
    assert (tuned.session_idle_minutes, tuned.login_max_failures, tuned.api_rate_per_minute) == (
        10,
        3,
        600,
    )
    with pytest.raises(InvalidInput, match="YUQING_SESSION_MAX_HOURS"):
        load_settings({"YUQING_HOME": str(tmp_path), "YUQING_SESSION_MAX_HOURS": "0"})
