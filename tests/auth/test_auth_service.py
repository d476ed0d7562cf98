"""Accounts on both stores: users, sign-in with timeouts and lockout, tokens, the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.auth import service
from yuqing.auth.models import ApiToken, AuditEntry, LoginSession
from yuqing.auth.passwords import hash_password
from yuqing.auth.tokens import RateLimiter
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import Conflict, InvalidInput, LoginRefused, NotFound
from yuqing.core.settings import AuthSettings

POLICY = AuthSettings()
PASSWORD = "correct horse"


@pytest.fixture
def session(store: Store) -> Session:
    with Session(store.engine) as s:
        yield s  # type: ignore[misc]


def _user(session: Session, clock: FrozenClock, name: str = "li", **kw: object) -> None:
    kw.setdefault("role", "monitor")
    service.create_user(session=session, clock=clock, actor="admin", name=name,
                        password=PASSWORD, **kw)  # type: ignore[arg-type]  # fmt: skip
    session.commit()


def _sign_in(session: Session, clock: FrozenClock, name: str = "li", password: str = PASSWORD,
             address: str = "10.0.0.1") -> service.SignIn:  # fmt: skip
    try:
        return service.sign_in(session=session, clock=clock, policy=POLICY, name=name,
                               password=password, address=address)  # fmt: skip
    finally:
        session.commit()  # failures count even when refused


def test_users_are_created_with_their_department_and_checked(
    session: Session, clock: FrozenClock
) -> None:
    _user(session, clock, "wang", role="department", department="edu", display_name="王老师")
    user = service.get_user_or_raise(session=session, name="wang")
    read = service.read_user(user)
    assert (read.role, read.department, read.display_name, read.language) == (
        "department",
        "edu",
        "王老师",
        "zh_CN",
    )
    assert [d.name for d in service.get_all_departments(session=session)] == ["edu"]
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    with pytest.raises(Conflict, match="wang"):
        _user(session, clock, "wang")
    session.rollback()
    with pytest.raises(InvalidInput, match="'boss'"):
        _user(session, clock, "zhao", role="boss")
    with pytest.raises(InvalidInput, match="--dept"):
        _user(session, clock, "zhao", role="department")
    with pytest.raises(InvalidInput, match="password"):
        service.create_user(
            session=session, clock=clock, actor="a", name="zhao", role="office", password="short"
        )
    with pytest.raises(InvalidInput, match="'a b'"):
        _user(session, clock, "a b")
    with pytest.raises(NotFound):
        service.get_user_or_raise(session=session, name="nobody")


def test_a_session_ends_when_idle_too_long(session: Session, clock: FrozenClock) -> None:
    _user(session, clock)
    signed = _sign_in(session, clock)
    actor = service.resolve_session(
        session=session, clock=clock, policy=POLICY, session_id=signed.session_id
    )
    assert actor is not None and actor.name == "li" and actor.role == "monitor" and actor.csrf_token
    # The cookie's id is not what the store keeps.
    assert session.get(LoginSession, signed.session_id) is None
    clock.advance(timedelta(minutes=POLICY.session_idle_minutes - 1))
    assert service.resolve_session(
        session=session, clock=clock, policy=POLICY, session_id=signed.session_id
    )
    clock.advance(timedelta(minutes=POLICY.session_idle_minutes))
    assert (
        service.resolve_session(
            session=session, clock=clock, policy=POLICY, session_id=signed.session_id
        )
        is None
    )
    assert session.scalar(select(LoginSession)) is None  # an ended session is removed


def test_a_busy_session_still_ends_at_its_absolute_limit(
    session: Session, clock: FrozenClock
) -> None:
    _user(session, clock)
    signed = _sign_in(session, clock)
    for _ in range(POLICY.session_max_hours * 4 - 1):  # a request every 15 minutes
        clock.advance(timedelta(minutes=15))
        assert service.resolve_session(
            session=session, clock=clock, policy=POLICY, session_id=signed.session_id
        )
    clock.advance(timedelta(minutes=15))
    assert (
        service.resolve_session(
            session=session, clock=clock, policy=POLICY, session_id=signed.session_id
        )
        is None
    )


def test_a_bad_sign_in_says_nothing_about_which_field(session: Session, clock: FrozenClock) -> None:
    _user(session, clock)
    with pytest.raises(LoginRefused) as wrong_password:
        _sign_in(session, clock, password="wrong password")
    with pytest.raises(LoginRefused) as unknown_user:
        _sign_in(session, clock, name="nobody")
    assert wrong_password.value.message == unknown_user.value.message
    entries = service.get_audit_entries(session=session)
    assert [e.action for e in entries[:2]] == ["login.failed", "login.failed"]
    assert entries[0].after == {"address": "10.0.0.1", "reason": "unknown user"}


def test_lockout_backs_off_and_ignores_the_right_password(
    session: Session, clock: FrozenClock
) -> None:
    _user(session, clock)
    for _ in range(POLICY.login_max_failures - 1):
        with pytest.raises(LoginRefused) as refused:
            _sign_in(session, clock, password="wrong password")
        assert refused.value.locked_until is None
    with pytest.raises(LoginRefused) as locked:
        _sign_in(session, clock, password="wrong password")
    assert locked.value.locked_until == clock.now() + timedelta(
        seconds=POLICY.login_lockout_seconds
    )
    with pytest.raises(LoginRefused, match="1 分钟"):
        _sign_in(session, clock)  # the right password does not open a lock
    clock.advance(timedelta(seconds=POLICY.login_lockout_seconds))
    with pytest.raises(LoginRefused) as again:  # one more failure: twice as long
        _sign_in(session, clock, password="wrong password")
    assert again.value.locked_until == clock.now() + timedelta(
        seconds=2 * POLICY.login_lockout_seconds
    )
    clock.advance(timedelta(seconds=2 * POLICY.login_lockout_seconds))
    assert _sign_in(session, clock).user.name == "li"
    # A success clears the count: the next failure does not lock.
    with pytest.raises(LoginRefused) as after:
        _sign_in(session, clock, password="wrong password")
    assert after.value.locked_until is None


def test_one_address_guessing_many_names_is_locked(session: Session, clock: FrozenClock) -> None:
    _user(session, clock)
    for n in range(POLICY.login_max_failures_per_address):
        with pytest.raises(LoginRefused):
            _sign_in(session, clock, name=f"guess{n}", address="10.9.9.9")
    with pytest.raises(LoginRefused, match="分钟"):
        _sign_in(session, clock, address="10.9.9.9")
    assert _sign_in(session, clock, address="10.0.0.2").user.name == "li"  # others go on


def test_disabling_ends_sessions_and_refuses_sign_in(session: Session, clock: FrozenClock) -> None:
    _user(session, clock)
    signed = _sign_in(session, clock)
    raw, _row = service.create_token(session=session, clock=clock, actor="admin", user_name="li")
    service.disable_user(session=session, clock=clock, actor="admin", name="li")
    session.commit()
    assert (
        service.resolve_session(
            session=session, clock=clock, policy=POLICY, session_id=signed.session_id
        )
        is None
    )
    assert service.authenticate_token(session=session, raw=raw) is None
    with pytest.raises(LoginRefused):
        _sign_in(session, clock)
    entry = next(
        e for e in service.get_audit_entries(session=session) if e.action == "user.disabled"
    )
    assert (entry.actor, entry.target, entry.before, entry.after) == (
        "admin",
        "user:li",
        {"disabled": False},
        {"disabled": True},
    )


def test_tokens_are_kept_hashed_and_can_be_revoked(session: Session, clock: FrozenClock) -> None:
    _user(session, clock)
    raw, row = service.create_token(
        session=session, clock=clock, actor="admin", user_name="li", name="script"
    )
    session.commit()
    assert raw.startswith("yq_") and len(raw) > 40
    assert raw not in {t.token_hash for t in session.scalars(select(ApiToken))}
    actor = service.authenticate_token(session=session, raw=raw)
    assert actor is not None and (actor.name, actor.token_id) == ("li", row.id)
    assert service.authenticate_token(session=session, raw=raw + "x") is None
    service.revoke_token(session=session, clock=clock, actor="admin", token_id=row.id)
    session.commit()
    assert service.authenticate_token(session=session, raw=raw) is None
    with pytest.raises(Conflict):
        service.revoke_token(session=session, clock=clock, actor="admin", token_id=row.id)
    with pytest.raises(NotFound):
        service.revoke_token(session=session, clock=clock, actor="admin", token_id=999)
    assert service.read_token(row).prefix == raw[:8]


def test_the_rate_limit_allows_a_burst_then_refills() -> None:
    from datetime import UTC, datetime

    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(clock=clock, per_minute=3)
    assert [limiter.take("t") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("t") == pytest.approx(20.0)
    assert limiter.take("other") == 0.0
    clock.advance(timedelta(seconds=20))
    assert limiter.take("t") == 0.0


def _chain(session: Session, clock: FrozenClock, n: int = 4) -> None:
    for i in range(n):
        service.record(session=session, clock=clock, actor="admin", action="test.step", target=f"t:{i}",
                       before={"n": i}, after={"n": i + 1, "名": "值"})  # fmt: skip
        clock.advance(timedelta(seconds=1))
    session.commit()


def test_the_audit_trail_verifies_and_names_an_edited_entry(
    session: Session, clock: FrozenClock
) -> None:
    _chain(session, clock)
    assert service.verify(session=session) == service.Verified(
        4, service.verify(session=session).head_hash
    )
    session.execute(text("UPDATE audit_entries SET actor = 'someone' WHERE seq = 2"))
    session.commit()
    assert (
        service.verify(session=session).problem
        == "审计记录 2（test.step，2026-03-02T01:00:01+00:00）被改动过：哈希值不符"
    )


def test_the_audit_trail_names_a_deleted_entry(session: Session, clock: FrozenClock) -> None:
    _chain(session, clock)
    session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    session.commit()
    assert service.verify(session=session).problem == "审计记录 3 被删除了"


def test_the_audit_trail_names_a_deleted_last_entry(session: Session, clock: FrozenClock) -> None:
    _chain(session, clock)
    session.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
    session.commit()
    assert service.verify(session=session).problem == "审计记录 4 被删除了"
    session.execute(text("DELETE FROM audit_entries WHERE seq >= 2"))
    session.commit()
    assert service.verify(session=session).problem == "审计记录 2 至 4 被删除了"


def test_audit_entries_keep_who_when_what(session: Session, clock: FrozenClock) -> None:
    _user(session, clock)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["user.created"]
    assert entries[0].at == clock.now() and entries[0].prev_hash == "0" * 64
    assert entries[0].after["role"] == "monitor" and "password" not in str(entries[0].after)


def test_demo_users_are_one_per_role_and_made_once(session: Session, clock: FrozenClock) -> None:
    from yuqing.auth.schemas import ROLES

    assert service.create_demo_users(session=session, clock=clock) == list(ROLES)
    assert service.create_demo_users(session=session, clock=clock) == []
    session.commit()
    signed = _sign_in(session, clock, name="department", password="yuqing-demo")
    assert service.read_user(signed.user).department == "logistics"


def test_acknowledging_an_alert_is_audited(session: Session, clock: FrozenClock) -> None:
    from yuqing.alerts import service as alerts_service
    from yuqing.alerts.routing import RoutePlan
    from yuqing.analysis.models import Event

    session.add(Event(id="ev-1", partition="", title="t", keywords=[], first_source="s",
                      first_at=clock.now(), last_at=clock.now(), posts=1, copies=0, negative=0,
                      positive=0, reposts=0, comments=0, likes=0, views=0, sites=1, heat=0.0,
                      updated_at=clock.now(), extra={}))  # fmt: skip
    session.flush()
    alert = alerts_service.raise_alert(session=session, clock=clock, event_id="ev-1", level="II",
                                       level_rank=2, title="t", text="x", route=RoutePlan(recipients=[]))  # fmt: skip
    assert alert is not None
    alerts_service.acknowledge(
        session=session, clock=clock, alert_id=alert.id, by="李老师", actor="office"
    )
    session.commit()
    entry = service.get_audit_entries(session=session)[0]
    assert (entry.actor, entry.action, entry.target) == (
        "office",
        "alert.acknowledged",
        f"alert:{alert.id}",
    )
    assert entry.after == {"acknowledged": True, "by": "李老师", "level": "II", "event": "ev-1"}
    assert service.verify(session=session).problem is None


def test_the_password_is_checked_before_the_write_transaction(
    session: Session, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user(session, clock)
    session.commit()
    right = service.check_password(session=session, name=" li ", password=PASSWORD)
    wrong = service.check_password(session=session, name="li", password="not it")
    nobody = service.check_password(session=session, name="nobody", password=PASSWORD)
    assert (right.good, wrong.good, nobody.good, nobody.password_hash) == (True, False, False, None)

    def no_argon2_here(*args: object) -> bool:
        raise AssertionError("argon2 ran inside the sign-in's transaction")

    monkeypatch.setattr(service, "verify_password", no_argon2_here)
    signed = service.sign_in(session=session, clock=clock, policy=POLICY, name="li",
                             password=PASSWORD, address="10.0.0.1", checked=right)  # fmt: skip
    assert signed.user.name == "li"
    with pytest.raises(LoginRefused):
        service.sign_in(session=session, clock=clock, policy=POLICY, name="li",
                        password="not it", address="10.0.0.1", checked=wrong)  # fmt: skip
    session.commit()


def test_a_password_changed_since_it_was_checked_is_checked_again(
    session: Session, clock: FrozenClock
) -> None:
    _user(session, clock)
    session.commit()
    checked = service.check_password(session=session, name="li", password=PASSWORD)
    user = service.get_user(session=session, name="li")
    assert user is not None
    user.password_hash = hash_password("a new password 2026")
    session.commit()
    with pytest.raises(LoginRefused):  # the old password no longer opens the account
        service.sign_in(session=session, clock=clock, policy=POLICY, name="li",
                        password=PASSWORD, address="10.0.0.1", checked=checked)  # fmt: skip
    session.commit()
