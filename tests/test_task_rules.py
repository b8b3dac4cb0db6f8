"""Who may assign to whom, who may see a task and who may act on it: each rule with a success test and its
denial twin (govhub/services/tasks/access.py, through the services that use it)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, select

from govhub import clock
from govhub.models import Official, Position, Task, Unit
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.org.structure import LEADING_KINDS, LOCAL_KINDS
from govhub.services.tasks import actions as T
from govhub.services.tasks.access import (
    access_task,
    can_assign_to_official,
    can_assign_to_unit,
    can_see,
    is_assignee_side,
    is_assigner_side,
    is_standing_member,
    unit_head,
)
from govhub.services.tasks.quick_assign import targets
from govhub.services.tasks.views import allowed_actions, directive_matrix, task_detail
from tests.taskkit import BENCAT, SAIGON, assign, counts, person, refused, unit

STANDING = ["chutich", "pct1", "pct2", "pct3", "pct4", "pct5"]


# ---------------------------------------------------------------------------------------------- assign to units

@pytest.mark.parametrize("username", STANDING)
def test_standing_committee_may_assign_to_the_16_agencies_and_168_local_units(session: Session, username: str
                                                                             ) -> None:
    actor = person(session, username)
    assert is_standing_member(session, actor)
    units = session.exec(select(Unit).where(Unit.kind.in_((*LEADING_KINDS, *LOCAL_KINDS)))).all()
    kinds = Counter(u.kind for u in units)
    assert sum(kinds[k] for k in LEADING_KINDS) == 16 and sum(kinds[k] for k in LOCAL_KINDS) == 168
    assert all(can_assign_to_unit(session, actor, u) for u in units)
    assert sorted(t.id for t in targets(session, actor)) == sorted(u.id for u in units)


@pytest.mark.parametrize("username", ["chutich", "pct3"])
def test_standing_committee_may_not_assign_to_the_city_itself_or_straight_to_divisions(
        session: Session, username: str) -> None:
    actor = person(session, username)
    city = session.exec(select(Unit).where(Unit.kind == "city")).one()
    for u in (city, unit(session, f"{SAIGON}-P1"), unit(session, "S-STC-P1")):
        assert not can_assign_to_unit(session, actor, u)
        refused(session, T.do_assign, actor, T.NewTask(title="x"), unit_id=u.id)


def test_ward_chairman_may_assign_to_his_own_divisions(session: Session) -> None:
    ct = person(session, "ct.saigon")
    own = session.exec(select(Unit).where(Unit.parent_id == unit(session, SAIGON).id)).all()
    assert len(own) == 3 and all(can_assign_to_unit(session, ct, u) for u in own)
    assert sorted(t.id for t in targets(session, ct)) == sorted(u.id for u in own)
    task = assign(session, ct, unit_code=f"{SAIGON}-P1")
    assert task.owner_id == person(session, "tp1.saigon").id and task.lead_unit_id == unit(session, f"{SAIGON}-P1").id


@pytest.mark.parametrize("code", [f"{BENCAT}-P1", BENCAT, SAIGON, "UBND-TP", "S-STC", "S-STC-P1"])
def test_ward_chairman_may_not_assign_sideways_or_upward(session: Session, code: str) -> None:
    ct = person(session, "ct.saigon")
    target = unit(session, code)
    assert not can_assign_to_unit(session, ct, target)
    err = refused(session, T.do_assign, ct, T.NewTask(title="x"), unit_id=target.id)
    assert isinstance(err, Invalid) and err.key == "task.error.target"


def test_director_may_assign_to_his_divisions(session: Session) -> None:
    gd = person(session, "gd.taichinh")
    assert can_assign_to_unit(session, gd, unit(session, "S-STC-P3"))
    assert assign(session, gd, unit_code="S-STC-P3").lead_unit_id == unit(session, "S-STC-P3").id


@pytest.mark.parametrize("code", [SAIGON, BENCAT, f"{SAIGON}-P1", "S-SXD", "S-SXD-P1", "UBND-TP"])
def test_director_may_not_assign_to_a_ward_or_another_department(session: Session, code: str) -> None:
    gd = person(session, "gd.taichinh")
    assert not can_assign_to_unit(session, gd, unit(session, code))
    assert refused(session, T.do_assign, gd, T.NewTask(title="x"), unit_id=unit(session, code).id
                   ).key == "task.error.target"


@pytest.mark.parametrize("username", ["cv.saigon", "admin"])
def test_staff_may_assign_to_nobody(session: Session, username: str) -> None:
    actor = person(session, username)
    assert targets(session, actor) == []
    assert not can_assign_to_unit(session, actor, unit(session, f"{SAIGON}-P1"))
    assert refused(session, T.do_assign, actor, T.NewTask(title="x"), unit_id=unit(session, f"{SAIGON}-P1").id
                   ).key == "task.error.target"


def test_an_inactive_unit_or_leader_is_out_of_reach(session: Session) -> None:
    ct = person(session, "ct.saigon")
    p1 = unit(session, f"{SAIGON}-P1")
    assert can_assign_to_unit(session, ct, p1)
    p1.active = False
    session.add(p1)
    session.flush()
    assert not can_assign_to_unit(session, ct, p1)
    p1.active = True
    ct.active = False
    session.add_all([p1, ct])
    session.flush()
    assert not can_assign_to_unit(session, ct, p1) and targets(session, ct) == []


def test_a_unit_without_a_head_cannot_be_given_a_task(session: Session) -> None:
    ct = person(session, "ct.saigon")
    empty = Unit(code=f"{SAIGON}-P9", kind="division", name="Tổ công tác", parent_id=unit(session, SAIGON).id)
    session.add(empty)
    session.flush()
    assert can_assign_to_unit(session, ct, empty) and unit_head(session, empty.id) is None
    err = refused(session, T.do_assign, ct, T.NewTask(title="x"), unit_id=empty.id)
    assert err.key == "task.error.no_head" and err.params["unit"] == "Tổ công tác"


# ------------------------------------------------------------------------------------------ assign to officials

ALLOWED_PEOPLE = [
    ("chutich", "pct1"),            # a vice chairman is below the chairman, same unit
    ("chutich", "gd.taichinh"),     # a director heads a unit right below the city
    ("chutich", "ct.saigon"),       # so does a ward chairman
    ("ct.saigon", "pct1.saigon"),   # his vice chairman
    ("ct.saigon", "cv.saigon"),     # a specialist of his office division
    ("ct.saigon", "tp1.saigon"),    # the head of that division
    ("pct1.saigon", "cv.saigon"),   # a deputy may delegate below himself too
    ("tp1.saigon", "cv.saigon"),    # a division head to his specialist
]
REFUSED_PEOPLE = [
    ("pct1", "chutich"),            # upward
    ("pct1", "pct2"),               # sideways: same rank
    ("chutich", "cv.saigon"),       # two levels down: through the ward, not past it
    ("ct.saigon", "chutich"),       # upward, another unit
    ("ct.saigon", "ct.bencat"),     # sideways, another ward
    ("ct.saigon", "tp1.bencat"),    # a division of another ward
    ("ct.saigon", "ct.saigon"),     # himself
    ("pct1.saigon", "ct.saigon"),   # his chairman
    ("pct1.saigon", "pct2.saigon"),  # same rank
    ("gd.taichinh", "cv.saigon"),   # a director to a ward's staff
    ("gd.taichinh", "ct.saigon"),   # a director to a ward chairman
    ("tp1.saigon", "ct.saigon"),    # a division head upward
    ("cv.saigon", "tp1.saigon"),    # staff lead nobody
]


@pytest.mark.parametrize(("actor", "target"), ALLOWED_PEOPLE)
def test_a_leader_may_assign_to_an_official_below_him(session: Session, actor: str, target: str) -> None:
    a, t = person(session, actor), person(session, target)
    assert can_assign_to_official(session, a, t)
    task = assign(session, a, official=t)
    assert (task.owner_id, task.lead_unit_id, task.assigner_id, task.assigner_unit_id) == (t.id, t.unit_id, a.id,
                                                                                           a.unit_id)


@pytest.mark.parametrize(("actor", "target"), REFUSED_PEOPLE)
def test_nobody_assigns_upward_or_sideways(session: Session, actor: str, target: str) -> None:
    a, t = person(session, actor), person(session, target)
    assert not can_assign_to_official(session, a, t)
    assert refused(session, T.do_assign, a, T.NewTask(title="x"), official_id=t.id).key == "task.error.target"


def test_an_inactive_official_is_given_nothing(session: Session) -> None:
    ct, cv = person(session, "ct.saigon"), person(session, "cv.saigon")
    cv.active = False
    session.add(cv)
    session.flush()
    assert not can_assign_to_official(session, ct, cv)
    assert refused(session, T.do_assign, ct, T.NewTask(title="x"), official_id=cv.id).key == "task.error.target"


def test_rank_decides_within_a_unit(session: Session) -> None:
    """Two officials of the same unit: the lower-ranked one (larger number) may be given work, not the reverse."""
    tp1, cv = person(session, "tp1.saigon"), person(session, "cv.saigon")
    ranks = dict(session.exec(select(Position.id, Position.rank)).all())
    assert ranks[tp1.position_id] < ranks[cv.position_id]
    assert can_assign_to_official(session, tp1, cv) and not can_assign_to_official(session, cv, tp1)


@pytest.mark.parametrize("coordinator", ["S-SXD", BENCAT])
def test_coordinators_must_be_units_the_assigner_reaches(session: Session, coordinator: str) -> None:
    chutich, ct = person(session, "chutich"), person(session, "ct.saigon")
    task = assign(session, chutich, unit_code=SAIGON, coordinators=[coordinator])
    assert task.lead_unit_id == unit(session, SAIGON).id
    err = refused(session, T.do_assign, ct, T.NewTask(title="x"), unit_id=unit(session, f"{SAIGON}-P1").id,
                  coordinators=[unit(session, coordinator).id])
    assert err.key == "task.error.coordinators"


# ------------------------------------------------------------------------------------------------------ who sees

@pytest.fixture
def ward_task(session: Session) -> Task:
    """chutich → Phường Sài Gòn (ct.saigon), with Sở Xây dựng coordinating."""
    return assign(session, person(session, "chutich"), unit_code=SAIGON, coordinators=["S-SXD"])


@pytest.mark.parametrize("username", [
    "chutich",       # the assigner
    "ct.saigon",     # the owner
    "pct1.saigon",   # a leader of the lead unit
    "pct4",          # a leader of the assigning unit (and above everything)
    "gd.xaydung",    # the leader of a coordinating unit
    "pgd1.xaydung",  # a deputy there
])
def test_who_may_see_a_task(session: Session, ward_task: Task, username: str) -> None:
    actor = person(session, username)
    assert can_see(session, actor, ward_task)
    assert access_task(session, actor, ward_task.id).id == ward_task.id
    assert task_detail(session, actor, ward_task.id, clock.today()).id == ward_task.id


@pytest.mark.parametrize("username", [
    "ct.bencat",     # an unrelated ward chairman
    "gd.taichinh",   # an unrelated director
    "cv.saigon",     # staff of the lead unit, not the owner
    "tp1.saigon",    # a division head below the lead unit
    "admin",         # administrators manage accounts, not other people's work
])
def test_others_get_not_found_as_for_a_task_that_does_not_exist(session: Session, ward_task: Task,
                                                               username: str) -> None:
    actor = person(session, username)
    assert not can_see(session, actor, ward_task)
    missing = session.exec(select(Task.id).order_by(Task.id.desc())).first() + 1000
    with pytest.raises(NotFound) as hidden:
        access_task(session, actor, ward_task.id)
    with pytest.raises(NotFound) as absent:
        access_task(session, actor, missing)
    assert (hidden.value.key, hidden.value.params, str(hidden.value)) == (absent.value.key, absent.value.params,
                                                                          str(absent.value))
    with pytest.raises(NotFound):
        task_detail(session, actor, ward_task.id, clock.today())
    with pytest.raises(NotFound):
        T.do_receive(session, actor, ward_task.id, ward_task.version)


def test_an_inactive_owner_no_longer_sees_his_task(session: Session, ward_task: Task) -> None:
    ct = person(session, "ct.saigon")
    assert can_see(session, ct, ward_task)
    ct.active = False
    session.add(ct)
    session.flush()
    with pytest.raises(NotFound):
        access_task(session, ct, ward_task.id)


def test_division_leaders_see_their_division_tasks_and_ward_leaders_above_them(session: Session) -> None:
    task = assign(session, person(session, "ct.saigon"), unit_code=f"{SAIGON}-P1")
    for username in ("tp1.saigon", "ct.saigon", "pct2.saigon", "chutich"):
        assert can_see(session, person(session, username), task), username
    for username in ("ct.bencat", "tp2.saigon", "gd.taichinh"):
        assert not can_see(session, person(session, username), task), username


def test_a_delegated_specialist_sees_his_sub_task_but_not_the_parent(session: Session, ward_task: Task) -> None:
    ct, cv = person(session, "ct.saigon"), person(session, "cv.saigon")
    child = T.do_delegate(session, ct, ward_task.id, ward_task.version, T.NewTask(title="Phần việc"),
                          official_id=cv.id)
    assert can_see(session, cv, child) and not can_see(session, cv, ward_task)
    assert task_detail(session, cv, child.id, clock.today()).parent_id == 0  # the link is hidden from him
    assert task_detail(session, ct, child.id, clock.today()).parent_id == ward_task.id


# ------------------------------------------------------------------------------------------------ who may act

def test_the_assignee_side_is_the_owner_and_the_lead_units_leaders(session: Session, ward_task: Task) -> None:
    for username in ("ct.saigon", "pct1.saigon"):
        assert is_assignee_side(session, person(session, username), ward_task)
    received = T.do_receive(session, person(session, "pct1.saigon"), ward_task.id, ward_task.version)
    assert received.state == "received"


@pytest.mark.parametrize("username", ["chutich", "pct2", "gd.xaydung"])
def test_seeing_a_task_is_not_acting_for_its_lead_unit(session: Session, ward_task: Task, username: str) -> None:
    actor = person(session, username)
    assert can_see(session, actor, ward_task) and not is_assignee_side(session, actor, ward_task)
    err = refused(session, T.do_receive, actor, ward_task.id, ward_task.version, task_id=ward_task.id)
    assert err.key == "task.error.not_assignee"


def test_the_assigner_side_is_the_assigner_and_the_head_of_his_unit(session: Session) -> None:
    pct1, chutich, ct = person(session, "pct1"), person(session, "chutich"), person(session, "ct.saigon")
    task = assign(session, pct1, unit_code=SAIGON)
    assert is_assigner_side(session, pct1, task) and is_assigner_side(session, chutich, task)
    task = T.do_receive(session, ct, task.id, task.version)
    task = T.do_submit(session, ct, task.id, task.version, "Xong")
    assert T.do_accept(session, chutich, task.id, task.version).state == "accepted"  # the chairman, for pct1


@pytest.mark.parametrize("username", ["pct2", "ct.saigon", "pct1.saigon"])
def test_a_fellow_vice_chairman_or_the_assignee_cannot_accept(session: Session, username: str) -> None:
    task = assign(session, person(session, "pct1"), unit_code=SAIGON)
    ct = person(session, "ct.saigon")
    task = T.do_receive(session, ct, task.id, task.version)
    task = T.do_submit(session, ct, task.id, task.version, "Xong")
    actor = person(session, username)
    assert can_see(session, actor, task) and not is_assigner_side(session, actor, task)
    err = refused(session, T.do_accept, actor, task.id, task.version, task_id=task.id)
    assert err.key == "task.error.not_assigner"


def test_allowed_actions_follow_the_sides(session: Session, ward_task: Task) -> None:
    chutich, ct, pct1s = person(session, "chutich"), person(session, "ct.saigon"), person(session, "pct1.saigon")
    assert allowed_actions(session, ct, ward_task, None) == ["receive", "report", "submit", "delegate",
                                                             "request_extension"]
    assert allowed_actions(session, pct1s, ward_task, None)[:1] == ["receive"]
    assert allowed_actions(session, chutich, ward_task, None) == ["cancel"]
    assert allowed_actions(session, person(session, "pct2"), ward_task, None) == []


# --------------------------------------------------------------------------------------- the directive matrix

def test_directive_matrix_for_the_assigning_side(session: Session) -> None:
    from govhub.services.tasks.quick_assign import DirectiveSpec, do_quick_assign, preset_ids

    chutich = person(session, "chutich")
    directive, ids = do_quick_assign(session, chutich, DirectiveSpec(source="city_pc", number="9/UBND-VP"),
                                     T.NewTask(title="Báo cáo nhanh"), preset_ids(session, chutich, "departments"))
    for username in ("chutich", "pct2"):
        matrix = directive_matrix(session, person(session, username), directive.id, clock.today())
        assert len(matrix.rows) == 16 and matrix.counts["open"] == 16


@pytest.mark.parametrize("username", ["ct.saigon", "gd.taichinh", "cv.saigon"])
def test_directive_matrix_is_hidden_from_the_units_that_received_it(session: Session, username: str) -> None:
    from govhub.services.tasks.quick_assign import DirectiveSpec, do_quick_assign, preset_ids

    chutich = person(session, "chutich")
    directive, _ = do_quick_assign(session, chutich, DirectiveSpec(source="city_pc", number="9/UBND-VP"),
                                   T.NewTask(title="Báo cáo nhanh"), preset_ids(session, chutich, "all"))
    with pytest.raises(NotFound):
        directive_matrix(session, person(session, username), directive.id, clock.today())
    with pytest.raises(NotFound):
        directive_matrix(session, chutich, directive.id + 10_000, clock.today())


def test_refusals_write_nothing(session: Session) -> None:
    """The denial paths above go through ``refused``; this one checks the checker itself."""
    before = counts(session)
    with pytest.raises(Invalid):
        T.do_assign(session, person(session, "ct.saigon"), T.NewTask(title=""), unit_id=unit(session, SAIGON).id)
    assert counts(session) == before
    assert session.exec(select(Official).where(Official.username == "ct.saigon")).one().active
