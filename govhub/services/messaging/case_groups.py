"""Case groups: every task has one conversation, opened with the task, whose members are the people of the case:
the assigner, the lead unit's head and the responsible official, the coordinating units' heads. Delegation brings
the new assignee into the parent task's group too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlmodel import Session, select

from govhub import clock
from govhub.models import Conversation, ConversationMember, Task, TaskCoordinator
from govhub.services.core.db_util import insert_ignore
from govhub.services.core.text import fold
from govhub.services.tasks.access import head_ids


@dataclass
class NewCase:
    """The people of one new task's case: its assigner, its responsible official, the units whose heads join (the
    lead unit first, then the coordinators), and the parent task whose group they join too."""

    task_id: int
    title: str
    assigner_id: int
    owner_id: int | None
    unit_ids: list[int]
    parent_id: int | None = None
    members: set[int] = field(default_factory=set)


def add_members(session: Session, conversation_id: int, official_ids: Iterable[int], *, how: str = "task",
                added_by: int | None = None) -> None:
    """Add members, recording how they came (see ``ConversationMember``); those already in stay as they are."""
    now = clock.now()
    rows = [{"conversation_id": conversation_id, "official_id": o, "last_read_id": 0, "joined_at": now,
             "joined_how": how, "added_by_id": added_by} for o in sorted(set(official_ids))]
    if rows:
        insert_ignore(session, ConversationMember, rows)


def open_for_tasks(session: Session, cases: list[NewCase]) -> list[int]:
    """Open the case groups of new tasks, in their transaction, in a fixed number of statements whatever their
    number (the heads in one query, one batched insert each); a delegated task's people join the parent's group
    too. Returns the conversation ids in the order of ``cases``."""
    if not cases:
        return []
    now = clock.now()
    heads = head_ids(session, [u for case in cases for u in case.unit_ids])
    session.execute(insert(Conversation), [
        {"kind": "case", "title": c.title[:300], "title_folded": fold(c.title)[:300], "task_id": c.task_id,
         "direct_key": None, "created_by_id": c.assigner_id, "created_at": now, "last_message_at": now}
        for c in cases])
    by_task = dict(session.exec(select(Conversation.task_id, Conversation.id).where(
        Conversation.task_id.in_([c.task_id for c in cases]))).all())
    rows = []
    for case in cases:
        case.members = {m for m in (case.assigner_id, case.owner_id, *(heads.get(u) for u in case.unit_ids))
                        if m is not None}
        rows += [{"conversation_id": by_task[case.task_id], "official_id": m, "last_read_id": 0, "joined_at": now,
                  "joined_how": "task", "added_by_id": None} for m in sorted(case.members)]
    session.execute(insert(ConversationMember), rows)
    parents = {c.parent_id for c in cases if c.parent_id is not None}
    if parents:
        parent_groups = dict(session.exec(select(Conversation.task_id, Conversation.id).where(
            Conversation.task_id.in_(parents))).all())
        for case in cases:
            if case.parent_id in parent_groups:
                add_members(session, parent_groups[case.parent_id], case.members)
    return [by_task[c.task_id] for c in cases]


def group_for_task(session: Session, task_id: int) -> int | None:
    """The conversation id of a task's case group (None for tasks made before case groups existed)."""
    return session.exec(select(Conversation.id).where(Conversation.task_id == task_id)).first()


def ensure_for_task(session: Session, task: Task) -> int:
    """The task's case group, opened now if the task predates case groups."""
    found = group_for_task(session, task.id)
    if found is not None:
        return found
    coordinators = list(session.exec(select(TaskCoordinator.unit_id).where(TaskCoordinator.task_id == task.id)))
    case = NewCase(task_id=task.id, title=task.title, assigner_id=task.assigner_id, owner_id=task.owner_id,
                   unit_ids=[task.lead_unit_id, *coordinators], parent_id=task.parent_id)
    return open_for_tasks(session, [case])[0]
