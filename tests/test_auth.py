"""Sign-in, lock-out, sessions and sign-out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, update
from sqlmodel import Session, select

from govhub import clock
from govhub.config import get_settings
from govhub.demo.city import DEMO_PASSWORD
from govhub.models import AuditEvent, AuthSession, LoginAttempt, Official
from govhub.services.identity import auth
from govhub.services.identity.auth import do_sign_in, do_sign_out, official_for_token, token_hash

GetOfficial = Callable[[str], Official]
USER = "ct.saigon"
IP = "198.51.100.7"
OTHER = "cv.saigon"


CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown usernames are checked against a dummy hash; a cheap one keeps the many-failure tests fast."""
    monkeypatch.setattr(auth, "_DUMMY_HASH", CHEAP.hash("x"))


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch, session: Session, official: GetOfficial) -> None:
    """Cheap argon2 parameters for the tests that sign in many times (the logic under test is the same)."""
    monkeypatch.setattr(auth, "_hasher", CHEAP)
    for username in (USER, OTHER):
        official(username).password_hash = CHEAP.hash(DEMO_PASSWORD)
    session.flush()


def audit_count(session: Session, action: str, **where: object) -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return session.exec(query).one()


def fail(session: Session, username: str, times: int, ip: str = IP) -> None:
    """Sign in ``times`` times with a wrong password; every attempt must be refused as invalid."""
    for _ in range(times):
        assert do_sign_in(session, username, "wrong-password", client_ip=ip).error == "auth.error.invalid"


def age_attempts(session: Session, minutes: int) -> None:
    """Pretend every sign-in attempt happened ``minutes`` earlier."""
    session.execute(update(LoginAttempt).values(at=clock.now() - timedelta(minutes=minutes)))


# --- sign-in ---------------------------------------------------------------------------------------------


def test_sign_in_with_the_demo_password(session: Session, official: GetOfficial) -> None:
    result = do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP, user_agent="pytest")
    assert result.error is None and result.token
    assert result.official_id == official(USER).id
    stored = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(result.token))).one()
    assert stored.official_id == result.official_id and stored.revoked_at is None
    assert stored.expires_at > clock.now() + timedelta(hours=get_settings().session_hours) - timedelta(minutes=1)
    assert stored.token_hash != result.token  # only the hash is stored
    assert audit_count(session, "auth.session_started", actor_id=result.official_id, client_ip=IP) == 1
    attempt = session.exec(select(LoginAttempt).where(LoginAttempt.username == USER)).one()
    assert attempt.success and attempt.client_ip == IP


def test_sign_in_ignores_username_case_and_spaces(session: Session) -> None:
    assert do_sign_in(session, "  CT.Saigon ", DEMO_PASSWORD).token


def test_wrong_password_is_refused(session: Session) -> None:
    result = do_sign_in(session, USER, "not-the-password", client_ip=IP)
    assert result == auth.SignInResult(error="auth.error.invalid")
    assert audit_count(session, "auth.sign_in_failed", client_ip=IP) == 1
    assert audit_count(session, "auth.session_started") == 0
    attempt = session.exec(select(LoginAttempt).where(LoginAttempt.username == USER)).one()
    assert not attempt.success


def test_unknown_user_gets_the_same_error(session: Session) -> None:
    result = do_sign_in(session, "no.such.user", DEMO_PASSWORD, client_ip=IP)
    assert result == auth.SignInResult(error="auth.error.invalid")
    assert audit_count(session, "auth.sign_in_failed", client_ip=IP) == 1


@pytest.mark.parametrize(("username", "password"), [("", DEMO_PASSWORD), ("   ", DEMO_PASSWORD), (USER, ""),
                                                    (USER, "x" * 513)])
def test_blank_or_oversized_input_is_refused(session: Session, username: str, password: str) -> None:
    assert do_sign_in(session, username, password).error == "auth.error.invalid"


def test_inactive_official_is_refused(session: Session, official: GetOfficial) -> None:
    official(USER).active = False
    session.flush()
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).error == "auth.error.invalid"
    assert audit_count(session, "auth.session_started") == 0


def test_account_without_password_is_refused(session: Session, official: GetOfficial) -> None:
    official(USER).password_hash = None
    session.flush()
    assert do_sign_in(session, USER, DEMO_PASSWORD).error == "auth.error.invalid"


# --- lock-out ----------------------------------------------------------------------------------------------


def past_failures(session: Session, username: str, n: int, seconds_ago: float, ip: str = IP) -> None:
    """``n`` failed attempts recorded ``seconds_ago`` (as if spaced out by an attacker who waited each time)."""
    at = clock.now() - timedelta(seconds=seconds_ago)
    session.add_all([LoginAttempt(username=username, client_ip=ip, success=False, at=at) for _ in range(n)])
    session.flush()


def test_account_waits_after_too_many_failures(fast: None, session: Session) -> None:
    limit = get_settings().login_max_failures
    fail(session, USER, limit - 1)
    assert not auth.is_locked(session, USER, IP)
    fail(session, USER, 1)
    assert auth.is_locked(session, USER, IP)
    result = do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP)
    assert result == auth.SignInResult(error="auth.error.locked")
    assert audit_count(session, "auth.sign_in_locked", client_ip=IP) == 1
    assert audit_count(session, "auth.session_started") == 0
    # The wait is on the username, from any address the official has not signed in from.
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip="203.0.113.9").error == "auth.error.locked"


def test_account_wait_leaves_other_accounts_alone(fast: None, session: Session) -> None:
    fail(session, USER, get_settings().login_max_failures)
    assert do_sign_in(session, OTHER, DEMO_PASSWORD, client_ip="203.0.113.9").token


@pytest.mark.parametrize(("extra", "wait"), [(0, 1), (3, 8), (8, 256), (40, 15 * 60)])
def test_the_wait_doubles_with_each_failure_up_to_the_cap(fast: None, session: Session, extra: int,
                                                          wait: int) -> None:
    """Five wrong passwords cost the official a second, not a quarter of an hour; a guesser who keeps going
    waits twice as long after each failure, at most ``login_lockout_minutes``."""
    past_failures(session, USER, get_settings().login_max_failures + extra, seconds_ago=wait - 0.5)
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).error == "auth.error.locked"
    session.execute(update(LoginAttempt).values(at=clock.now() - timedelta(seconds=wait + 0.5)))
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).token


def test_failures_from_elsewhere_do_not_keep_the_official_out(fast: None, session: Session) -> None:
    """An address the official signed in from recently is not held back by someone else's failures."""
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).token
    past_failures(session, USER, 40, seconds_ago=0, ip="203.0.113.66")
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip="203.0.113.9").error == "auth.error.locked"
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).token
    # ... but failures from that address itself count (the per-address limit applies to it as well).
    fail(session, OTHER, get_settings().login_max_failures, ip=IP)
    assert do_sign_in(session, OTHER, DEMO_PASSWORD, client_ip=IP).error == "auth.error.locked"


def test_client_address_locks_after_failures_across_usernames(fast: None, session: Session) -> None:
    limit = get_settings().login_ip_max_failures
    for i in range(limit - 1):
        fail(session, f"guess{i}", 1)
    assert not auth.is_locked(session, USER, IP)
    fail(session, "guess-last", 1)
    assert auth.is_locked(session, USER, IP)
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).error == "auth.error.locked"
    # Another address, and the same user, still get in.
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip="203.0.113.9").token


def test_client_address_lock_needs_an_address(fast: None, session: Session) -> None:
    """Failures without a known address never lock everybody out."""
    for i in range(get_settings().login_ip_max_failures):
        fail(session, f"guess{i}", 1, ip="")
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip="").token


def test_success_resets_the_account_counter(fast: None, session: Session) -> None:
    limit = get_settings().login_max_failures
    fail(session, USER, limit - 1)
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).token
    fail(session, USER, limit - 1)
    assert not auth.is_locked(session, USER, IP)
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).token


def test_success_of_another_account_does_not_reset_the_counter(fast: None, session: Session) -> None:
    """The denial twin of the reset: only the account's own success clears its failures."""
    limit = get_settings().login_max_failures
    fail(session, USER, limit - 1)
    assert do_sign_in(session, OTHER, DEMO_PASSWORD, client_ip=IP).token
    fail(session, USER, 1)
    assert do_sign_in(session, USER, DEMO_PASSWORD, client_ip=IP).error == "auth.error.locked"


# --- sessions ----------------------------------------------------------------------------------------------


def signed_in(session: Session, username: str = USER) -> str:
    token = do_sign_in(session, username, DEMO_PASSWORD, client_ip=IP).token
    assert token
    return token


def test_token_gives_the_official(fast: None, session: Session, official: GetOfficial) -> None:
    token = signed_in(session)
    found = official_for_token(session, token)
    assert found is not None and found.id == official(USER).id


@pytest.mark.parametrize("token", [None, "", "garbage", "x" * 201])
def test_unknown_token_gives_nobody(fast: None, session: Session, token: str | None) -> None:
    signed_in(session)
    assert official_for_token(session, token) is None


def test_token_hash_is_not_a_token(fast: None, session: Session) -> None:
    token = signed_in(session)
    assert official_for_token(session, token_hash(token)) is None


def test_expired_session_gives_nobody(fast: None, session: Session) -> None:
    token = signed_in(session)
    stored = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).one()
    stored.expires_at = clock.now() - timedelta(seconds=1)
    session.flush()
    assert official_for_token(session, token) is None


def test_session_of_a_deactivated_official_gives_nobody(
    fast: None, session: Session, official: GetOfficial
) -> None:
    token = signed_in(session)
    official(USER).active = False
    session.flush()
    assert official_for_token(session, token) is None


def test_sign_out_revokes_the_session(fast: None, session: Session, official: GetOfficial) -> None:
    token = signed_in(session)
    other = signed_in(session, OTHER)
    do_sign_out(session, token, client_ip=IP)
    assert official_for_token(session, token) is None
    assert official_for_token(session, other) is not None  # other sessions live on
    actor = official(USER).id
    assert audit_count(session, "auth.session_ended", actor_id=actor, object_id=actor, client_ip=IP) == 1


def test_sign_out_is_idempotent(fast: None, session: Session) -> None:
    token = signed_in(session)
    do_sign_out(session, token)
    revoked_at = session.exec(select(AuthSession.revoked_at).where(AuthSession.token_hash == token_hash(token))).one()
    do_sign_out(session, token)
    do_sign_out(session, "garbage")
    do_sign_out(session, None)
    do_sign_out(session, "")
    assert audit_count(session, "auth.session_ended") == 1
    assert session.exec(
        select(AuthSession.revoked_at).where(AuthSession.token_hash == token_hash(token))
    ).one() == revoked_at


def test_password_rules(fast: None, session: Session, official: GetOfficial) -> None:
    person = official(OTHER)
    with pytest.raises(ValueError):
        auth.do_set_password(session, person, "short")
    auth.do_set_password(session, person, "a-new-long-password")
    session.flush()
    assert do_sign_in(session, OTHER, "a-new-long-password").token
    assert do_sign_in(session, OTHER, DEMO_PASSWORD).error == "auth.error.invalid"


def test_weak_hash_is_upgraded_on_sign_in(session: Session, official: GetOfficial) -> None:
    person = official(OTHER)
    person.password_hash = weak = CHEAP.hash(DEMO_PASSWORD)
    session.flush()
    assert do_sign_in(session, OTHER, DEMO_PASSWORD).token
    assert person.password_hash != weak
    assert not PasswordHasher().check_needs_rehash(person.password_hash)
    assert PasswordHasher().verify(person.password_hash, DEMO_PASSWORD)


def test_a_refusal_is_recorded_once_for_an_official_and_for_strangers_only_when_asked(
        fast: None, session: Session, official: GetOfficial) -> None:
    who = official("cv.saigon")
    token = auth.do_start_session(session, who, client_ip=IP)

    def refusals() -> list[AuditEvent]:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")
                                 .order_by(AuditEvent.id)).all())

    before = len(refusals())
    auth.do_record_refusal(session, "access.refused", token=token, object_type="doc_file", object_id=7,
                           detail={"route": "/files"}, client_ip=IP)
    auth.do_record_refusal(session, "access.refused", token="not-a-session", client_ip=IP)  # a stranger: nothing
    auth.do_record_refusal(session, "access.refused", actor_id=who.id, detail={"handler": "X.y"})
    rows = refusals()[before:]
    assert [(r.actor_id, r.object_type, r.object_id, r.client_ip) for r in rows] == [
        (who.id, "doc_file", 7, IP), (who.id, "", None, "")]
    auth.do_record_refusal(session, "auth.refused", anonymous=True, detail={"reason": "cross_site"}, client_ip=IP)
    last = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.actor_id, last.client_ip) == ("auth.refused", None, IP)
