"""Helpers for the task-engine tests: moving the clock, making tasks in a given state, counting rows,
and checking that a refused action changed nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, or_
from sqlmodel import Session, SQLModel, select

from govhub import clock
from govhub.models import (
    AuditEvent,
    Directive,
    Notification,
    Official,
    Task,
    TaskTally,
    Unit,
)
from govhub.services.core.errors import GovHubError
from govhub.services.tasks import actions as T

SAIGON, BENCAT, BENTHANH = "26740", "25813", "26743"


def today() -> date:
    return clock.today()


def day(n: int) -> date:
    """``n`` days from the (possibly moved) today."""
    return clock.today() + timedelta(days=n)


def move_clock(monkeypatch: pytest.MonkeyPatch, days: float = 0, *, to: datetime | None = None) -> None:
    """Move the clock ``days`` further (from where it is now), or to the instant ``to``."""
    current = clock._offset or timedelta(0)
    if to is not None:
        monkeypatch.setattr(clock, "_offset", to - datetime.now(UTC))
    else:
        monkeypatch.setattr(clock, "_offset", current + timedelta(days=days))


def local_instant(d: date, hour: int, minute: int = 0) -> datetime:
    """An instant at ``hour:minute`` city time on ``d``, in UTC."""
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=clock.city_zone()).astimezone(UTC)


def unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def person(session: Session, username: str) -> Official:
    return session.exec(select(Official).where(Official.username == username)).one()


def fresh(session: Session, task_id: int) -> Task:
    """The task as the database has it now."""
    session.flush()  # refresh() alone would drop changes not yet flushed
    task = session.get(Task, task_id)
    session.refresh(task)
    return task


def assign(session: Session, actor: Official, *, unit_code: str | None = None, official: Official | None = None,
           title: str = "Rà soát hồ sơ tồn đọng", deadline: int | None = 10, priority: str = "normal",
           directive_id: int | None = None, coordinators: list[str] | None = None) -> Task:
    """A new task from ``actor`` to a unit (its head) or an official."""
    spec = T.NewTask(title=title, deadline=day(deadline) if deadline is not None else None, priority=priority)
    return T.do_assign(session, actor, spec, unit_id=unit(session, unit_code).id if unit_code else None,
                       official_id=official.id if official else None, directive_id=directive_id,
                       coordinators=[unit(session, c).id for c in coordinators or []])


def drive(session: Session, task: Task, state: str, assigner: Official, owner: Official) -> Task:
    """Take a new task to ``state`` through the services."""
    tid = task.id
    steps: dict[str, list[Callable[[], Any]]] = {
        "new": [],
        "received": [lambda: T.do_receive(session, owner, tid, fresh(session, tid).version)],
        "in_progress": [lambda: T.do_receive(session, owner, tid, fresh(session, tid).version),
                        lambda: T.do_report(session, owner, tid, fresh(session, tid).version, 40, "Đang làm")],
    }
    steps["submitted"] = [*steps["in_progress"],
                          lambda: T.do_submit(session, owner, tid, fresh(session, tid).version, "Xong")]
    steps["accepted"] = [*steps["submitted"],
                         lambda: T.do_accept(session, assigner, tid, fresh(session, tid).version, "Đồng ý")]
    steps["returned"] = [*steps["submitted"],
                         lambda: T.do_return(session, assigner, tid, fresh(session, tid).version, "Bổ sung số liệu")]
    steps["cancelled"] = [lambda: T.do_cancel(session, assigner, tid, fresh(session, tid).version, "Thôi")]
    for step in steps[state]:
        step()
    task = fresh(session, tid)
    assert task.state == state
    return task


def audit_rows(session: Session, task_id: int, action: str | None = None) -> list[AuditEvent]:
    where = [AuditEvent.object_type == "task", AuditEvent.object_id == task_id]
    if action:
        where.append(AuditEvent.action == action)
    return list(session.exec(select(AuditEvent).where(*where).order_by(AuditEvent.id)).all())


def notifications(session: Session, *, task_id: int | None = None, kind: str | None = None,
                  since: int = 0) -> list[Notification]:
    where = [Notification.id > since]
    if task_id is not None:
        where.append(Notification.task_id == task_id)
    if kind is not None:
        where.append(Notification.kind == kind)
    return list(session.exec(select(Notification).where(*where).order_by(Notification.id)).all())


def max_id(session: Session, model: type) -> int:
    return session.exec(select(func.max(model.id))).one() or 0


def counts(session: Session) -> dict[str, int]:
    """Row counts of every table: a write anywhere shows up here."""
    return {name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()}


def task_row(session: Session, task_id: int) -> tuple:
    t = fresh(session, task_id)
    return (t.state, t.version, t.progress, t.deadline, t.submitted_at, t.done_on, t.owner_id)


def refused(session: Session, fn: Callable[..., Any], *args: Any, task_id: int | None = None,
            **kwargs: Any) -> GovHubError:
    """Call a service that must refuse (inside a savepoint, as the app's transaction would be rolled back);
    check that nothing changed; return the error."""
    before = counts(session), task_row(session, task_id) if task_id else None
    with pytest.raises(GovHubError) as caught, session.begin_nested():
        fn(session, *args, **kwargs)
    session.expire_all()
    assert (counts(session), task_row(session, task_id) if task_id else None) == before
    return caught.value


def _task_dependents() -> list:
    """The tables that point at tasks or directives (directly or through one another), children first."""
    roots = {"task", "directive"}
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for table in SQLModel.metadata.tables.values():
            if table.name in found or table.name in roots:
                continue
            if any(fk.column.table.name in roots | found for fk in table.foreign_keys):
                found.add(table.name)
                changed = True
    return [t for t in reversed(SQLModel.metadata.sorted_tables) if t.name in found]


def clear_tasks(session: Session) -> None:
    """Remove the demo tasks and everything hanging off them (inside the test's transaction)."""
    for table in _task_dependents():
        session.execute(delete(table))
    session.execute(delete(AuditEvent).where(or_(AuditEvent.object_type == "task",
                                                 AuditEvent.object_type == "directive")))
    while session.exec(select(func.count()).select_from(Task)).one():  # children before parents
        parents = select(Task.parent_id).where(Task.parent_id.is_not(None))
        session.execute(delete(Task).where(Task.id.not_in(parents)))
    session.execute(delete(Directive))
    session.execute(delete(TaskTally))  # the counters counted those tasks
    session.flush()
    session.expire_all()
