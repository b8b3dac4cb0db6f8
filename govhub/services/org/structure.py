"""Org-chart rules: roles, unit ancestry, who may administer which unit."""

from __future__ import annotations

from sqlalchemy import literal
from sqlalchemy import select as sa_select
from sqlmodel import Session

from govhub.config import get_settings
from govhub.models import Official, Position, Unit

LEADING_KINDS = ("office", "department", "inspectorate")
LOCAL_KINDS = ("ward", "commune", "special_zone")
# Roles that make an official lead their unit, and roles that administer the directory.
LEADING_ROLES = frozenset({"leader", "unit_head"})
ADMIN_ROLES = frozenset({"admin", "unit_admin"})


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


def units_below(unit_id: int):  # noqa: ANN201 (a SELECT of unit ids, for IN)
    """A SELECT of ``unit_id`` and every unit under it, at any depth (one recursive query, to use in ``IN``)."""
    tree = sa_select(Unit.id).where(Unit.id == unit_id).cte("below", recursive=True)
    tree = tree.union_all(sa_select(Unit.id).join(tree, Unit.parent_id == tree.c.id))
    return sa_select(tree.c.id)


def member_units(session: Session, unit_id: int) -> list[int]:
    """The units an official of ``unit_id`` is a member of: their own unit and, for a division, the units it
    belongs to up to and including the first that is not a division (a department, a ward, the city). Never
    further up: a ward's staff are not members of the city (B1 of issue 12)."""
    out: list[int] = []
    unit = session.get(Unit, unit_id)
    while unit is not None:
        out.append(unit.id)
        if unit.kind != "division" or unit.parent_id is None:
            break
        unit = session.get(Unit, unit.parent_id)
    return out


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


# --------------------------------------------------------------------------------------------------------------
# Who may change a directory entry, and its post (unit and position)
# --------------------------------------------------------------------------------------------------------------


def can_edit_entry(session: Session, actor: Official, target: Official) -> bool:
    """Whether ``actor`` may edit ``target``'s directory entry at all: they administer the target's unit, and a
    system administrator's entry is kept by system administrators only."""
    if not can_administer_unit(session, actor, target.unit_id):
        return False
    return is_admin(actor) or "admin" not in target.role_set()


def _rank(session: Session, position_id: int | None) -> int:
    position = session.get(Position, position_id) if position_id is not None else None
    return position.rank if position is not None else 10_000


def is_reserved_post(position: Position, editor_rank: int) -> bool:
    """A post a unit administrator may not grant: one that heads or deputises a unit (so makes its holder the
    unit's head for routes, tasks and signatures), or that ranks at or above the editor's own position."""
    return position.is_head or position.is_deputy or position.rank <= editor_rank


def post_change_refusal(session: Session, actor: Official, target: Official | None, unit_id: int,
                        position: Position) -> str:
    """Whether ``actor`` may put ``target`` (None for a new official) into ``unit_id`` with ``position``: '' if
    so, else the translation key of the refusal. The caller has checked that ``actor`` administers both the
    target's unit and ``unit_id``. The rule (B2 of issue 12):

    - Nobody changes their own unit or position, system administrators included (another one does it).
    - System administrators grant any post; they alone appoint heads and deputies.
    - A unit administrator grants only posts that neither head nor deputise a unit and rank below their own
      position, and never moves or re-titles an official who leads (by position or by role), ranks at or above
      them, or administers the directory (a change of such a post goes through a system administrator).
    Every change of unit or position is audited with its before and after by the caller."""
    unchanged = target is not None and target.unit_id == unit_id and target.position_id == position.id
    if unchanged:
        return ""
    if target is not None and target.id == actor.id:
        return "directory.error.own_post"
    if is_admin(actor):
        return ""
    editor_rank = _rank(session, actor.position_id)
    if is_reserved_post(position, editor_rank):
        return "directory.error.post_reserved"
    if target is not None:
        current = session.get(Position, target.position_id)
        if (current is None or is_reserved_post(current, editor_rank)
                or target.role_set() & (LEADING_ROLES | ADMIN_ROLES)):
            return "directory.error.post_reserved"
    return ""


def link_field_locked(actor: Official) -> str:
    """The directory field that links an account to single sign-on (``GOVHUB_OIDC_LINK_FIELD``: 'email' or
    'username') when single sign-on is on and ``actor`` is not a system administrator; else ''. Changing it
    would hand the account to whoever owns the new address at the provider, so only system administrators may."""
    settings = get_settings()
    if not settings.oidc_enabled or is_admin(actor):
        return ""
    return settings.oidc_link_field
