"""The audit trail: one row for every change and every security event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from govhub.models.base import ts_field


class AuditEvent(SQLModel, table=True):
    """Who did what to which object, when and from where."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object_type_object_id_at", "object_type", "object_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = ts_field()
    actor_id: int | None = Field(default=None, foreign_key="official.id", index=True)
    action: str = Field(max_length=64)
    object_type: str = Field(default="", max_length=32)
    object_id: int | None = None
    detail: str = Field(default="", max_length=4000)
    client_ip: str = Field(default="", max_length=64)
