"""Appending to the audit trail, in the caller's transaction."""

from __future__ import annotations

import json

from sqlmodel import Session

from govhub.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    detail: dict | None = None,
    client_ip: str = "",
) -> AuditEvent:
    """Add one audit row; it commits or rolls back with the change it describes."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        object_type=object_type,
        object_id=object_id,
        detail=json.dumps(detail or {}, ensure_ascii=False, default=str)[:4000],
        client_ip=client_ip[:64],
    )
    session.add(event)
    return event
