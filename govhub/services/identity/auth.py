"""Local sign-in: argon2id passwords, lock-out, and server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, select

from govhub import clock
from govhub.config import get_settings
from govhub.models import AuthSession, LoginAttempt, Official
from govhub.services.core import audit

COOKIE_NAME = "govhub_session"
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("govhub-timing-equaliser")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    """Check a password; an account without one still costs one full verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """The stored form of a session cookie value."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in: a cookie value, or the reason for refusal."""

    token: str | None = None
    official_id: int | None = None
    error: str | None = None


def _address_failures(session: Session, client_ip: str, since: datetime) -> int:
    """Failures from one client address since ``since``, whatever the usernames."""
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.client_ip == client_ip, LoginAttempt.success.is_(False), LoginAttempt.at > since)
    ).one()


def _account_wait(session: Session, username: str, client_ip: str, now: datetime) -> float:
    """Seconds before this account's password may be checked again. After ``login_max_failures`` failures in a
    row (since its last success, within a day) each further failure doubles the wait, from 1 s up to
    ``login_lockout_minutes``, counted from the latest failure. An address the official signed in from in the
    last 30 days is not held back: failures from elsewhere cannot keep them out (the per-address limit still
    applies to it)."""
    settings = get_settings()
    last_ok = session.exec(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(True))).one()
    start = max(now - timedelta(days=1), last_ok) if last_ok else now - timedelta(days=1)
    count, latest = session.exec(select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at > start)).one()
    over = count - settings.login_max_failures
    if over < 0 or latest is None:
        return 0.0
    if client_ip and last_ok and last_ok > now - timedelta(days=30) and session.exec(
            select(LoginAttempt.id).where(LoginAttempt.username == username, LoginAttempt.client_ip == client_ip,
                                          LoginAttempt.success.is_(True),
                                          LoginAttempt.at > now - timedelta(days=30)).limit(1)).first():
        return 0.0
    delay = min(2.0 ** min(over, 30), settings.login_lockout_minutes * 60.0)
    return max(0.0, (latest + timedelta(seconds=delay) - now).total_seconds())


def is_locked(session: Session, username: str, client_ip: str) -> bool:
    """Whether this username must wait (a back-off per account, see ``_account_wait``) or this client address
    is locked (``login_ip_max_failures`` failures within ``login_lockout_minutes``, whatever the usernames)."""
    settings = get_settings()
    now = clock.now()
    if _account_wait(session, username, client_ip, now) > 0:
        return True
    since = now - timedelta(minutes=settings.login_lockout_minutes)
    # An address's own successful sign-ins never clear its failures: they could hide guessing at others.
    return bool(client_ip) and _address_failures(session, client_ip, since) >= settings.login_ip_max_failures


def do_start_session(
    session: Session, official: Official, *, client_ip: str = "", user_agent: str = "", method: str = "password"
) -> str:
    """Create a server-side session for ``official`` and return the cookie value."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=token_hash(token),
            official_id=official.id,
            expires_at=clock.now() + timedelta(hours=get_settings().session_hours),
            client_ip=client_ip[:64],
            user_agent=user_agent[:300],
            method=method,
        )
    )
    audit.record(session, "auth.session_started", actor_id=official.id, object_type="official",
                 object_id=official.id, detail={"method": method}, client_ip=client_ip)
    return token


def do_sign_in(session: Session, username: str, password: str, *, client_ip: str = "",
               user_agent: str = "") -> SignInResult:
    """Check a username and password; every failure looks the same and costs the same."""
    username = username.strip().lower()[:64]
    if not username or not password or len(password) > 512:
        return SignInResult(error="auth.error.invalid")
    if is_locked(session, username, client_ip):
        _verify(None, password)
        audit.record(session, "auth.sign_in_locked", detail={"username": username}, client_ip=client_ip)
        return SignInResult(error="auth.error.locked")
    official = session.exec(select(Official).where(Official.username == username)).first()
    ok = _verify(official.password_hash if official else None, password)
    ok = ok and official is not None and official.active
    session.add(LoginAttempt(username=username, client_ip=client_ip[:64], success=ok))
    if not ok:
        audit.record(session, "auth.sign_in_failed", detail={"username": username}, client_ip=client_ip)
        return SignInResult(error="auth.error.invalid")
    if _hasher.check_needs_rehash(official.password_hash):
        official.password_hash = hash_password(password)
    token = do_start_session(session, official, client_ip=client_ip, user_agent=user_agent)
    return SignInResult(token=token, official_id=official.id)


def official_for_token(session: Session, token: str | None) -> Official | None:
    """The active official behind a live session cookie, or None."""
    if not token or len(token) > 200:
        return None
    row = session.exec(
        select(AuthSession, Official)
        .join(Official, Official.id == AuthSession.official_id)
        .where(AuthSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    auth, official = row
    if auth.revoked_at is not None or auth.expires_at <= clock.now() or not official.active:
        return None
    return official


def do_sign_out(session: Session, token: str | None, *, client_ip: str = "") -> None:
    """Revoke the session behind ``token`` (no-op for an unknown or dead one)."""
    if not token:
        return
    auth = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).first()
    if auth is None or auth.revoked_at is not None:
        return
    auth.revoked_at = clock.now()
    audit.record(session, "auth.session_ended", actor_id=auth.official_id, object_type="official",
                 object_id=auth.official_id, client_ip=client_ip)


def do_set_password(session: Session, official: Official, password: str) -> None:
    """Give ``official`` a new password (at least 8 characters)."""
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    official.password_hash = hash_password(password)


def do_record_refusal(session: Session, action: str, *, token: str | None = None, actor_id: int | None = None,
                      anonymous: bool = False, object_type: str = "", object_id: int | None = None,
                      detail: dict | None = None, client_ip: str = "") -> None:
    """The one audit row of a refused request (who, what, from where; the row has the time), written in a
    transaction of its own because the refused work rolled back. The official is ``actor_id`` when the caller
    already knows it, else the one behind ``token``; a refusal with no official is recorded only for requests
    that have none by nature (``anonymous``: sign-in and single sign-on), so strangers cannot fill the trail."""
    if actor_id is None and token:
        actor = official_for_token(session, token)
        actor_id = actor.id if actor is not None else None
    if actor_id is None and not anonymous:
        return
    audit.record(session, action, actor_id=actor_id, object_type=object_type, object_id=object_id,
                 detail=detail, client_ip=client_ip)
