"""Case groups: every task has one conversation, opened with the task, whose members are the people of the case:
the assigner, the lead unit's head and the responsible official, the coordinating units' heads. Delegation brings
the new assignee into the parent task's group too."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert
from sqlmodel import Session, select

from govhub.models import Conversation, ConversationMember, Official, Position, Task, TaskCoordinator
from govhub.services.core import clock
from govhub.services.core.db_util import insert_ignore
from govhub.services.core.text import fold


def heads_of(session: Session, unit_ids: Iterable[int]) -> dict[int, int]:
    """The top head of each unit (unit id → official id), in one query."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(Official.unit_id, Official.id).join(Position, Position.id == Official.position_id)
        .where(Official.unit_id.in_(ids), Official.active.is_(True), Position.is_head.is_(True))
        .order_by(Official.unit_id, Position.rank.desc(), Official.id.desc())  # the last row per unit wins
    ).all()
    return dict(rows)


def case_members(session: Session, task: Task) -> set[int]:
    """Who belongs to a task's case group."""
    coordinators = list(session.exec(select(TaskCoordinator.unit_id).where(TaskCoordinator.task_id == task.id)))
    heads = heads_of(session, [task.lead_unit_id, *coordinators])
    return {m for m in (task.assigner_id, task.owner_id, *heads.values()) if m is not None}


def add_members(session: Session, conversation_id: int, official_ids: Iterable[int]) -> None:
    """Add members (those already in stay as they are)."""
    now = clock.now()
    rows = [{"conversation_id": conversation_id, "official_id": o, "last_read_id": 0, "joined_at": now}
            for o in sorted(set(official_ids))]
    if rows:
        insert_ignore(session, ConversationMember, rows)


def open_for_task(session: Session, task: Task) -> int:
    """Open the case group of a new task (in the task's transaction); a delegated task's people join the
    parent's group too. Returns the conversation id."""
    now = clock.now()
    conversation = Conversation(kind="case", title=task.title[:300], title_folded=fold(task.title)[:300],
                                task_id=task.id, created_by_id=task.assigner_id, created_at=now, last_message_at=now)
    session.add(conversation)
    session.flush()
    members = case_members(session, task)
    add_members(session, conversation.id, members)
    if task.parent_id is not None:
        parent_group = session.exec(select(Conversation.id).where(Conversation.task_id == task.parent_id)).first()
        if parent_group is not None:
            add_members(session, parent_group, members)
    return conversation.id


def open_for_tasks(session: Session, tasks: list[tuple[int, str, int, int | None]], assigner_id: int,
                   lead_heads: dict[int, int]) -> list[int]:
    """Bulk variant for quick assignment: ``tasks`` are (task id, title, lead unit id, owner id). Two statements
    whatever the number of tasks (one batched insert each, one select). Returns the conversation ids in the order
    of ``tasks``."""
    if not tasks:
        return []
    now = clock.now()
    session.execute(insert(Conversation), [
        {"kind": "case", "title": title[:300], "title_folded": fold(title)[:300], "task_id": tid, "direct_key": None,
         "created_by_id": assigner_id, "created_at": now, "last_message_at": now}
        for tid, title, _unit, _owner in tasks])
    by_task = dict(session.exec(select(Conversation.task_id, Conversation.id).where(
        Conversation.task_id.in_([t[0] for t in tasks]))).all())
    conv_ids = [by_task[t[0]] for t in tasks]
    rows = []
    for cid, (_tid, _title, unit_id, owner_id) in zip(conv_ids, tasks, strict=True):
        for member in sorted({m for m in (assigner_id, owner_id, lead_heads.get(unit_id)) if m is not None}):
            rows.append({"conversation_id": cid, "official_id": member, "last_read_id": 0, "joined_at": now})
    session.execute(insert(ConversationMember), rows)
    return conv_ids


def group_for_task(session: Session, task_id: int) -> int | None:
    """The conversation id of a task's case group (None for tasks made before case groups existed)."""
    return session.exec(select(Conversation.id).where(Conversation.task_id == task_id)).first()


def ensure_for_task(session: Session, task: Task) -> int:
    """The task's case group, opened now if the task predates case groups."""
    found = group_for_task(session, task.id)
    return found if found is not None else open_for_task(session, task)
