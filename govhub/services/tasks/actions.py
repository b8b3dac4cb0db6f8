"""Changing tasks. Every ``do_*`` validates its input, then makes its change through one path (``_change``) that
checks who is asking, claims the version the official saw (a stale one is refused) and the allowed states, and after
the change moves the oversight counters, appends the audit row and queues the notifications, all in the caller's
transaction. New tasks, one or many, are written by ``do_create_tasks``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, update
from sqlmodel import Session, select

from govhub import clock
from govhub.models import (
    AuditEvent,
    DeadlineChange,
    ExtensionRequest,
    Official,
    ProgressReport,
    Task,
    TaskCoordinator,
    Unit,
)
from govhub.models.task import OPEN_STATES, PRIORITIES
from govhub.routes import task_url
from govhub.services.core import audit
from govhub.services.core.errors import Conflict, Invalid, NotFound
from govhub.services.core.notifications import notify, notify_many
from govhub.services.core.text import fold
from govhub.services.core.versioning import claim_version
from govhub.services.messaging import case_groups
from govhub.services.tasks import tally
from govhub.services.tasks.access import (
    access_task,
    can_assign_to_official,
    can_assign_to_unit,
    is_assignee_side,
    is_assigner_side,
    unit_head,
)

WORKING_STATES = ("new", "received", "in_progress", "returned")
MAX_TITLE, MAX_TEXT = 300, 10_000


def clean_text(value: object, limit: int, *, required: bool = False, key: str = "task.error.text") -> str:
    """Trimmed text within ``limit`` characters; Invalid when required and empty."""
    text = " ".join(str(value or "").split()) if limit <= MAX_TITLE else str(value or "").strip()
    if len(text) > limit or (required and not text):
        raise Invalid(key)
    return text


def check_priority(priority: str) -> str:
    """One of the known priorities."""
    if priority not in PRIORITIES:
        raise Invalid("task.error.priority")
    return priority


def check_deadline(deadline: date | None, *, parent: Task | None = None) -> date | None:
    """A deadline from today on, and not after the parent task's."""
    if deadline is None:
        return None
    if deadline < clock.today():
        raise Invalid("task.error.deadline_past")
    if parent is not None and parent.deadline is not None and deadline > parent.deadline:
        raise Invalid("task.error.deadline_after_parent")
    return deadline


def _record(session: Session, actor: Official, action: str, task: Task, **detail: object) -> None:
    event = audit.record(session, f"task.{action}", actor_id=actor.id, object_type="task", object_id=task.id,
                         detail={"version": task.version, **detail})
    event.at = clock.now()  # the task's history is on the same clock as its dates


ASSIGNEE, ASSIGNER = "assignee", "assigner"


@dataclass
class Change:
    """A change to a task in the making: what its audit row and its notification will say, and to whom."""

    task: Task
    recipients: list[int | None]
    detail: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


@contextmanager
def _change(session: Session, actor: Official, task_id: int, version: int | None, *, side: str,
            states: tuple[str, ...], action: str, notice: str | None) -> Iterator[Change]:
    """The one path of every change to a task: the task if ``actor`` may see it, on the ``side`` that may make this
    change, at the version the official saw (a stale one is a Conflict; None: the current one), in one of
    ``states``; then, once the body has changed it, the oversight counters moved, the audit row ``task.<action>``
    written and the ``notice`` sent to the other side (or to ``recipients`` as the body set them)."""
    task = access_task(session, actor, task_id)
    allowed = is_assignee_side if side == ASSIGNEE else is_assigner_side
    if not allowed(session, actor, task):
        raise Invalid(f"task.error.not_{side}")
    before = tally.fact(session, task)
    claim_version(session, task, task.version if version is None else version)
    if task.state not in states:
        raise Invalid("task.error.state")
    change = Change(task, recipients=[task.assigner_id if side == ASSIGNEE else task.owner_id])
    yield change
    tally.shift(session, [before], [tally.fact(session, task, before["source"])])
    _record(session, actor, action, task, **change.detail)
    if notice is not None:
        notify(session, change.recipients, notice, actor=actor, task_id=task.id, link=task_url(task.id),
               title=task.title, **change.params)


def do_receive(session: Session, actor: Official, task_id: int, version: int) -> Task:
    """The lead unit acknowledges a new task."""
    with _change(session, actor, task_id, version, side=ASSIGNEE, states=("new",), action="received",
                 notice="task_received") as change:
        change.task.state = "received"
    return change.task


def do_report(session: Session, actor: Official, task_id: int, version: int, percent: int, text: str) -> Task:
    """A progress report: how far along, and what was done."""
    percent = int(percent)
    if not 0 <= percent <= 100:
        raise Invalid("task.error.percent")
    text = clean_text(text, 5000, required=True, key="task.error.report_text")
    with _change(session, actor, task_id, version, side=ASSIGNEE, states=WORKING_STATES, action="progress",
                 notice="task_progress") as change:
        task = change.task
        task.state, task.progress = "in_progress", percent
        session.add(ProgressReport(task_id=task.id, author_id=actor.id, kind="progress", percent=percent, text=text,
                                   at=clock.now()))
        change.detail, change.params = {"percent": percent, "text": text[:1000]}, {"percent": percent}
    return task


def do_submit(session: Session, actor: Official, task_id: int, version: int, text: str) -> Task:
    """The lead unit reports the task done and asks the assigner to accept it."""
    text = clean_text(text, 5000, required=True, key="task.error.report_text")
    with _change(session, actor, task_id, version, side=ASSIGNEE, states=WORKING_STATES, action="submitted",
                 notice="task_submitted") as change:
        task = change.task
        open_children = session.exec(select(Task.id).where(Task.parent_id == task.id,
                                                           Task.state.in_(OPEN_STATES))).first()
        if open_children is not None:
            raise Invalid("task.error.open_children")
        task.state, task.progress, task.submitted_at = "submitted", 100, clock.now()
        _withdraw_extensions(session, [task.id])
        session.add(ProgressReport(task_id=task.id, author_id=actor.id, kind="submit", percent=100, text=text,
                                   at=clock.now()))
        change.detail = {"text": text[:1000]}
    return task


def do_accept(session: Session, actor: Official, task_id: int, version: int, text: str = "") -> Task:
    """The assigner accepts the result: the task is done, on time or late by the submission date."""
    text = clean_text(text, 5000)
    with _change(session, actor, task_id, version, side=ASSIGNER, states=("submitted",), action="accepted",
                 notice="task_accepted") as change:
        task = change.task
        task.state, task.done_at = "accepted", clock.now()
        task.done_on = clock.local_date(task.submitted_at or task.done_at)
        session.add(ProgressReport(task_id=task.id, author_id=actor.id, kind="accept", percent=100, text=text,
                                   at=clock.now()))
        change.detail = {"text": text[:1000]}
    return task


def do_return(session: Session, actor: Official, task_id: int, version: int, reason: str) -> Task:
    """The assigner sends the result back with a reason; the lead unit works on."""
    reason = clean_text(reason, 5000, required=True, key="task.error.reason")
    with _change(session, actor, task_id, version, side=ASSIGNER, states=("submitted",), action="returned",
                 notice="task_returned") as change:
        task = change.task
        task.state, task.submitted_at = "returned", None
        session.add(ProgressReport(task_id=task.id, author_id=actor.id, kind="return", percent=task.progress,
                                   text=reason, at=clock.now()))
        change.detail = {"text": reason[:1000]}
    return task


def do_cancel(session: Session, actor: Official, task_id: int, version: int, reason: str) -> Task:
    """The assigner withdraws a task; its open sub-tasks are cancelled with it."""
    reason = clean_text(reason, 5000, required=True, key="task.error.reason")
    with _change(session, actor, task_id, version, side=ASSIGNER, states=OPEN_STATES, action="cancelled",
                 notice="task_cancelled") as change:
        task = change.task
        task.state = "cancelled"
        changed: list = []  # (id, new version, owner) of every sub-task cancelled with it
        while found := _open_descendants(session, task.id):
            # Only rows still open when written: a sub-task accepted meanwhile in another session stays accepted.
            # Then look again: on PostgreSQL a sub-task delegated by a transaction we waited for is visible now.
            rows = session.execute(
                update(Task).where(Task.id.in_([d.id for d in found]), Task.state.in_(OPEN_STATES))
                .values(state="cancelled", version=Task.version + 1, updated_at=clock.now())
                .returning(Task.id, Task.version, Task.owner_id, *_FACT_COLUMNS)
                .execution_options(synchronize_session=False)).all()
            for d in found:  # the loaded objects are stale now
                session.expire(d)
            changed += rows
            if not rows:
                break
        sources = tally.sources_of(session, [r.directive_id for r in changed])
        tally.shift(session, removed=[  # the values written over (they were open)
            {**{c.key: getattr(r, c.key) for c in _FACT_COLUMNS}, "source": sources[r.directive_id], "state": "new"}
            for r in changed])
        for d_id, d_version, *_ in changed:  # every changed task has its own history row
            audit.record(session, "task.cancelled", actor_id=actor.id, object_type="task", object_id=d_id,
                         detail={"version": d_version, "text": reason[:1000], "parent": task.id}).at = clock.now()
        descendants = [r[0] for r in changed]
        _withdraw_extensions(session, [task.id, *descendants])
        change.recipients += [r[2] for r in changed]
        change.detail = {"text": reason[:1000], "descendants": descendants}
    return task


_FACT_COLUMNS = (Task.created_at, Task.lead_unit_id, Task.assigner_unit_id, Task.directive_id, Task.deadline,
                 Task.done_on)


def _open_descendants(session: Session, task_id: int) -> list[Task]:
    """Open tasks below ``task_id`` at any depth (one recursive query)."""
    tree = select(Task.id).where(Task.parent_id == task_id).cte("below", recursive=True)
    tree = tree.union_all(select(Task.id).join(tree, Task.parent_id == tree.c.id))
    return list(session.exec(select(Task).where(Task.id.in_(select(tree.c.id)), Task.state.in_(OPEN_STATES))).all())


def do_request_extension(session: Session, actor: Official, task_id: int, version: int, proposed: date,
                         reason: str) -> ExtensionRequest:
    """The lead unit asks for a later deadline, with a reason; one pending request at a time."""
    reason = clean_text(reason, 2000, required=True, key="task.error.reason")
    with _change(session, actor, task_id, version, side=ASSIGNEE, states=WORKING_STATES,
                 action="extension_requested", notice="extension_requested") as change:
        task = change.task
        if task.deadline is None or proposed <= task.deadline:
            raise Invalid("task.error.extension_date")
        pending = session.exec(select(ExtensionRequest.id).where(ExtensionRequest.task_id == task.id,
                                                                 ExtensionRequest.status == "pending")).first()
        if pending is not None:
            raise Invalid("task.error.extension_pending")
        request = ExtensionRequest(task_id=task.id, requested_by_id=actor.id, decider_id=task.assigner_id,
                                   old_deadline=task.deadline, proposed_deadline=proposed, reason=reason,
                                   at=clock.now())
        session.add(request)
        change.detail = {"proposed": proposed, "text": reason[:1000]}
        change.params = {"proposed": proposed.isoformat()}
    return request


def _withdraw_extensions(session: Session, task_ids: list[int]) -> None:
    """Pending extension requests lapse when their task is reported done or cancelled: nothing is left to decide."""
    session.execute(update(ExtensionRequest).where(ExtensionRequest.task_id.in_(task_ids),
                                                   ExtensionRequest.status == "pending")
                    .values(status="withdrawn", decided_at=clock.now())
                    .execution_options(synchronize_session=False))


def do_decide_extension(session: Session, actor: Official, request_id: int, approve: bool, note: str = "") -> Task:
    """The assigner approves (the deadline moves, its history kept) or refuses an extension request."""
    note = clean_text(note, 2000)
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotFound()
    verdict = "approved" if approve else "rejected"
    with _change(session, actor, request.task_id, None, side=ASSIGNER, states=WORKING_STATES,
                 action=f"extension_{verdict}", notice=f"extension_{verdict}") as change:
        task = change.task
        claimed = session.execute(
            update(ExtensionRequest).where(ExtensionRequest.id == request.id, ExtensionRequest.status == "pending")
            .values(status=verdict, decided_at=clock.now(), decision_note=note)
            .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            raise Conflict()
        if approve:
            session.add(DeadlineChange(task_id=task.id, old_deadline=task.deadline,
                                       new_deadline=request.proposed_deadline, changed_by_id=actor.id,
                                       reason=request.reason, at=clock.now()))
            task.deadline = request.proposed_deadline
        change.recipients = [request.requested_by_id]
        change.detail = {"request": request.id, "proposed": request.proposed_deadline, "text": note[:1000]}
    return task


@dataclass
class NewTask:
    """What the assigner fills in for one task."""

    title: str
    content: str = ""
    deadline: date | None = None
    priority: str = "normal"


def validate_new_task(spec: NewTask, parent: Task | None = None) -> NewTask:
    """The cleaned fields of a new task, or Invalid."""
    return NewTask(title=clean_text(spec.title, MAX_TITLE, required=True, key="task.error.title"),
                   content=clean_text(spec.content, MAX_TEXT), priority=check_priority(spec.priority),
                   deadline=check_deadline(spec.deadline, parent=parent))


def do_delegate(session: Session, actor: Official, parent_id: int, version: int, spec: NewTask, *,
                unit_id: int | None = None, official_id: int | None = None,
                coordinators: list[int] | None = None) -> Task:
    """The lead unit hands (part of) a task to one of its divisions or officials, as a sub-task."""
    with _change(session, actor, parent_id, version, side=ASSIGNEE, states=WORKING_STATES, action="delegated",
                 notice=None) as change:
        parent = change.task
        child = _new_task(session, actor, validate_new_task(spec, parent), unit_id=unit_id, official_id=official_id,
                          parent=parent, directive_id=parent.directive_id, coordinators=coordinators)
        if parent.state in ("new", "received"):
            parent.state = "in_progress"
        change.detail = {"child": child.id}
    return child


def do_assign(session: Session, actor: Official, spec: NewTask, *, unit_id: int | None = None,
              official_id: int | None = None, directive_id: int | None = None,
              coordinators: list[int] | None = None) -> Task:
    """A leader assigns a new task to a unit (its head answers for it) or to an official below them."""
    spec = validate_new_task(spec)
    return _new_task(session, actor, spec, unit_id=unit_id, official_id=official_id, directive_id=directive_id,
                     coordinators=coordinators)


@dataclass
class Placement:
    """Where one new task goes: its lead unit and the official who answers for it."""

    lead_unit_id: int
    owner_id: int


def do_create_tasks(session: Session, actor: Official, spec: NewTask, placements: list[Placement], *,
                    directive_id: int | None = None, parent: Task | None = None,
                    coordinators: list[int] | None = None) -> list[int]:
    """The one write path of new tasks, whether one is assigned or delegated or 184 are fanned out: the rows, the
    oversight counters, the first deadline, the coordinating units, the case groups, the audit rows and the
    notifications, in the caller's transaction and in a fixed number of statements whatever the number of tasks.
    ``spec`` is validated and the placements and coordinators checked by the caller. Returns the new ids in the
    order of ``placements``."""
    now = clock.now()
    parent_id = parent.id if parent is not None else None
    base = {"title": spec.title, "content": spec.content, "deadline": spec.deadline, "priority": spec.priority,
            "directive_id": directive_id, "parent_id": parent_id, "assigner_id": actor.id,
            "assigner_unit_id": actor.unit_id, "title_folded": fold(spec.title), "created_at": now, "updated_at": now,
            "state": "new", "progress": 0, "version": 1}
    rows = [{**base, "lead_unit_id": p.lead_unit_id, "owner_id": p.owner_id} for p in placements]
    ids = list(session.execute(insert(Task).returning(Task.id, sort_by_parameter_order=True), rows).scalars())
    source = tally.sources_of(session, [directive_id])[directive_id]
    tally.shift(session, added=[{**row, "source": source, "done_on": None} for row in rows])
    coordinators = coordinators or []
    if coordinators:
        session.execute(insert(TaskCoordinator), [{"task_id": t, "unit_id": u} for t in ids for u in coordinators])
    session.execute(insert(DeadlineChange), [
        {"task_id": t, "old_deadline": None, "new_deadline": spec.deadline, "changed_by_id": actor.id, "reason": "",
         "at": now} for t in ids])
    case_groups.open_for_tasks(session, [
        case_groups.NewCase(task_id=t, title=spec.title, assigner_id=actor.id, owner_id=p.owner_id,
                            unit_ids=[p.lead_unit_id, *coordinators], parent_id=parent_id)
        for t, p in zip(ids, placements, strict=True)])
    session.execute(insert(AuditEvent), [
        {"at": now, "actor_id": actor.id, "action": "task.created", "object_type": "task", "object_id": t,
         "detail": json.dumps({"version": 1, "lead_unit": p.lead_unit_id, "owner": p.owner_id, "parent": parent_id,
                               "directive": directive_id}), "client_ip": ""}
        for t, p in zip(ids, placements, strict=True)])
    params = json.dumps({"title": spec.title, "actor": actor.full_name}, ensure_ascii=False)
    notify_many(session, [
        {"recipient_id": p.owner_id, "kind": "task_assigned", "task_id": t, "actor_id": actor.id, "params": params,
         "link": task_url(t)} for t, p in zip(ids, placements, strict=True) if p.owner_id != actor.id])
    return ids


def _new_task(session: Session, actor: Official, spec: NewTask, *, unit_id: int | None, official_id: int | None,
              parent: Task | None = None, directive_id: int | None = None,
              coordinators: list[int] | None = None) -> Task:
    """One task, to a unit (its head answers for it) or to an official, through ``do_create_tasks``."""
    if (unit_id is None) == (official_id is None):
        raise Invalid("task.error.target")
    if official_id is not None:
        owner = session.get(Official, official_id)
        if owner is None or not can_assign_to_official(session, actor, owner):
            raise Invalid("task.error.target")
        lead_unit_id = owner.unit_id
    else:
        unit = session.get(Unit, unit_id)
        if unit is None or not can_assign_to_unit(session, actor, unit):
            raise Invalid("task.error.target")
        owner = unit_head(session, unit.id)
        if owner is None:
            raise Invalid("task.error.no_head", unit=unit.name)
        lead_unit_id = unit.id
    coordinators = _check_coordinators(session, actor, coordinators or [], lead_unit_id)
    [task_id] = do_create_tasks(session, actor, spec, [Placement(lead_unit_id, owner.id)], directive_id=directive_id,
                                parent=parent, coordinators=coordinators)
    return session.get(Task, task_id)


def _check_coordinators(session: Session, actor: Official, unit_ids: list[int], lead_unit_id: int) -> list[int]:
    """The coordinating units (the lead unit left out), each one ``actor`` may assign to."""
    ids = sorted({int(u) for u in unit_ids} - {lead_unit_id})
    if not ids:
        return []
    units = session.exec(select(Unit).where(Unit.id.in_(ids))).all()
    if len(units) != len(ids) or not all(can_assign_to_unit(session, actor, u) for u in units):
        raise Invalid("task.error.coordinators")
    return ids
