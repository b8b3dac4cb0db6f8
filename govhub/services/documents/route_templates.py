"""Route templates as data: administrators (and unit administrators for their unit) edit who reviews and who
signs, in stages, with no code and no redeploy. A document picks a template when drafted; its steps are
resolved to officials when it is submitted."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from govhub import clock
from govhub.models import DocRoute, DocRouteStep, Official, Position, Unit
from govhub.models.documents import ASSIGNEE_KINDS, DOC_TYPES, STEP_KINDS
from govhub.services.core import audit
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.versioning import claim_version
from govhub.services.org.structure import administered_root, can_administer_unit, is_admin
from govhub.services.tasks.access import unit_head

MAX_STEPS = 30
MAX_STAGE = 20


@dataclass
class StepRow:
    """A template step as the editor shows it."""

    id: int
    stage: int
    kind: str
    assignee_kind: str
    who: str


@dataclass
class RouteRow:
    """A template in the editor's list."""

    id: int
    name: str
    unit_name: str
    doc_type: str
    is_default: bool
    active: bool
    steps: int


@dataclass
class RouteDetail:
    """One template with its steps, for the editor."""

    id: int = 0
    name: str = ""
    unit_name: str = ""
    doc_type: str = ""
    is_default: bool = False
    active: bool = True
    version: int = 0
    steps: list[StepRow] = field(default_factory=list)
    problem: str = ""


@dataclass
class Option:
    """A value and its label, for a select."""

    value: str
    label: str


@dataclass
class ResolvedStep:
    """A template step resolved for one document: the officials who may act on it."""

    stage: int
    slot: int
    kind: str
    officials: list[int]


def subtree_units(session: Session, unit_id: int) -> list[int]:
    """A unit and its divisions (the people a route of that unit can name)."""
    below = session.exec(select(Unit.id).where(Unit.parent_id == unit_id, Unit.kind == "division")).all()
    return [unit_id, *below]


def can_manage_route(session: Session, actor: Official, route: DocRoute) -> bool:
    """Admins every template; a unit administrator the templates of the unit they look after."""
    if is_admin(actor) and actor.active:
        return True
    return route.unit_id is not None and "unit_admin" in actor.role_set() and actor.active and \
        route.unit_id == administered_root(session, actor) and can_administer_unit(session, actor, route.unit_id)


def may_edit_routes(session: Session, actor: Official) -> bool:
    """Whether the editor is offered at all."""
    return actor.active and (is_admin(actor) or "unit_admin" in actor.role_set())


def access_route(session: Session, actor: Official, route_id: int) -> DocRoute:
    """A template the actor may manage, or NotFound."""
    route = session.get(DocRoute, int(route_id))
    if route is None or not can_manage_route(session, actor, route):
        raise NotFound()
    return route


def route_problem(steps: list[DocRouteStep]) -> str:
    """'' for a usable route, else the translation key of what is wrong: it needs a signature, and signing
    comes last (the final stage is all signatures)."""
    if not steps:
        return "doc.route.problem.empty"
    last = max(s.stage for s in steps)
    if not any(s.kind == "sign" for s in steps):
        return "doc.route.problem.no_sign"
    if any(s.kind == "sign" and s.stage != last for s in steps) or any(
            s.kind != "sign" for s in steps if s.stage == last):
        return "doc.route.problem.sign_last"
    return ""


def steps_of(session: Session, route_id: int) -> list[DocRouteStep]:
    """A template's steps in stage order."""
    return list(session.exec(select(DocRouteStep).where(DocRouteStep.route_id == route_id)
                             .order_by(DocRouteStep.stage, DocRouteStep.id)).all())


def _who(session: Session, step: DocRouteStep) -> str:
    if step.assignee_kind == "unit_head":
        return ""
    if step.assignee_kind == "position":
        pos = session.get(Position, step.position_id) if step.position_id else None
        return pos.title if pos else "?"
    person = session.get(Official, step.official_id) if step.official_id else None
    return person.full_name if person else "?"


def manageable_routes(session: Session, actor: Official) -> list[RouteRow]:
    """The templates the actor may edit (admins: all; unit admins: their unit's)."""
    if not may_edit_routes(session, actor):
        return []
    counts = select(DocRouteStep.route_id, func.count().label("n")).group_by(DocRouteStep.route_id).subquery()
    query = (select(DocRoute, Unit.name, counts.c.n).outerjoin(Unit, Unit.id == DocRoute.unit_id)
             .outerjoin(counts, counts.c.route_id == DocRoute.id))
    if not is_admin(actor):
        query = query.where(DocRoute.unit_id == administered_root(session, actor))
    rows = session.exec(query.order_by(DocRoute.unit_id.is_not(None), DocRoute.name).limit(500)).all()
    return [RouteRow(id=r.id, name=r.name, unit_name=name or "", doc_type=r.doc_type, is_default=r.is_default,
                     active=r.active, steps=n or 0) for r, name, n in rows if can_manage_route(session, actor, r)]


def route_detail(session: Session, actor: Official, route_id: int) -> RouteDetail:
    """One template for the editor."""
    route = access_route(session, actor, route_id)
    steps = steps_of(session, route.id)
    unit = session.get(Unit, route.unit_id) if route.unit_id else None
    return RouteDetail(id=route.id, name=route.name, unit_name=unit.name if unit else "", doc_type=route.doc_type,
                       is_default=route.is_default, active=route.active, version=route.version,
                       steps=[StepRow(id=s.id, stage=s.stage, kind=s.kind, assignee_kind=s.assignee_kind,
                                      who=_who(session, s)) for s in steps],
                       problem=route_problem(steps))


def assignee_options(session: Session, actor: Official, route_id: int) -> tuple[list[Option], list[Option]]:
    """Positions, and (for a unit's template) the unit's officials, a step may name."""
    route = access_route(session, actor, route_id)
    positions = [Option(value=str(p.id), label=p.title) for p in
                 session.exec(select(Position).order_by(Position.rank, Position.title)).all()]
    people: list[Option] = []
    if route.unit_id is not None:
        rows = session.exec(select(Official, Position.title).join(Position, Position.id == Official.position_id)
                            .where(Official.unit_id.in_(subtree_units(session, route.unit_id)),
                                   Official.active.is_(True)).order_by(Position.rank, Official.full_name)
                            .limit(300)).all()
        people = [Option(value=str(o.id), label=f"{o.full_name} — {title}") for o, title in rows]
    return positions, people


def _clean_name(name: str) -> str:
    text = " ".join(str(name or "").split())
    if not text or len(text) > 200:
        raise Invalid("doc.route.error.name")
    return text


def _check_type(doc_type: str) -> str:
    if doc_type not in ("", *DOC_TYPES):
        raise Invalid("doc.error.type")
    return doc_type


def _only_default(session: Session, route: DocRoute) -> None:
    """One default per unit and type: making this one the default unsets the others."""
    if route.is_default:
        same_unit = DocRoute.unit_id.is_(None) if route.unit_id is None else DocRoute.unit_id == route.unit_id
        session.execute(update(DocRoute).where(same_unit, DocRoute.doc_type == route.doc_type,
                                               DocRoute.id != route.id, DocRoute.is_default.is_(True))
                        .values(is_default=False).execution_options(synchronize_session=False))


def _audit(session: Session, actor: Official, action: str, route: DocRoute, **detail: object) -> None:
    audit.record(session, f"doc_route.{action}", actor_id=actor.id, object_type="doc_route", object_id=route.id,
                 detail={"version": route.version, **detail}).at = clock.now()


def do_create_route(session: Session, actor: Official, name: str, doc_type: str = "", *,
                    city_wide: bool = False, is_default: bool = False) -> DocRoute:
    """A new, empty template: city-wide (admins) or for the unit the actor looks after."""
    if not may_edit_routes(session, actor):
        raise NotFound()
    unit_id = None if city_wide and is_admin(actor) else administered_root(session, actor)
    route = DocRoute(name=_clean_name(name), doc_type=_check_type(doc_type), unit_id=unit_id,
                     is_default=bool(is_default), created_by_id=actor.id, updated_at=clock.now())
    if not can_manage_route(session, actor, route):
        raise NotFound()
    session.add(route)
    session.flush()
    _only_default(session, route)
    _audit(session, actor, "created", route, name=route.name)
    return route


def do_update_route(session: Session, actor: Official, route_id: int, version: int, *, name: str, doc_type: str,
                    is_default: bool, active: bool) -> DocRoute:
    """Rename a template, change its type, make it the default, or retire it."""
    route = access_route(session, actor, route_id)
    name, doc_type = _clean_name(name), _check_type(doc_type)
    claim_version(session, route, version)
    route.name, route.doc_type, route.is_default, route.active = name, doc_type, bool(is_default), bool(active)
    _only_default(session, route)
    _audit(session, actor, "updated", route, name=name, doc_type=doc_type, is_default=route.is_default,
           active=route.active)
    return route


def do_add_step(session: Session, actor: Official, route_id: int, version: int, *, stage: int, kind: str,
                assignee_kind: str, position_id: int | None = None, official_id: int | None = None) -> DocRouteStep:
    """Add a step: review or sign, by the unit head, a position, or a named official (of the route's unit)."""
    route = access_route(session, actor, route_id)
    stage = int(stage)
    if not 1 <= stage <= MAX_STAGE:
        raise Invalid("doc.route.error.stage")
    if kind not in STEP_KINDS or assignee_kind not in ASSIGNEE_KINDS:
        raise Invalid("doc.route.error.step")
    step = DocRouteStep(route_id=route.id, stage=stage, kind=kind, assignee_kind=assignee_kind)
    if assignee_kind == "position":
        if position_id is None or session.get(Position, int(position_id)) is None:
            raise Invalid("doc.route.error.assignee")
        step.position_id = int(position_id)
    elif assignee_kind == "official":
        person = session.get(Official, int(official_id)) if official_id is not None else None
        if person is None or not person.active or route.unit_id is None or \
                person.unit_id not in subtree_units(session, route.unit_id):
            raise Invalid("doc.route.error.assignee")
        step.official_id = person.id
    existing = steps_of(session, route.id)
    if len(existing) >= MAX_STEPS:
        raise Invalid("doc.route.error.too_many")
    claim_version(session, route, version)
    signs = [s for s in existing if s.kind == "sign"]
    if kind == "review" and signs and stage >= min(s.stage for s in signs):
        for s in signs:  # a review goes before signing: signing moves after it
            s.stage = stage + 1
            session.add(s)
    session.add(step)
    session.flush()
    _audit(session, actor, "step_added", route, step=step.id, stage=stage, kind=kind, assignee=assignee_kind,
           position=step.position_id, official=step.official_id)
    return step


def do_remove_step(session: Session, actor: Official, route_id: int, version: int, step_id: int) -> None:
    """Remove a step (documents already on their way keep the steps they were given)."""
    route = access_route(session, actor, route_id)
    step = session.get(DocRouteStep, int(step_id))
    if step is None or step.route_id != route.id:
        raise NotFound()
    claim_version(session, route, version)
    session.delete(step)
    _audit(session, actor, "step_removed", route, step=step.id)


def available_routes(session: Session, doc_type: str, issuing_unit_id: int) -> list[DocRoute]:
    """Usable templates for a document, best first: the unit's own before city-wide ones, the exact type
    before 'any type', the default before the others."""
    rows = session.exec(select(DocRoute).where(
        DocRoute.active.is_(True),
        or_(DocRoute.unit_id == issuing_unit_id, DocRoute.unit_id.is_(None)),
        DocRoute.doc_type.in_((doc_type, "")),
    )).all()
    usable = [r for r in rows if not route_problem(steps_of(session, r.id))]
    return sorted(usable, key=lambda r: (r.unit_id is None, r.doc_type == "", not r.is_default, r.name, r.id))


def resolve(session: Session, route: DocRoute, issuing_unit_id: int) -> list[ResolvedStep]:
    """The template's steps for a document of ``issuing_unit_id``, stages renumbered 1..n, each with the
    officials who may act on it; a step nobody holds is refused (the route would stall)."""
    steps = steps_of(session, route.id)
    problem = route_problem(steps)
    if problem:
        raise Invalid(problem)
    stages = {s: i for i, s in enumerate(sorted({st.stage for st in steps}), start=1)}
    units = subtree_units(session, issuing_unit_id)
    out: list[ResolvedStep] = []
    for slot, step in enumerate(steps, start=1):
        if step.assignee_kind == "unit_head":
            head = unit_head(session, issuing_unit_id)
            ids = [head.id] if head else []
        elif step.assignee_kind == "position":
            ids = list(session.exec(select(Official.id).where(
                Official.position_id == step.position_id, Official.unit_id.in_(units),
                Official.active.is_(True)).order_by(Official.id)).all())
        else:
            person = session.get(Official, step.official_id) if step.official_id else None
            ids = [person.id] if person is not None and person.active else []
        if not ids:
            raise Invalid("doc.error.no_assignee", step=slot)
        out.append(ResolvedStep(stage=stages[step.stage], slot=slot, kind=step.kind, officials=ids))
    return out
