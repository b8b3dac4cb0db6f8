"""Quick assignment: one directive to many departments and wards at once, all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert
from sqlmodel import Session, select

from govhub.models import AuditEvent, DeadlineChange, Directive, Official, Position, Task, Unit
from govhub.models.task import DIRECTIVE_SOURCES
from govhub.services.core import audit, clock
from govhub.services.core.errors import Invalid
from govhub.services.core.notifications import notify_many
from govhub.services.core.text import fold
from govhub.services.messaging import case_groups
from govhub.services.org.structure import LEADING_KINDS, LOCAL_KINDS
from govhub.services.tasks import tally
from govhub.services.tasks.access import is_leader, is_standing_member
from govhub.services.tasks.actions import NewTask, clean_text, task_link, validate_new_task

PRESETS = {
    "departments": LEADING_KINDS,
    "wards": ("ward",),
    "communes": ("commune", "special_zone"),
    "all": (*LEADING_KINDS, *LOCAL_KINDS),
}
MAX_TARGETS = 1000


@dataclass
class DirectiveSpec:
    """The document the tasks come from."""

    source: str
    number: str = ""
    issued_on: date | None = None
    summary: str = ""


@dataclass
class TargetUnit:
    """A unit the actor may assign to, for the picker."""

    id: int
    name: str
    kind: str


def targets(session: Session, actor: Official) -> list[TargetUnit]:
    """Every unit ``actor`` may assign to: for the Standing Committee the 16 agencies and 168 local units,
    for a unit's leader its divisions."""
    if not is_leader(actor):
        return []
    if is_standing_member(session, actor):
        where = Unit.kind.in_(PRESETS["all"])
    else:
        where = (Unit.parent_id == actor.unit_id) & (Unit.kind == "division")
    rows = session.exec(select(Unit).where(where, Unit.active.is_(True)).order_by(Unit.sort_order, Unit.name)).all()
    return [TargetUnit(id=u.id, name=u.name, kind=u.kind) for u in rows]


def preset_ids(session: Session, actor: Official, preset: str) -> list[int]:
    """The ids of a preset's units among those ``actor`` may assign to."""
    if preset not in PRESETS:
        raise Invalid("assign.error.preset")
    return [t.id for t in targets(session, actor) if t.kind in PRESETS[preset]]


def _check_directive(spec: DirectiveSpec) -> DirectiveSpec:
    if spec.source not in DIRECTIVE_SOURCES:
        raise Invalid("assign.error.source")
    number = clean_text(spec.number, 64)
    if number and ("/" not in number or len(number) < 3):
        raise Invalid("assign.error.number")
    return DirectiveSpec(source=spec.source, number=number, issued_on=spec.issued_on,
                         summary=clean_text(spec.summary, 1000))


def quick_assign(session: Session, actor: Official, directive: DirectiveSpec, task: NewTask,
                 unit_ids: list[int]) -> tuple[Directive, list[int]]:
    """Create the directive and one task per unit, each for the unit's head, with notifications and audit rows,
    in the caller's transaction (all or nothing). Returns the directive and the new task ids."""
    directive = _check_directive(directive)
    task = validate_new_task(task)
    wanted = sorted({int(u) for u in unit_ids})
    if not wanted:
        raise Invalid("assign.error.no_units")
    if len(wanted) > MAX_TARGETS:
        raise Invalid("assign.error.too_many")
    allowed = {t.id for t in targets(session, actor)}
    if not set(wanted) <= allowed:
        raise Invalid("task.error.target")
    heads = dict(session.exec(
        select(Official.unit_id, Official.id).join(Position, Position.id == Official.position_id)
        .where(Official.unit_id.in_(wanted), Official.active.is_(True), Position.is_head.is_(True))
        # the last row per unit wins: its highest-ranked head
        .order_by(Official.unit_id, Position.rank.desc(), Official.id.desc())
    ).all())
    headless = [u for u in wanted if u not in heads]
    if headless:
        name = session.get(Unit, headless[0]).name
        raise Invalid("task.error.no_head", unit=name)
    now = clock.now()
    row = Directive(source=directive.source, number=directive.number, issued_on=directive.issued_on,
                    summary=directive.summary, created_by_id=actor.id, unit_id=actor.unit_id, created_at=now)
    session.add(row)
    session.flush()
    base = {"title": task.title, "content": task.content, "deadline": task.deadline, "priority": task.priority,
            "directive_id": row.id, "assigner_id": actor.id, "assigner_unit_id": actor.unit_id,
            "title_folded": fold(task.title), "created_at": now, "updated_at": now, "state": "new", "progress": 0,
            "version": 1}
    ids = list(session.execute(
        insert(Task).returning(Task.id, sort_by_parameter_order=True),
        [{**base, "lead_unit_id": u, "owner_id": heads[u]} for u in wanted],
    ).scalars())
    tally.shift(session, added=[{**base, "lead_unit_id": u, "source": row.source, "done_on": None} for u in wanted])
    session.execute(insert(DeadlineChange), [
        {"task_id": t, "old_deadline": None, "new_deadline": task.deadline, "changed_by_id": actor.id, "reason": "",
         "at": now} for t in ids])
    groups = [(t, task.title, u, heads[u]) for u, t in zip(wanted, ids, strict=True)]
    case_groups.open_for_tasks(session, groups, actor.id, heads)
    detail = json.dumps({"directive": row.id, "version": 1}, ensure_ascii=False)
    session.execute(insert(AuditEvent), [
        {"at": now, "actor_id": actor.id, "action": "task.created", "object_type": "task", "object_id": t,
         "detail": detail, "client_ip": ""} for t in ids])
    audit.record(session, "directive.assigned", actor_id=actor.id, object_type="directive", object_id=row.id,
                 detail={"units": len(ids)}).at = now
    params = json.dumps({"title": task.title, "actor": actor.full_name}, ensure_ascii=False)
    notify_many(session, [
        {"recipient_id": heads[u], "kind": "task_assigned", "task_id": t, "actor_id": actor.id, "params": params,
         "link": task_link(t)} for u, t in zip(wanted, ids, strict=True)])
    return row, ids
