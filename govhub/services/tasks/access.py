"""Who may assign to whom, who may see a task, and who may act on it, decided once, here."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from govhub.models import Official, Position, Task, TaskCoordinator, Unit
from govhub.services.core.errors import NotFound
from govhub.services.org.structure import LEADING_KINDS, LEADING_ROLES, LOCAL_KINDS, ancestors_of_any, unit_ancestors

LEADER_ROLES = LEADING_ROLES
TOP_KINDS = (*LEADING_KINDS, *LOCAL_KINDS)


def is_leader(official: Official) -> bool:
    """Heads and deputies lead their unit."""
    return bool(official.role_set() & LEADER_ROLES) and official.active


def is_standing_member(session: Session, official: Official) -> bool:
    """A member of the City People's Committee's Standing Committee (the chairman and vice chairmen)."""
    if not is_leader(official):
        return False
    unit = session.get(Unit, official.unit_id)
    return unit is not None and unit.kind == "city"


def leads(session: Session, official: Official, unit_id: int) -> bool:
    """Whether ``official`` leads ``unit_id`` or a unit above it."""
    return is_leader(official) and official.unit_id in unit_ancestors(session, unit_id)


def assign_scope(session: Session, actor: Official) -> tuple[tuple[str, ...], int | None] | None:
    """The units ``actor`` may assign to, as (kinds, parent unit or None for any): the Standing Committee any
    department or ward; a unit's leader its own divisions; nobody upward or sideways (None)."""
    if not is_leader(actor):
        return None
    if is_standing_member(session, actor):
        return TOP_KINDS, None
    return ("division",), actor.unit_id


def can_assign_to_unit(session: Session, actor: Official, unit: Unit) -> bool:
    """Whether ``unit`` is in ``actor``'s assign scope (and active)."""
    scope = assign_scope(session, actor)
    if scope is None or not unit.active:
        return False
    kinds, parent = scope
    return unit.kind in kinds and (parent is None or unit.parent_id == parent)


def assignable_units(session: Session, actor: Official) -> list[Unit]:
    """Every unit ``actor`` may assign to, in the org chart's order (the same scope, as one query)."""
    scope = assign_scope(session, actor)
    if scope is None:
        return []
    kinds, parent = scope
    where = [Unit.kind.in_(kinds), Unit.active.is_(True)] + ([Unit.parent_id == parent] if parent is not None else [])
    return list(session.exec(select(Unit).where(*where).order_by(Unit.sort_order, Unit.name)).all())


def can_assign_to_official(session: Session, actor: Official, target: Official) -> bool:
    """A leader delegates to an official below them in their own unit or its divisions."""
    if not target.active or target.id == actor.id or not is_leader(actor):
        return False
    if target.unit_id != actor.unit_id:
        unit = session.get(Unit, target.unit_id)
        if unit is None or unit.parent_id != actor.unit_id:
            return False
    ranks = dict(session.exec(select(Position.id, Position.rank).where(
        Position.id.in_([actor.position_id, target.position_id]))).all())
    return ranks.get(target.position_id, 0) > ranks.get(actor.position_id, 0)


def head_ids(session: Session, unit_ids: Iterable[int]) -> dict[int, int]:
    """The head of each unit (unit id → official id), in one query: its highest-ranked active official holding a
    head position, the earliest account among equals. Units without one are left out."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(Official.unit_id, Official.id).join(Position, Position.id == Official.position_id)
        .where(Official.unit_id.in_(ids), Official.active.is_(True), Position.is_head.is_(True))
        .order_by(Official.unit_id, Position.rank, Official.id)
    ).all()
    heads: dict[int, int] = {}
    for unit_id, official_id in rows:
        heads.setdefault(unit_id, official_id)
    return heads


def unit_head(session: Session, unit_id: int) -> Official | None:
    """The head of one unit (see ``head_ids``)."""
    head = head_ids(session, [unit_id]).get(unit_id)
    return session.get(Official, head) if head is not None else None


def is_assignee_side(session: Session, actor: Official, task: Task) -> bool:
    """The responsible official, or a leader of the lead unit itself."""
    return task.owner_id == actor.id or (is_leader(actor) and actor.unit_id == task.lead_unit_id)


def is_assigner_side(session: Session, actor: Official, task: Task) -> bool:
    """The assigner, or the head of the assigning unit."""
    if task.assigner_id == actor.id:
        return True
    return "unit_head" in actor.role_set() and actor.active and actor.unit_id == task.assigner_unit_id


def can_see(session: Session, actor: Official, task: Task) -> bool:
    """The assigner's side, the responsible official, and leaders of the lead or coordinating units or above."""
    if not actor.active:
        return False
    if actor.id in (task.assigner_id, task.owner_id):
        return True
    if not is_leader(actor):
        return False
    units = [task.lead_unit_id, task.assigner_unit_id, *session.execute(
        sa_select(TaskCoordinator.unit_id).where(TaskCoordinator.task_id == task.id)).scalars().all()]
    return actor.unit_id in ancestors_of_any(session, units)


def access_task(session: Session, actor: Official, task_id: int, *, for_update: bool = False) -> Task:
    """The task if ``actor`` may see it; otherwise NotFound, the same as for a task that does not exist."""
    task = session.get(Task, task_id, with_for_update=for_update)
    if task is None or not can_see(session, actor, task):
        raise NotFound()
    return task
