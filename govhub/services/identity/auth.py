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


def _recent_failures(session: Session, column, value: str, since: datetime, *,  # noqa: ANN001
                     reset_on_success: bool) -> int:
    """Failures for one username or address since ``since`` (for a username: since its last success)."""
    start = since
    if reset_on_success:
        last_ok = session.exec(
            select(func.max(LoginAttempt.at)).where(column == value, LoginAttempt.success.is_(True))
        ).one()
        start = max(since, last_ok) if last_ok else since
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.at > start
        )
    ).one()


def is_locked(session: Session, username: str, client_ip: str) -> bool:
    """Whether too many recent failures lock this username or this client address."""
    settings = get_settings()
    since = clock.now() - timedelta(minutes=settings.login_lockout_minutes)
    if _recent_failures(session, LoginAttempt.username, username, since,
                        reset_on_success=True) >= settings.login_max_failures:
        return True
    # An address's own successful sign-ins never clear its failures: they could hide guessing at others.
    return bool(client_ip) and _recent_failures(
        session, LoginAttempt.client_ip, client_ip, since, reset_on_success=False) >= settings.login_ip_max_failures


def start_session(
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


def sign_in(session: Session, username: str, password: str, *, client_ip: str = "",
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
    token = start_session(session, official, client_ip=client_ip, user_agent=user_agent)
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


def sign_out(session: Session, token: str | None, *, client_ip: str = "") -> None:
    """Revoke the session behind ``token`` (no-op for an unknown or dead one)."""
    if not token:
        return
    auth = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).first()
    if auth is None or auth.revoked_at is not None:
        return
    auth.revoked_at = clock.now()
    audit.record(session, "auth.session_ended", actor_id=auth.official_id, object_type="official",
                 object_id=auth.official_id, client_ip=client_ip)


def set_password(session: Session, official: Official, password: str) -> None:
    """Give ``official`` a new password (at least 8 characters)."""
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    official.password_hash = hash_password(password)
