"""All tables; importing this package registers them on ``SQLModel.metadata``."""

from govhub.models.audit import AuditEvent
from govhub.models.auth import AuthSession, LoginAttempt
from govhub.models.documents import (
    DocFile,
    DocRecipient,
    DocRegister,
    DocRoute,
    DocRouteStep,
    DocSignature,
    DocStep,
    Document,
)
from govhub.models.messages import (
    Conversation,
    ConversationMember,
    JobEffect,
    Message,
    MessageAck,
    MessageAttachment,
    News,
    NewsUnit,
    OutboxEmail,
    PersonalReminder,
)
from govhub.models.oidc import OidcIdentity, OidcLogin, OidcSession
from govhub.models.org import Official, OfficialPost, Position, Unit
from govhub.models.tally import TaskTally
from govhub.models.task import (
    DeadlineChange,
    Directive,
    ExtensionRequest,
    Notification,
    ProgressReport,
    Task,
    TaskCoordinator,
)

__all__ = [
    "AuditEvent", "AuthSession", "DeadlineChange", "Directive", "ExtensionRequest", "LoginAttempt", "Notification",
    "OidcIdentity", "OidcLogin", "OidcSession", "Official", "OfficialPost", "Position", "ProgressReport", "Task",
    "TaskCoordinator", "Unit",
    "Conversation", "ConversationMember", "JobEffect", "Message", "MessageAck", "MessageAttachment", "News",
    "NewsUnit", "OutboxEmail", "PersonalReminder",
    "DocFile", "DocRecipient", "DocRegister", "DocRoute", "DocRouteStep", "DocSignature", "DocStep", "Document",
    "TaskTally",
]
