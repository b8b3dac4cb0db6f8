"""Single sign-on records: pending OpenID Connect logins, linked provider accounts, and SSO sessions.

Everything the protocol needs to keep secret (PKCE verifier, nonce, ID token) lives here, on the server,
never in the browser; the browser only carries the opaque ``state`` and, later, the GovHub session cookie.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from govhub.models.base import UTCDateTime, ts_field


class OidcLogin(SQLModel, table=True):
    """A sign-in started at the provider and not yet finished: single use, short-lived, any worker can finish it."""

    __tablename__ = "oidc_login"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(max_length=128)
    next_path: str = Field(default="/", max_length=500)
    client_ip: str = Field(default="", max_length=64)
    created_at: datetime = ts_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OidcIdentity(SQLModel, table=True):
    """A provider account (issuer + subject) linked to one official, found once by the link claim."""

    __tablename__ = "oidc_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    official_id: int = Field(foreign_key="official.id", index=True)
    created_at: datetime = ts_field()
    last_login_at: datetime = ts_field()


class OidcSession(SQLModel, table=True):
    """What sign-out needs to end the provider's session too: the ID token (as a hint) behind a GovHub session."""

    __tablename__ = "oidc_session"
    __table_args__ = (Index("ix_oidc_session_auth_session_id", "auth_session_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    auth_session_id: int = Field(foreign_key="auth_session.id")
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    provider_sid: str = Field(default="", max_length=255)
    id_token: str = Field(default="", sa_type=Text)
