"""A drill's sandbox: what it copies from the live store, which it never writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.drills.conftest import PEOPLE, snapshot
from tests.web.conftest import PASSWORD
from yuqing.alerts.sending import load_channel_settings
from yuqing.auth import service as auth_service
from yuqing.core.errors import Conflict, InvalidInput, NotFound
from yuqing.core.i18n import use_locale
from yuqing.core.settings import Settings, load_settings
from yuqing.drills.sandbox import create_sandbox, list_drills, remove_drill
from yuqing.drills.scenario import read_scenario
from yuqing.monitor import service as monitor_service
from yuqing.plan import service as plan_service


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, so tests read them the way the code writes them."""
    with use_locale("en"):
        yield


def test_the_sandbox_copies_the_office_and_never_writes_the_live_store(store, live, clock):
    before = snapshot(store.engine)
    settings, engine = create_sandbox(
        live=live, name="spring", scenario=read_scenario(None), clock=clock
    )
    assert snapshot(store.engine) == before
    assert settings.home == live.home / "drills" / "spring"
    assert settings.db_url == f"sqlite:///{settings.home / 'yuqing.db'}"
    assert settings.drill == "spring"
    with Session(engine) as session:
        plan = plan_service.get_active(session=session)
        assert plan is not None and plan.source_name == "school.yaml"
        assert len(monitor_service.load_watches(session=session)) > 0
        assert [d.name for d in auth_service.get_all_departments(session=session)] == [
            "logistics",
            "office",
        ]
        names = sorted(u.name for u in auth_service.get_all_users(session=session))
        assert names == sorted(name for name, _role, _dept in PEOPLE)
        # People sign in to the sandbox with their own passwords.
        assert auth_service.check_password(session=session, name="boss", password=PASSWORD)
    engine.dispose()
    marker = json.loads((settings.home / "drill.json").read_text("utf-8"))
    assert marker["name"] == "spring" and marker["posts"] == 457 and marker["notify"] is False
    # The sandbox's home says it is a drill to whatever serves it.
    assert load_settings({"YUQING_HOME": str(settings.home)}).drill == "spring"
    assert load_settings({"YUQING_HOME": str(live.home)}).drill is None


def test_a_name_in_use_is_refused_unless_restarted(live, clock):
    scenario = read_scenario(None)
    _settings, engine = create_sandbox(live=live, name="d1", scenario=scenario, clock=clock)
    engine.dispose()
    (live.home / "drills" / "d1" / "note").write_text("left from the first run")
    with pytest.raises(Conflict, match="exists already"):
        create_sandbox(live=live, name="d1", scenario=scenario, clock=clock)
    settings, engine = create_sandbox(
        live=live, name="d1", scenario=scenario, clock=clock, restart=True
    )
    engine.dispose()
    assert not (settings.home / "note").exists()
    assert [d.name for d in list_drills(live)] == ["d1"]
    assert remove_drill(live, "d1") == settings.home
    assert not settings.home.exists() and list_drills(live) == []
    with pytest.raises(NotFound):
        remove_drill(live, "d1")


@pytest.mark.parametrize("name", ["../up", "", ".hidden", "a/b", "x" * 65, "演练"])
def test_a_name_that_is_no_plain_folder_is_refused(live, clock, name):
    with pytest.raises(InvalidInput, match="drill name"):
        create_sandbox(live=live, name=name, scenario=read_scenario(None), clock=clock)
    assert not (live.home / "drills").exists()


def test_a_plan_file_is_rehearsed_instead_of_the_live_one(live, clock, tmp_path):
    plan = Path(__file__).resolve().parents[2] / "examples" / "plans" / "township.yaml"
    _settings, engine = create_sandbox(
        live=live, name="t", scenario=read_scenario(None), clock=clock, plan_file=plan
    )
    with Session(engine) as session:
        active = plan_service.get_active(session=session)
        assert active is not None and active.source_name == str(plan)
    engine.dispose()
    with pytest.raises(InvalidInput, match="cannot read the plan"):
        create_sandbox(
            live=live, name="u", scenario=read_scenario(None), clock=clock,
            plan_file=tmp_path / "missing.yaml",
        )  # fmt: skip
    assert not (live.home / "drills" / "u").exists()  # nothing half-made


def test_no_live_store_yet_is_not_created(tmp_path, clock):
    live = Settings(home=tmp_path / "home", db_url=f"sqlite:///{tmp_path / 'home' / 'y.db'}")
    settings, engine = create_sandbox(
        live=live, name="first", scenario=read_scenario(None), clock=clock
    )
    with Session(engine) as session:
        names = {u.name for u in auth_service.get_all_users(session=session)}
    engine.dispose()
    assert "leader" in names  # the demo's sign-ins, as `yuqing demo` has them
    assert not (tmp_path / "home" / "y.db").exists()
    assert settings.drill == "first"


def test_deliveries_are_recorded_not_sent_without_notify(live, clock, tmp_path):
    (live.home / "channels.yaml").write_text("ack_base_url: https://yuqing.example.cn\n")
    quiet, engine = create_sandbox(live=live, name="q", scenario=read_scenario(None), clock=clock)
    engine.dispose()
    loud, engine = create_sandbox(
        live=live, name="n", scenario=read_scenario(None), clock=clock, notify=True
    )
    engine.dispose()
    assert load_channel_settings(quiet.home, environ={}).record_only
    assert not (quiet.home / "channels.yaml").exists()
    # Even a channels file named in the environment does not make a quiet drill send.
    env = {"YUQING_CHANNELS": str(live.home / "channels.yaml")}
    assert load_channel_settings(quiet.home, environ=env).record_only
    noisy = load_channel_settings(loud.home, environ={})
    assert not noisy.record_only and noisy.ack_base_url == "https://yuqing.example.cn"


def test_a_sandbox_keeps_its_own_store_whatever_yuqing_db_says(live, clock):
    settings, engine = create_sandbox(
        live=live, name="own", scenario=read_scenario(None), clock=clock
    )
    engine.dispose()
    env = {"YUQING_HOME": str(settings.home), "YUQING_DB": live.db_url}
    assert load_settings(env).db_url == settings.db_url
