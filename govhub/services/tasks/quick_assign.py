"""Quick assignment: one directive to many departments and wards at once, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from govhub import clock
from govhub.models import Directive, Official, Unit
from govhub.models.task import DIRECTIVE_SOURCES
from govhub.services.core import audit
from govhub.services.core.errors import Invalid
from govhub.services.org.structure import LEADING_KINDS, LOCAL_KINDS
from govhub.services.tasks.access import assignable_units, head_ids
from govhub.services.tasks.actions import NewTask, Placement, clean_text, do_create_tasks, validate_new_task

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
    """Every unit ``actor`` may assign to (``access.assign_scope``): for the Standing Committee the 16 agencies and
    168 local units, for a unit's leader its divisions."""
    return [TargetUnit(id=u.id, name=u.name, kind=u.kind) for u in assignable_units(session, actor)]


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


def do_quick_assign(session: Session, actor: Official, directive: DirectiveSpec, task: NewTask,
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
    heads = head_ids(session, wanted)
    headless = [u for u in wanted if u not in heads]
    if headless:
        name = session.get(Unit, headless[0]).name
        raise Invalid("task.error.no_head", unit=name)
    row = Directive(source=directive.source, number=directive.number, issued_on=directive.issued_on,
                    summary=directive.summary, created_by_id=actor.id, unit_id=actor.unit_id, created_at=clock.now())
    session.add(row)
    session.flush()
    ids = do_create_tasks(session, actor, task, [Placement(u, heads[u]) for u in wanted], directive_id=row.id)
    audit.record(session, "directive.assigned", actor_id=actor.id, object_type="directive", object_id=row.id,
                 detail={"units": len(ids)}).at = row.created_at
    return row, ids
