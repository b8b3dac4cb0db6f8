"""Org-chart rules: roles, unit ancestry, who may administer which unit."""

from __future__ import annotations

from sqlalchemy import literal
from sqlalchemy import select as sa_select
from sqlmodel import Session

from govhub.models import Official, Unit

LEADING_KINDS = ("office", "department", "inspectorate")
LOCAL_KINDS = ("ward", "commune", "special_zone")


def unit_ancestors(session: Session, unit_id: int) -> list[int]:
    """``unit_id`` followed by its parent, grandparent, ... up to the root (one recursive query)."""
    tree = (
        sa_select(Unit.id, Unit.parent_id, literal(0).label("depth"))
        .where(Unit.id == unit_id)
        .cte("tree", recursive=True)
    )
    tree = tree.union_all(
        sa_select(Unit.id, Unit.parent_id, (tree.c.depth + 1).label("depth")).join(tree, Unit.id == tree.c.parent_id)
    )
    rows = session.execute(sa_select(tree.c.id).order_by(tree.c.depth)).all()
    return [r[0] for r in rows]


def ancestors_of_any(session: Session, unit_ids: list[int]) -> set[int]:
    """The given units and every unit above any of them (one recursive query)."""
    if not unit_ids:
        return set()
    tree = sa_select(Unit.id, Unit.parent_id).where(Unit.id.in_(unit_ids)).cte("up", recursive=True)
    tree = tree.union(sa_select(Unit.id, Unit.parent_id).join(tree, Unit.id == tree.c.parent_id))
    return {row[0] for row in session.execute(sa_select(tree.c.id)).all()}


def is_admin(official: Official) -> bool:
    """System administrators manage every unit."""
    return "admin" in official.role_set()


def administered_root(session: Session, official: Official) -> int:
    """The unit a unit administrator looks after: their department or ward (the office division of a ward
    keeps the whole ward's directory), i.e. the nearest unit above their own that is not a division."""
    unit = session.get(Unit, official.unit_id)
    if unit is not None and unit.kind == "division" and unit.parent_id is not None:
        return unit.parent_id
    return official.unit_id


def can_administer_unit(session: Session, actor: Official, unit_id: int) -> bool:
    """Admins anywhere; a unit administrator in their department or ward and the divisions below it."""
    if not actor.active:
        return False
    if is_admin(actor):
        return True
    if "unit_admin" not in actor.role_set():
        return False
    return administered_root(session, actor) in unit_ancestors(session, unit_id)
