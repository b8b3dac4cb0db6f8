"""Server-side records of the single sign-on flow: pending logins (single use, short-lived, shared by every
worker through the database) and the ID token behind each SSO session (for the provider's sign-out)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from govhub import clock
from govhub.models import AuthSession, OidcLogin, OidcSession
from govhub.services.identity.auth import token_hash


def state_hash(state: str) -> str:
    """The stored form of a ``state`` value (the value itself only travels through the browser)."""
    return hashlib.sha256(state.encode("utf-8", "replace")).hexdigest()


def save_pending(session: Session, *, state: str, nonce: str, code_verifier: str, next_path: str,
                 client_ip: str = "", minutes: int = 10) -> OidcLogin:
    """Remember an authorization request until its callback (and sweep away long-dead ones)."""
    now = clock.now()
    session.exec(delete(OidcLogin).where(OidcLogin.expires_at < now - timedelta(days=1)))  # type: ignore[call-overload]
    row = OidcLogin(state_hash=state_hash(state), nonce=nonce, code_verifier=code_verifier, next_path=next_path[:500],
                    client_ip=client_ip[:64], expires_at=now + timedelta(minutes=minutes))
    session.add(row)
    session.flush()
    return row


def consume_pending(session: Session, state: str) -> OidcLogin | None:
    """The pending login for ``state``, marked used in the same statement: a second callback with the same
    state, an expired one or an unknown one all get None, whichever worker they reach."""
    if not isinstance(state, str) or not state or len(state) > 200:
        return None
    key, now = state_hash(state), clock.now()
    result = session.exec(  # type: ignore[call-overload]
        update(OidcLogin)
        .where(OidcLogin.state_hash == key, OidcLogin.used_at.is_(None), OidcLogin.expires_at > now)
        .values(used_at=now)
    )
    if result.rowcount != 1:
        return None
    return session.exec(select(OidcLogin).where(OidcLogin.state_hash == key)).first()


def remember_sso_session(session: Session, cookie_token: str, *, issuer: str, subject: str, id_token: str,
                         provider_sid: str = "") -> None:
    """Keep the ID token beside the new GovHub session, for the hint at sign-out."""
    auth = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(cookie_token))).one()
    session.add(OidcSession(auth_session_id=auth.id, issuer=issuer[:300], subject=subject[:255],
                            provider_sid=provider_sid[:255], id_token=id_token))


def sso_session_for(session: Session, cookie_token: str | None) -> OidcSession | None:
    """The SSO record behind a session cookie, if that session came from the provider."""
    if not cookie_token or len(cookie_token) > 200:
        return None
    return session.exec(
        select(OidcSession).join(AuthSession, AuthSession.id == OidcSession.auth_session_id)
        .where(AuthSession.token_hash == token_hash(cookie_token))
    ).first()


def recent_starts(session: Session, client_ip: str, minutes: int) -> int:
    """How many sign-ins this address opened within the pending-login lifetime (a flood guard)."""
    since = clock.now() - timedelta(minutes=minutes)
    return session.exec(
        select(func.count()).select_from(OidcLogin).where(OidcLogin.client_ip == client_ip[:64],
                                                         OidcLogin.created_at > since)
    ).one()
