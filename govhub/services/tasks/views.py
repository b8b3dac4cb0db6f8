"""Reading tasks: the task page, the follow-up list and a directive's units × status matrix."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from govhub import clock
from govhub.models import (
    AuditEvent,
    DeadlineChange,
    Directive,
    ExtensionRequest,
    Official,
    Position,
    Task,
    TaskCoordinator,
    Unit,
)
from govhub.models.task import OPEN_STATES
from govhub.services.core.errors import NotFound
from govhub.services.tasks.access import (
    can_assign_to_official,
    can_see,
    is_assignee_side,
    is_assigner_side,
    is_leader,
    leads,
)
from govhub.services.tasks.actions import WORKING_STATES
from govhub.services.tasks.status import STATUSES, due_mark, report_status, report_status_sql

PAGE_SIZE = 20


@dataclass
class ChildRow:
    """A sub-task (or a directive's unit task) in a list."""

    id: int
    unit_name: str
    owner_name: str
    state: str
    status: str
    progress: int
    deadline: str
    mark: str = ""
    title: str = ""


@dataclass
class TimelineEntry:
    """One change in a task's history."""

    at: str
    actor: str
    action: str
    text: str = ""


@dataclass
class DeadlineRow:
    """One step of the deadline history."""

    at: str
    old: str
    new: str
    by: str
    reason: str


@dataclass
class PickOption:
    """A unit or official a leader may delegate to: value is 'u:<id>' or 'o:<id>'."""

    value: str
    label: str


@dataclass
class TaskDetail:
    """Everything the task page shows, and the actions this official may take."""

    id: int
    title: str
    content: str
    state: str
    status: str
    mark: str
    priority: str
    progress: int
    deadline: str
    deadline_iso: str
    version: int
    directive_id: int
    directive_label: str
    directive_summary: str
    assigner: str
    assigner_unit: str
    lead_unit: str
    owner: str
    coordinators: list[str]
    parent_id: int
    parent_title: str
    children: list[ChildRow]
    deadlines: list[DeadlineRow]
    timeline: list[TimelineEntry]
    actions: list[str]
    extension_id: int = 0
    extension_proposed: str = ""
    extension_reason: str = ""
    delegate_options: list[PickOption] = field(default_factory=list)


def _day(d: date | None) -> str:
    """A date as Vietnamese documents write it: 28/11/2026."""
    return d.strftime("%d/%m/%Y") if d else ""


def _moment(at: datetime) -> str:
    """An instant in the city's time: 28/11/2026 09:30."""
    return at.astimezone(clock.city_zone()).strftime("%d/%m/%Y %H:%M")


def _directive_label(directive: Directive | None) -> str:
    if directive is None:
        return ""
    return directive.number or ""


def allowed_actions(session: Session, actor: Official, task: Task, pending_extension: ExtensionRequest | None,
                    ) -> list[str]:
    """The buttons the task page offers ``actor`` (the services check again when one is pressed)."""
    actions: list[str] = []
    if is_assignee_side(session, actor, task):
        if task.state == "new":
            actions.append("receive")
        if task.state in WORKING_STATES:
            actions += ["report", "submit"]
            if is_leader(actor):
                actions.append("delegate")
            if task.deadline is not None and pending_extension is None:
                actions.append("request_extension")
    if is_assigner_side(session, actor, task):
        if task.state == "submitted":
            actions += ["accept", "return"]
        if pending_extension is not None and task.state in WORKING_STATES:
            actions.append("decide_extension")
        if task.state in OPEN_STATES:
            actions.append("cancel")
    return actions


def delegate_options(session: Session, actor: Official) -> list[PickOption]:
    """The divisions and officials below ``actor`` in their own unit."""
    divisions = session.exec(select(Unit).where(Unit.parent_id == actor.unit_id, Unit.kind == "division",
                                                Unit.active.is_(True)).order_by(Unit.sort_order)).all()
    people = session.exec(
        select(Official, Position, Unit).join(Position, Position.id == Official.position_id)
        .join(Unit, Unit.id == Official.unit_id)
        .where(or_(Official.unit_id == actor.unit_id, Unit.parent_id == actor.unit_id), Official.active.is_(True))
        .order_by(Unit.sort_order, Position.rank, Official.full_name)
    ).all()
    options = [PickOption(value=f"u:{d.id}", label=d.name) for d in divisions]
    options += [PickOption(value=f"o:{o.id}", label=f"{o.full_name} — {p.title}, {u.name}") for o, p, u in people
                if can_assign_to_official(session, actor, o)]
    return options


def task_detail(session: Session, actor: Official, task_id: int, today: date) -> TaskDetail:
    """The task page for ``actor``; NotFound if they may not see it."""
    task = session.get(Task, task_id)
    if task is None or not can_see(session, actor, task):
        raise NotFound()
    people = {o.id: o for o in session.exec(select(Official).where(Official.id.in_(
        [i for i in (task.assigner_id, task.owner_id) if i]))).all()}
    units = {u.id: u for u in session.exec(select(Unit).where(Unit.id.in_(
        [task.assigner_unit_id, task.lead_unit_id]))).all()}
    directive = session.get(Directive, task.directive_id) if task.directive_id else None
    coordinators = session.exec(select(Unit.name).join(TaskCoordinator, TaskCoordinator.unit_id == Unit.id)
                                .where(TaskCoordinator.task_id == task.id)).all()
    parent = session.get(Task, task.parent_id) if task.parent_id else None
    pending = session.exec(select(ExtensionRequest).where(ExtensionRequest.task_id == task.id,
                                                          ExtensionRequest.status == "pending")).first()
    actions = allowed_actions(session, actor, task, pending)
    detail = TaskDetail(
        id=task.id, title=task.title, content=task.content, state=task.state,
        status=report_status(task.state, task.deadline, task.done_on, today),
        mark=due_mark(task.state, task.deadline, today), priority=task.priority, progress=task.progress,
        deadline=_day(task.deadline), deadline_iso=task.deadline.isoformat() if task.deadline else "",
        version=task.version, directive_id=directive.id if directive else 0,
        directive_label=_directive_label(directive), directive_summary=directive.summary if directive else "",
        assigner=people[task.assigner_id].full_name, assigner_unit=units[task.assigner_unit_id].name,
        lead_unit=units[task.lead_unit_id].name,
        owner=people[task.owner_id].full_name if task.owner_id in people else "",
        coordinators=list(coordinators),
        parent_id=parent.id if parent and can_see(session, actor, parent) else 0,
        parent_title=parent.title if parent and can_see(session, actor, parent) else "",
        children=children(session, task.id, today), deadlines=deadline_history(session, task.id),
        timeline=timeline(session, task.id), actions=actions,
    )
    if pending is not None:
        detail.extension_id, detail.extension_proposed = pending.id, _day(pending.proposed_deadline)
        detail.extension_reason = pending.reason
    if "delegate" in actions:
        detail.delegate_options = delegate_options(session, actor)
    return detail


def children(session: Session, parent_id: int, today: date) -> list[ChildRow]:
    """The sub-tasks of a task with their units, owners and statuses."""
    return _rows(session, Task.parent_id == parent_id, today)


def _rows(session: Session, where, today: date, limit: int = 1000) -> list[ChildRow]:  # noqa: ANN001
    owner = aliased(Official)
    rows = session.exec(
        select(Task, Unit.name, owner.full_name).join(Unit, Unit.id == Task.lead_unit_id)
        .outerjoin(owner, owner.id == Task.owner_id).where(where).order_by(Unit.sort_order, Task.id).limit(limit)
    ).all()
    return [ChildRow(id=t.id, unit_name=u, owner_name=o or "", state=t.state,
                     status=report_status(t.state, t.deadline, t.done_on, today), progress=t.progress,
                     deadline=_day(t.deadline), mark=due_mark(t.state, t.deadline, today), title=t.title)
            for t, u, o in rows]


def deadline_history(session: Session, task_id: int) -> list[DeadlineRow]:
    """Every deadline the task has had, oldest first."""
    rows = session.exec(select(DeadlineChange, Official.full_name)
                        .join(Official, Official.id == DeadlineChange.changed_by_id)
                        .where(DeadlineChange.task_id == task_id).order_by(DeadlineChange.at, DeadlineChange.id)).all()
    return [DeadlineRow(at=_moment(c.at), old=_day(c.old_deadline), new=_day(c.new_deadline), by=name,
                        reason=c.reason) for c, name in rows]


def timeline(session: Session, task_id: int) -> list[TimelineEntry]:
    """The audit trail of a task, newest first: what was done to the task (task.*), nothing of anybody's own."""
    rows = session.exec(select(AuditEvent, Official.full_name)
                        .outerjoin(Official, Official.id == AuditEvent.actor_id)
                        .where(AuditEvent.object_type == "task", AuditEvent.object_id == task_id,
                               AuditEvent.action.startswith("task."))
                        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(200)).all()
    out = []
    for event, name in rows:
        detail = json.loads(event.detail or "{}")
        out.append(TimelineEntry(at=_moment(event.at), actor=name or "", action=event.action.removeprefix("task."),
                                 text=str(detail.get("text", ""))))
    return out


@dataclass
class FollowUpPage:
    """Tasks I or my unit assigned, one status at a time, with counts per status."""

    rows: list[ChildRow]
    counts: dict[str, int]
    total: int
    page: int
    pages: int


def follow_up(session: Session, actor: Official, today: date, status: str = "", page: int = 1,
              page_size: int = PAGE_SIZE) -> FollowUpPage:
    """What ``actor`` (or, for a leader, their unit) assigned: overdue first, then by deadline."""
    if status and status not in STATUSES:
        raise ValueError("unknown status")
    page = max(1, min(int(page), 10_000))
    mine = Task.assigner_unit_id == actor.unit_id if is_leader(actor) else Task.assigner_id == actor.id
    status_col = report_status_sql(today)
    counts = dict(session.execute(sa_select(status_col, func.count()).where(mine).group_by(status_col)).all())
    where = and_(mine, status_col == status) if status else and_(mine, Task.state != "cancelled")
    total = session.execute(sa_select(func.count()).select_from(Task).where(where)).scalar_one()
    order = (case((status_col == "overdue", 0), (status_col == "open", 1), else_=2),
             case((Task.deadline.is_(None), 1), else_=0), Task.deadline, Task.id.desc())
    owner = aliased(Official)
    rows = session.exec(
        select(Task, Unit.name, owner.full_name).join(Unit, Unit.id == Task.lead_unit_id)
        .outerjoin(owner, owner.id == Task.owner_id).where(where).order_by(*order)
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    out = [ChildRow(id=t.id, unit_name=u, owner_name=o or "", state=t.state,
                    status=report_status(t.state, t.deadline, t.done_on, today), progress=t.progress,
                    deadline=_day(t.deadline), mark=due_mark(t.state, t.deadline, today), title=t.title)
           for t, u, o in rows]
    return FollowUpPage(rows=out, counts={s: counts.get(s, 0) for s in STATUSES}, total=total, page=page,
                        pages=(total + page_size - 1) // page_size)


@dataclass
class DirectiveMatrix:
    """A directive and its units × status matrix."""

    id: int
    label: str
    source: str
    issued_on: str
    summary: str
    rows: list[ChildRow]
    counts: dict[str, int]


def directive_matrix(session: Session, actor: Official, directive_id: int, today: date) -> DirectiveMatrix:
    """The unit tasks of a directive with their statuses; for the assigning side and leaders above it."""
    directive = session.get(Directive, directive_id)
    if directive is None or not (directive.created_by_id == actor.id or leads(session, actor, directive.unit_id)):
        raise NotFound()
    rows = _rows(session, and_(Task.directive_id == directive.id, Task.parent_id.is_(None)), today, limit=2000)
    counts = dict.fromkeys(STATUSES, 0)
    for r in rows:
        if r.status in counts:
            counts[r.status] += 1
    return DirectiveMatrix(id=directive.id, label=directive.number, source=directive.source,
                           issued_on=_day(directive.issued_on), summary=directive.summary, rows=rows, counts=counts)
