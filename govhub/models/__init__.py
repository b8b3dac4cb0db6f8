"""All tables; importing this package registers them on ``SQLModel.metadata``."""

from govhub.models.audit import AuditEvent
from govhub.models.auth import AuthSession, LoginAttempt
from govhub.models.org import Official, OfficialPost, Position, Unit

__all__ = ["AuditEvent", "AuthSession", "LoginAttempt", "Official", "OfficialPost", "Position", "Unit"]
