"""Internal communication: conversations (case groups, groups, direct), messages, attachments and
acknowledgements; important news; personal reminders; the exactly-once effect keys and the e-mail outbox."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from govhub.models.base import UTCDateTime, ts_field

CONVERSATION_KINDS = ("case", "group", "direct")
MESSAGE_KINDS = ("text", "instruction", "system")


class Conversation(SQLModel, table=True):
    """A case group (one per task), a group conversation, or a direct conversation between two officials."""

    __tablename__ = "conversation"
    __table_args__ = (Index("ix_conversation_task_id", "task_id", unique=True),
                      Index("ix_conversation_direct_key", "direct_key", unique=True))

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    title: str = Field(default="", max_length=300)
    title_folded: str = Field(default="", max_length=300)  # for the list's search ('' for direct conversations)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    direct_key: str | None = Field(default=None, max_length=40)
    created_by_id: int = Field(foreign_key="official.id")
    created_at: datetime = ts_field()
    last_message_at: datetime = ts_field()


class ConversationMember(SQLModel, table=True):
    """Who belongs to a conversation, how they came to (``joined_how``: ``task`` — placed there by the task the
    group follows, ``created`` — opened it, ``invited`` — added by ``added_by_id``, ``self`` — joined on their own
    as somebody who may see the task), and how far they have read."""

    __tablename__ = "conversation_member"
    __table_args__ = (Index("ix_conversation_member_official_id", "official_id"),)

    conversation_id: int = Field(foreign_key="conversation.id", primary_key=True)
    official_id: int = Field(foreign_key="official.id", primary_key=True)
    last_read_id: int = 0
    joined_at: datetime = ts_field()
    joined_how: str = Field(default="task", max_length=10)
    added_by_id: int | None = Field(default=None, foreign_key="official.id")


class Message(SQLModel, table=True):
    """One message; an instruction asks every other member to acknowledge it."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_id_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id")
    author_id: int = Field(foreign_key="official.id")
    kind: str = Field(default="text", max_length=16)
    body: str = Field(default="", max_length=5000)
    body_folded: str = Field(default="", max_length=5000)
    created_at: datetime = ts_field()


class MessageAttachment(SQLModel, table=True):
    """A file sent with a message, stored under a generated name."""

    __tablename__ = "message_attachment"
    __table_args__ = (Index("ix_message_attachment_message_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id")
    stored_name: str = Field(max_length=80, unique=True)
    original_name: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int = 0


class MessageAck(SQLModel, table=True):
    """A member acknowledged an instruction."""

    __tablename__ = "message_ack"

    message_id: int = Field(foreign_key="message.id", primary_key=True)
    official_id: int = Field(foreign_key="official.id", primary_key=True)
    at: datetime = ts_field()


class News(SQLModel, table=True):
    """Important news from a leader or an administrator, pinned on the inbox of its audience."""

    __tablename__ = "news"

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="official.id")
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=4000)
    everyone: bool = True
    pinned_until: date
    created_at: datetime = ts_field()


class NewsUnit(SQLModel, table=True):
    """A unit a piece of news is for (with the units below it)."""

    __tablename__ = "news_unit"

    news_id: int = Field(foreign_key="news.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class PersonalReminder(SQLModel, table=True):
    """"Remind me about this task at ...": one official's own reminder."""

    __tablename__ = "personal_reminder"
    __table_args__ = (Index("ix_personal_reminder_sent_at_remind_at", "sent_at", "remind_at"),
                      Index("ix_personal_reminder_official_id", "official_id"))

    id: int | None = Field(default=None, primary_key=True)
    official_id: int = Field(foreign_key="official.id")
    task_id: int = Field(foreign_key="task.id")
    remind_at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", max_length=500)
    created_at: datetime = ts_field()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobEffect(SQLModel, table=True):
    """The key of an effect a job has had (a reminder sent): its primary key makes every effect happen once,
    whatever restarts, reruns or concurrent workers."""

    __tablename__ = "job_effect"

    key: str = Field(primary_key=True, max_length=120)
    at: datetime = ts_field()


class OutboxEmail(SQLModel, table=True):
    """An e-mail waiting to be sent (or sent, or given up on), drained by a job off the request path."""

    __tablename__ = "outbox_email"
    __table_args__ = (Index("ix_outbox_email_status_next_attempt_at", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    to_addr: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str = Field(max_length=10000)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = ts_field()
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = ts_field()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
