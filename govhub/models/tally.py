"""Counters behind the oversight board: how many counted tasks sit in each cell, kept in step with the tasks in
the same transaction (``govhub.services.tasks.tally``), so the board never scans the task table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import PrimaryKeyConstraint
from sqlmodel import Field, SQLModel

NO_DEADLINE = date(9999, 12, 31)  # deadline_key of every cell that does not depend on a deadline
ALL_TIME = date(1, 1, 1)  # period_start of the all-time cells (grain 'a')
ALL_SOURCES = "*"  # source of the cells that add up every source (tasks without a directive too)


class TaskTally(SQLModel, table=True):
    """``n`` counted tasks (not cancelled, assigned from outside the lead unit) created at any time (grain 'a',
    period_start ALL_TIME), in the city-local month (grain 'm') or day (grain 'd') ``period_start``, for one lead
    unit, assigning unit and source ('' without a directive; every task also counts once under ALL_SOURCES, so the
    unfiltered board reads a few cells, not one per source), in one outcome:

    - 'on_time', 'late': accepted (deadline_key NO_DEADLINE);
    - 'open': open without a deadline (never overdue; NO_DEADLINE);
    - 'dated': open with a deadline, all of them (NO_DEADLINE);
    - 'due': open with a deadline, keyed by that deadline — only the future ones are read (open within the
      deadline), and overdue = dated - due(deadline >= today); so a board reads the NO_DEADLINE cells plus the
      small set of open tasks whose deadline is still ahead, never the long tail of old deadlines.

    The primary key's order serves both reads: (grain, source, NO_DEADLINE, period_start >= x) and
    (grain, source, today <= deadline_key < NO_DEADLINE); on PostgreSQL it carries ``n`` too, so both are
    index-only scans."""

    __tablename__ = "task_tally"
    __table_args__ = (PrimaryKeyConstraint("grain", "source", "deadline_key", "period_start", "outcome",
                                           "lead_unit_id", "assigner_unit_id", name="pk_task_tally",
                                           postgresql_include=["n"]),)

    grain: str = Field(max_length=1, primary_key=True)
    source: str = Field(default="", max_length=32, primary_key=True)
    deadline_key: date = Field(primary_key=True)
    period_start: date = Field(primary_key=True)
    outcome: str = Field(max_length=8, primary_key=True)
    lead_unit_id: int = Field(primary_key=True)
    assigner_unit_id: int = Field(primary_key=True)
    n: int = 0
