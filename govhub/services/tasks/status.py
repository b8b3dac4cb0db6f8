"""The reporting status of a task, derived from dates, never stored: the Government Office's four categories."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case
from sqlalchemy.sql.elements import ColumnElement

from govhub.models import Task
from govhub.models.task import OPEN_STATES

STATUSES = ("on_time", "late", "open", "overdue")
DUE_SOON_DAYS = 3


def report_status(state: str, deadline: date | None, done_on: date | None, today: date) -> str:
    """on_time / late (accepted), overdue / open (still open), or cancelled."""
    if state == "cancelled":
        return "cancelled"
    if state == "accepted":
        return "late" if deadline is not None and done_on is not None and done_on > deadline else "on_time"
    if deadline is not None and deadline < today:
        return "overdue"
    return "open"


def due_mark(state: str, deadline: date | None, today: date) -> str:
    """'overdue', 'due_soon' (within three days) or '' for an open task."""
    if state not in OPEN_STATES or deadline is None:
        return ""
    if deadline < today:
        return "overdue"
    if deadline <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return ""


def report_status_sql(today: date) -> ColumnElement[str]:
    """The same rule as ``report_status``, as a SQL expression for aggregate queries."""
    return case(
        (Task.state == "cancelled", "cancelled"),
        (and_(Task.state == "accepted", Task.deadline.is_not(None), Task.done_on > Task.deadline), "late"),
        (Task.state == "accepted", "on_time"),
        (and_(Task.deadline.is_not(None), Task.deadline < today), "overdue"),
        else_="open",
    )


def overdue_sql(today: date) -> ColumnElement[bool]:
    """Open and past its deadline."""
    return and_(Task.state.in_(OPEN_STATES), Task.deadline.is_not(None), Task.deadline < today)
