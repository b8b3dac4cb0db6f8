"""Visibility rules as properties (issue 12, "done" 2): for random objects placed anywhere in a cross-section of
the demo city's org chart, every official of it × the object → may see (or may edit), as the services decide, is
compared with a plain statement of the rule written here from the org chart alone. A rule that reads "any unit
above mine" where it should read "my unit" (B1) or that lets anyone grant any post (B2) cannot pass.

Objects are written inside a savepoint and rolled back after each example; the seeded session is shared."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from govhub import clock
from govhub.models import (
    Conversation,
    ConversationMember,
    DocFile,
    DocRecipient,
    DocStep,
    Document,
    Official,
    Position,
    Task,
    TaskCoordinator,
    Unit,
)
from govhub.services.core.errors import GovHubError, NotFound
from govhub.services.documents import workflow as D
from govhub.services.messaging import conversations as messages
from govhub.services.org import directory
from govhub.services.org.directory_import import do_import_csv
from govhub.services.tasks import access as task_rules

# The cross-section: the city, two departments and three wards, with all their divisions.
UNIT_CODES = ("UBND-TP", "S-STC", "S-SXD", "S-VP", "26740", "25747", "25813")
PER_UNIT = 3  # officials taken from each unit (its first by id: the leaders, the unit administrator, staff)
CHECKED = 24  # officials drawn per example and checked against the object (all ~85 would be slow)
FAST = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_ids = itertools.count(1)


@dataclass(frozen=True)
class Person:
    """An official as the plain rules see them."""

    id: int
    unit: int
    roles: frozenset[str]
    rank: int
    position: int


@dataclass
class World:
    """The org chart (every unit's parent and kind), the cross-section's units and officials, the positions."""

    parent: dict[int, int | None]
    kind: dict[int, str]
    units: list[int]
    people: list[Person]
    positions: dict[int, Position] = field(default_factory=dict)

    # --- plain statements about the org chart --------------------------------------------------------------

    def up(self, unit: int) -> list[int]:
        """``unit`` and every unit above it."""
        out: list[int] = []
        cur: int | None = unit
        while cur is not None:
            out.append(cur)
            cur = self.parent[cur]
        return out

    def works_in(self, person: Person, unit: int) -> bool:
        """The person's own unit is ``unit``, or is a division (of a division...) of ``unit``."""
        cur = person.unit
        while True:
            if cur == unit:
                return True
            if self.kind[cur] != "division" or self.parent[cur] is None:
                return False
            cur = self.parent[cur]

    @staticmethod
    def leads(person: Person) -> bool:
        return bool(person.roles & {"leader", "unit_head"})


def world(session: Session) -> World:
    """Built once per test session (kept in the session's info; the examples roll back what they write)."""
    if "world" not in session.info:
        rows = session.exec(select(Unit.id, Unit.parent_id, Unit.kind, Unit.code)).all()
        tops = {u for u, _p, _k, code in rows if code in UNIT_CODES}
        units = sorted(u for u, p, k, _c in rows if u in tops or (p in tops and k == "division"))
        people: list[Person] = []
        for unit in units:
            found = session.exec(select(Official, Position).join(Position, Position.id == Official.position_id)
                                 .where(Official.unit_id == unit, Official.active.is_(True))
                                 .order_by(Official.id).limit(PER_UNIT)).all()
            people += [Person(o.id, o.unit_id, o.role_set(), p.rank, p.id) for o, p in found]
            session.info.setdefault("copies", {}).update({o.id: Official(**o.model_dump()) for o, _p in found})
        admin = session.exec(select(Official, Position).join(Position, Position.id == Official.position_id)
                             .where(Official.username == "admin")).one()
        people.append(Person(admin[0].id, admin[0].unit_id, admin[0].role_set(), admin[1].rank, admin[1].id))
        session.info["copies"][admin[0].id] = Official(**admin[0].model_dump())
        session.info["world"] = World(parent={u: p for u, p, _k, _c in rows}, kind={u: k for u, _p, k, _c in rows},
                                      units=units, people=sorted(set(people), key=lambda p: p.id),
                                      positions={p.id: p for p in session.exec(select(Position)).all()})
    return session.info["world"]


def picks(draw: st.DrawFn, pool: list, most: int, least: int = 0) -> list:
    return draw(st.lists(st.sampled_from(pool), min_size=min(least, len(pool)), max_size=most, unique=True))


def as_official(session: Session, person: Person) -> Official:
    """The official, as the services are handed one (a detached copy: the examples' rollbacks leave it loaded)."""
    return session.info["copies"][person.id]


def attached(session: Session, person: Person) -> Official:
    """The official in the session, for a test that changes them."""
    return session.get(Official, person.id)


# --------------------------------------------------------------------------------------------------------------
# Documents and their files (the page, /files/<id> and every list)
# --------------------------------------------------------------------------------------------------------------


@dataclass
class DocSpec:
    state: str
    author: Person
    drafting: int
    issuing: int
    route: list[Person]
    recipients: list[int]


@st.composite
def doc_specs(draw: st.DrawFn, w: World) -> DocSpec:
    author = draw(st.sampled_from(w.people))
    drafting = author.unit if draw(st.booleans()) else draw(st.sampled_from(w.units))
    tops = [u for u in w.units if w.kind[u] != "division"]  # the city first: B1's case comes up often
    return DocSpec(state=draw(st.sampled_from(("issued", "draft", "in_route", "returned", "issued"))),
                   author=author, drafting=drafting, issuing=draw(st.sampled_from(tops[:1]) | st.sampled_from(tops)),
                   route=picks(draw, w.people, 3),
                   recipients=draw(st.lists(st.sampled_from(tops) | st.sampled_from(w.units), max_size=3, unique=True)))


def may_see_document(w: World, p: Person, d: DocSpec) -> bool:
    """The rule, plainly: its author and the officials on its route; leaders of the unit that drafted or issues it,
    or of a unit above that one; once issued, whoever works in the issuing unit or in a unit it was sent to (in it,
    or in one of its divisions: not in a unit merely below it)."""
    if p.id == d.author.id or p.id in {r.id for r in d.route}:
        return True
    if w.leads(p) and (p.unit in w.up(d.drafting) or p.unit in w.up(d.issuing)):
        return True
    return d.state == "issued" and any(w.works_in(p, u) for u in [d.issuing, *d.recipients])


def in_box(w: World, p: Person, d: DocSpec, box: str) -> bool:
    """Where a document visible to ``p`` is listed for them."""
    if box == "mine":
        return d.author.id == p.id
    if box == "progress":
        return d.state in ("in_route", "returned") and (
            d.author.id == p.id or p.id in {r.id for r in d.route}
            or (w.leads(p) and p.unit in (d.drafting, d.issuing)))
    if box == "issued":
        return d.state == "issued" and w.works_in(p, d.issuing)
    return d.state == "issued" and any(w.works_in(p, u) for u in d.recipients)


def write_doc(session: Session, d: DocSpec) -> tuple[int, int]:
    n = next(_ids)
    doc = Document(doc_type="cong_van", summary=f"Tính chất {n}", summary_folded=f"tinh chat {n}", state=d.state,
                   drafting_unit_id=d.drafting, issuing_unit_id=d.issuing, author_id=d.author.id,
                   round=1 if d.route else 0)
    session.add(doc)
    session.flush()
    session.add_all([DocStep(document_id=doc.id, kind="review", assignee_id=r.id, state="done") for r in d.route])
    session.add_all([DocRecipient(document_id=doc.id, unit_id=u) for u in d.recipients])
    f = DocFile(document_id=doc.id, name="t.pdf", mime="application/pdf", sha256="0" * 64, storage_key="none",
                uploaded_by_id=d.author.id)
    session.add(f)
    session.flush()
    return doc.id, f.id


@FAST
@given(data=st.data())
def test_documents_and_their_files(session: Session, data: st.DataObject) -> None:
    w = world(session)
    spec = data.draw(doc_specs(w))
    savepoint = session.begin_nested()
    try:
        doc_id, file_id = write_doc(session, spec)
        doc = session.get(Document, doc_id)
        for p in picks(data.draw, w.people, CHECKED, CHECKED // 2):
            assert D.can_see_document(session, as_official(session, p), doc) == may_see_document(w, p, spec), \
                (p, spec)
        # the file (page and /files/<id> share access_file) and every list, for a few officials drawn: a document
        # is listed exactly where the plain rule says
        for n, p in enumerate(picks(data.draw, w.people, 6, 3)):
            actor, expected = as_official(session, p), may_see_document(w, p, spec)
            try:
                D.access_file(session, actor, file_id)
                file = True
            except NotFound:
                file = False
            assert file == expected, (p, spec, "file")
            for box in D.BOXES if n < 2 else ():
                listed = doc_id in {r.id for r in D.list_documents(session, actor, box, page_size=1000).rows}
                assert listed == (expected and in_box(w, p, spec, box)), (p, spec, box)
    finally:
        savepoint.rollback()


# --------------------------------------------------------------------------------------------------------------
# Tasks and conversations
# --------------------------------------------------------------------------------------------------------------


@dataclass
class TaskSpec:
    assigner: Person
    assigner_unit: int
    lead: int
    owner: Person | None
    coordinators: list[int]


@st.composite
def task_specs(draw: st.DrawFn, w: World) -> TaskSpec:
    assigner = draw(st.sampled_from(w.people))
    return TaskSpec(assigner=assigner, assigner_unit=assigner.unit if draw(st.booleans()) else
                    draw(st.sampled_from(w.units)), lead=draw(st.sampled_from(w.units)),
                    owner=draw(st.none() | st.sampled_from(w.people)), coordinators=picks(draw, w.units, 2))


def may_see_task(w: World, p: Person, t: TaskSpec) -> bool:
    """The assigner and the responsible official; leaders of the lead, assigning or a coordinating unit, or of a
    unit above one of them (the city's Standing Committee oversees every task)."""
    if p.id == t.assigner.id or (t.owner is not None and p.id == t.owner.id):
        return True
    return w.leads(p) and any(p.unit in w.up(u) for u in [t.lead, t.assigner_unit, *t.coordinators])


def write_task(session: Session, t: TaskSpec) -> int:
    task = Task(title=f"Tính chất {next(_ids)}", assigner_id=t.assigner.id, assigner_unit_id=t.assigner_unit,
                lead_unit_id=t.lead, owner_id=t.owner.id if t.owner else None)
    session.add(task)
    session.flush()
    session.add_all([TaskCoordinator(task_id=task.id, unit_id=u) for u in t.coordinators])
    session.flush()
    return task.id


@FAST
@given(data=st.data())
def test_tasks(session: Session, data: st.DataObject) -> None:
    w = world(session)
    spec = data.draw(task_specs(w))
    savepoint = session.begin_nested()
    try:
        task = session.get(Task, write_task(session, spec))
        for p in picks(data.draw, w.people, CHECKED, CHECKED // 2):
            assert task_rules.can_see(session, as_official(session, p), task) == may_see_task(w, p, spec), (p, spec)
    finally:
        savepoint.rollback()


@FAST
@given(data=st.data())
def test_conversations(session: Session, data: st.DataObject) -> None:
    """A member reads a conversation; a task's case group also lets in whoever may see the task."""
    w = world(session)
    kind = data.draw(st.sampled_from(("group", "direct", "case")))
    spec = data.draw(task_specs(w)) if kind == "case" else None
    members = picks(data.draw, w.people, 4)
    savepoint = session.begin_nested()
    try:
        task_id = write_task(session, spec) if spec else None
        conv = Conversation(kind=kind, title="Tính chất", task_id=task_id, created_by_id=w.people[0].id,
                            created_at=clock.now(), last_message_at=clock.now())
        session.add(conv)
        session.flush()
        session.add_all([ConversationMember(conversation_id=conv.id, official_id=m.id) for m in members])
        session.flush()
        for p in [*members, *picks(data.draw, w.people, CHECKED, CHECKED // 2)]:
            expected = p in members or (spec is not None and may_see_task(w, p, spec))
            check = session.begin_nested()  # opening a case group joins it: undone before the next official
            try:
                messages.access_conversation(session, as_official(session, p), conv.id)
                seen = True
            except NotFound:
                seen = False
            finally:
                check.rollback()
            assert seen == expected, (p, kind, spec, members)
            event(f"conversation {'seen' if seen else 'refused'}")
    finally:
        savepoint.rollback()


# --------------------------------------------------------------------------------------------------------------
# Directory edits: who may edit an entry, and give it which unit and position
# --------------------------------------------------------------------------------------------------------------


def may_edit_entry(w: World, a: Person, t: Person, active: bool) -> bool:
    """System administrators edit anybody; a unit administrator edits the entries of their department or ward
    (the one they work in, or whose division they work in) and of its divisions, except system administrators'."""
    if not active:
        return False
    if "admin" in a.roles:
        return True
    if "unit_admin" not in a.roles or "admin" in t.roles:
        return False
    return may_administer(w, a, t.unit, active)


def may_administer(w: World, a: Person, unit: int, active: bool) -> bool:
    if not active:
        return False
    if "admin" in a.roles:
        return True
    home = w.parent[a.unit] if w.kind[a.unit] == "division" else a.unit
    return "unit_admin" in a.roles and home in w.up(unit)


def may_give_post(w: World, a: Person, t: Person, unit: int, position: int) -> bool:
    """Nobody changes their own post; system administrators give any; a unit administrator gives only a post that
    is not a head's or a deputy's and ranks below their own, to someone who neither leads, administers nor ranks
    at or above them."""
    if (t.unit, t.position) == (unit, position):
        return True
    if a.id == t.id:
        return False
    if "admin" in a.roles:
        return True

    def high(pos: int) -> bool:
        p = w.positions[pos]
        return p.is_head or p.is_deputy or p.rank <= a.rank

    return not high(position) and not high(t.position) and not t.roles & {"leader", "unit_head", "admin",
                                                                            "unit_admin"}


@settings(FAST, max_examples=100)
@given(data=st.data())
def test_directory_edits(session: Session, data: st.DataObject) -> None:
    w = world(session)
    admins = [p for p in w.people if p.roles & {"admin", "unit_admin"}]
    a = data.draw(st.sampled_from(admins * 4 + w.people[:6]))  # mostly someone who administers something
    nearby = [p for p in w.people if may_administer(w, a, p.unit, True)] or w.people
    staff_near = [p for p in nearby if not p.roles - {"staff"} and w.positions[p.position].rank >= 30] or nearby
    t = data.draw(st.sampled_from(staff_near) | st.sampled_from(nearby) | st.sampled_from(w.people))
    unit = t.unit if data.draw(st.booleans()) else data.draw(st.sampled_from(w.units))
    staff = sorted(i for i, p in w.positions.items() if p.rank >= 30)
    position = data.draw(st.sampled_from(staff) | st.sampled_from(sorted(w.positions)))
    active = data.draw(st.sampled_from((True, True, True, False)))
    savepoint = session.begin_nested()
    try:
        actor, target = attached(session, a), attached(session, t)
        actor.active = active
        session.flush()
        # the contact editor: the position only
        allowed = may_edit_entry(w, a, t, active) and may_give_post(w, a, t, t.unit, position)
        step = session.begin_nested()
        try:
            directory.do_update_contact(session, actor, target.id, version=target.version, full_name=target.full_name,
                                        phone=target.phone, email=target.email, position_id=position)
            done = True
        except GovHubError:
            done = False
        finally:
            step.rollback()
        assert done == allowed, ("edit", a, t, position, active)
        event(f"edit {'allowed' if allowed else 'refused'}")
        # the import: unit and position
        allowed = (may_edit_entry(w, a, t, active) and may_administer(w, a, unit, active)
                   and may_give_post(w, a, t, unit, position))
        step = session.begin_nested()
        try:
            target = attached(session, t)
            code = session.get(Unit, unit).code
            text = "username,full_name,unit_code,position_code\n" \
                   f"{target.username},{target.full_name},{code},{w.positions[position].code}\n"
            done = do_import_csv(session, actor, text).ok
        except GovHubError:
            done = False
        finally:
            step.rollback()
        assert done == allowed, ("import", a, t, unit, position, active)
        event(f"import {'allowed' if allowed else 'refused'}")
    finally:
        savepoint.rollback()


@pytest.mark.parametrize("username", ["cv.saigon", "ct.saigon", "pct1", "tp1.saigon"])
def test_the_world_holds_the_officials_the_rules_are_about(session: Session, username: str) -> None:
    """The cross-section has the kinds of official the properties need (a guard against a silent empty pool)."""
    people = {p.id for p in world(session).people}
    assert session.exec(select(Official.id).where(Official.username == username)).one() in people
