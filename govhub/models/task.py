"""Directives, tasks and everything that happens to them: reports, extension requests, deadline changes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from govhub.models.base import UTCDateTime, ts_field

DIRECTIVE_SOURCES = (
    "government_office", "city_party_committee", "city_party_standing", "city_council", "city_pc",
    "city_pc_standing", "unit",
)
PRIORITIES = ("normal", "urgent", "flash")  # thường, khẩn, hỏa tốc
TASK_STATES = ("new", "received", "in_progress", "submitted", "accepted", "returned", "cancelled")
OPEN_STATES = ("new", "received", "in_progress", "submitted", "returned")


class Directive(SQLModel, table=True):
    """The document a task comes from: its source, number and symbol (Decree 30/2020), date and summary."""

    __tablename__ = "directive"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    number: str = Field(default="", max_length=64)
    issued_on: date | None = None
    summary: str = Field(default="", max_length=1000)
    created_by_id: int = Field(foreign_key="official.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    created_at: datetime = ts_field()


class Task(SQLModel, table=True):
    """One unit's (or one official's) share of the work, with its workflow state and a version number."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_owner_id_state_deadline", "owner_id", "state", "deadline"),
        Index("ix_task_assigner_id_state_deadline", "assigner_id", "state", "deadline"),
        Index("ix_task_assigner_unit_id_state", "assigner_unit_id", "state"),
        Index("ix_task_lead_unit_id_state", "lead_unit_id", "state"),
        Index("ix_task_directive_id", "directive_id"),
        Index("ix_task_parent_id", "parent_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    content: str = Field(default="", max_length=10000)
    directive_id: int | None = Field(default=None, foreign_key="directive.id")
    parent_id: int | None = Field(default=None, foreign_key="task.id")
    assigner_id: int = Field(foreign_key="official.id")
    assigner_unit_id: int = Field(foreign_key="unit.id")
    lead_unit_id: int = Field(foreign_key="unit.id")
    owner_id: int | None = Field(default=None, foreign_key="official.id")
    deadline: date | None = None
    priority: str = Field(default="normal", max_length=16)
    progress: int = 0
    state: str = Field(default="new", max_length=16)
    title_folded: str = Field(default="", max_length=300)
    created_at: datetime = ts_field()
    updated_at: datetime = ts_field()
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_on: date | None = None
    version: int = 1


class TaskCoordinator(SQLModel, table=True):
    """A unit that coordinates on a task (the lead unit carries it)."""

    __tablename__ = "task_coordinator"

    task_id: int = Field(foreign_key="task.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class ProgressReport(SQLModel, table=True):
    """A progress note, a submission, or the assigner's acceptance or return, in a task's history."""

    __tablename__ = "progress_report"
    __table_args__ = (Index("ix_progress_report_task_id_at", "task_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    author_id: int = Field(foreign_key="official.id")
    kind: str = Field(default="progress", max_length=16)
    percent: int = 0
    text: str = Field(default="", max_length=5000)
    at: datetime = ts_field()


class ExtensionRequest(SQLModel, table=True):
    """The assignee asks for a later deadline; the assigner (the decider) approves or refuses."""

    __tablename__ = "extension_request"
    __table_args__ = (Index("ix_extension_request_decider_id_status", "decider_id", "status"),
                      Index("ix_extension_request_task_id", "task_id"))

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    requested_by_id: int = Field(foreign_key="official.id")
    decider_id: int = Field(foreign_key="official.id")
    old_deadline: date | None = None
    proposed_deadline: date
    reason: str = Field(max_length=2000)
    status: str = Field(default="pending", max_length=16)
    decision_note: str = Field(default="", max_length=2000)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    at: datetime = ts_field()


class DeadlineChange(SQLModel, table=True):
    """The deadline history of a task."""

    __tablename__ = "deadline_change"
    __table_args__ = (Index("ix_deadline_change_task_id", "task_id"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    old_deadline: date | None = None
    new_deadline: date | None = None
    changed_by_id: int = Field(foreign_key="official.id")
    reason: str = Field(default="", max_length=2000)
    at: datetime = ts_field()


class Notification(SQLModel, table=True):
    """Something an official should know about; a row first, pushed live when they are online."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_recipient_id_read_at_id", "recipient_id", "read_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="official.id")
    kind: str = Field(max_length=32)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    actor_id: int | None = Field(default=None, foreign_key="official.id")
    params: str = Field(default="{}", max_length=1000)
    link: str = Field(default="", max_length=300)
    created_at: datetime = ts_field()
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
