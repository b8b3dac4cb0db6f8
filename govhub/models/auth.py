"""Server-side sign-in sessions and the sign-in attempts that drive lock-out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from govhub.models.base import UTCDateTime, ts_field


class AuthSession(SQLModel, table=True):
    """A signed-in browser: only the hash of its random cookie value is stored."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    official_id: int = Field(foreign_key="official.id", index=True)
    created_at: datetime = ts_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    client_ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    method: str = Field(default="password", max_length=16)


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt; recent failures lock an account or a client address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_client_ip_at", "client_ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    client_ip: str = Field(default="", max_length=64)
    at: datetime = ts_field()
    success: bool = False
