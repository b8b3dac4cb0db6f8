"""The oversight counters stay in step with the tasks: after random sequences of task actions through the services
(assign, quick assignment, delegation, acceptance on time or late, cancellation with its sub-tasks, approved
extensions, the clock moving on), the board's figures read from the counters equal the old GROUP BY over the task
table for every scope, period and source and several days (the 12-week trend too), and the counters equal a
rebuild from scratch (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from govhub import clock
from govhub.models import Task, TaskTally, Unit
from govhub.services.core.errors import GovHubError
from govhub.services.oversight import dashboard as D
from govhub.services.tasks import actions as T
from govhub.services.tasks import tally
from govhub.services.tasks.quick_assign import DirectiveSpec, do_quick_assign

WARDS = ("26740", "25813", "26743")
SOURCES = ("government_office", "city_pc", "unit")

action = st.one_of(
    st.tuples(st.just("assign"), st.integers(0, 3), st.one_of(st.none(), st.integers(0, 30)),
              st.one_of(st.none(), st.integers(0, len(SOURCES) - 1))),
    st.tuples(st.just("quick"), st.integers(0, 30), st.integers(0, len(SOURCES) - 1)),
    st.tuples(st.just("delegate"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("finish"), st.integers(0, 50)),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("extend"), st.integers(0, 50), st.integers(1, 30)),
    st.tuples(st.just("clock"), st.integers(1, 40), st.integers(0, 23)),
)


def cells(session: Session) -> dict[tuple, int]:
    """The counters, zero cells left out."""
    rows = session.exec(select(TaskTally)).all()
    return {tuple(getattr(r, k) for k in tally.KEY): r.n for r in rows if r.n}


class World:
    def __init__(self, session: Session) -> None:
        self.s = session
        who = {o.username: o for o in session.exec(select(T.Official).where(T.Official.username.in_(
            ["chutich", "ct.saigon", "cv.saigon", "gd.taichinh"]))).all()}
        self.chutich, self.ct, self.cv, self.gd = who["chutich"], who["ct.saigon"], who["cv.saigon"], who["gd.taichinh"]
        self.units = [session.exec(select(Unit).where(Unit.code == c)).one().id for c in WARDS] + [self.gd.unit_id]
        self.division = session.exec(select(Unit.id).where(Unit.parent_id == self.ct.unit_id,
                                                           Unit.kind == "division")).first()
        self.mine: list[int] = []  # tasks made here, in order
        self.directives: dict[str, int] = {}

    def task(self, k: int) -> Task | None:
        if not self.mine:
            return None
        self.s.flush()
        t = self.s.get(Task, self.mine[k % len(self.mine)])
        self.s.refresh(t)
        return t

    def directive(self, source: str) -> int:
        if source not in self.directives:
            d, _ = do_quick_assign(self.s, self.chutich, DirectiveSpec(source=source, number="1/TB"),
                                   T.NewTask(title="Nguồn"), [self.units[0]])
            self.directives[source] = d.id
        return self.directives[source]

    def day(self, n: int | None):  # noqa: ANN201
        return None if n is None else clock.today() + timedelta(days=n)

    def run(self, act: tuple) -> None:  # noqa: C901
        name = act[0]
        if name == "assign":
            _, u, deadline, src = act
            directive = self.directive(SOURCES[src]) if src is not None else None
            t = T.do_assign(self.s, self.chutich, T.NewTask(title="Việc", deadline=self.day(deadline)),
                            unit_id=self.units[u], directive_id=directive)
            self.mine.append(t.id)
        elif name == "quick":
            _, deadline, src = act
            _, ids = do_quick_assign(self.s, self.chutich, DirectiveSpec(source=SOURCES[src]),
                                     T.NewTask(title="Việc chung", deadline=self.day(deadline)), self.units)
            self.mine += ids
        elif name == "delegate":
            t = self.task(act[1])
            if t is None or t.lead_unit_id != self.ct.unit_id:
                return
            deadline = t.deadline
            target = {"unit_id": self.division} if act[2] and self.division else {"official_id": self.cv.id}
            child = T.do_delegate(self.s, self.ct, t.id, t.version, T.NewTask(title="Việc con", deadline=deadline),
                                  **target)
            self.mine.append(child.id)
        elif name == "finish":
            t = self.task(act[1])
            if t is None:
                return
            owner, assigner = self.s.get(T.Official, t.owner_id), self.s.get(T.Official, t.assigner_id)
            if t.state != "submitted":
                T.do_submit(self.s, owner, t.id, t.version, "Xong")
                t = self.task(act[1])
            T.do_accept(self.s, assigner, t.id, t.version, "Đồng ý")
        elif name == "cancel":
            t = self.task(act[1])
            if t is not None:
                T.do_cancel(self.s, self.s.get(T.Official, t.assigner_id), t.id, t.version, "Thôi")
        elif name == "extend":
            t = self.task(act[1])
            if t is None or t.deadline is None:
                return
            owner, assigner = self.s.get(T.Official, t.owner_id), self.s.get(T.Official, t.assigner_id)
            req = T.do_request_extension(self.s, owner, t.id, t.version, t.deadline + timedelta(days=act[2]), "Thêm")
            T.do_decide_extension(self.s, assigner, req.id, True)
        elif name == "clock":
            clock._offset = (clock._offset or timedelta(0)) + timedelta(days=act[1], hours=act[2])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(action, min_size=1, max_size=25))
def test_counters_follow_every_task_action(session: Session, actions: list[tuple]) -> None:
    saved = clock._offset
    outer = session.begin_nested()
    try:
        world = World(session)
        for act in actions:
            step = session.begin_nested()
            try:
                world.run(act)
                session.flush()
                step.commit()
            except GovHubError:  # a refused action (wrong state, deadline after the parent's, ...) changes nothing
                step.rollback()
        session.flush()
        scopes = [D.Scope("city"), D.Scope("ward", world.units[0]), D.Scope("department", world.gd.unit_id)]
        top = set(D._top_units(session)) | {world.division}
        for shift_days in (-45, 0, 1, 31):
            today = clock.today() + timedelta(days=shift_days)
            for scope in scopes:
                for source in ("", *SOURCES):
                    assert D.trend(session, scope, D.Filters("all", source), today, top) == \
                        D._trend_scan(session, scope, D.Filters("all", source), today, top), (scope, source, shift_days)
                for period in D.PERIODS:
                    for source in ("", *SOURCES):
                        filters = D.Filters(period, source)
                        assert D.unit_counts(session, scope, filters, today) == \
                            D._unit_counts_scan(session, scope, filters, today), (scope, period, source, shift_days)
        kept = cells(session)
        tally.do_rebuild(session)
        assert cells(session) == kept
    finally:
        clock._offset = saved
        outer.rollback()


def test_rebuild_matches_the_demo_city_and_the_board_reads_it(session: Session) -> None:
    world = World(session)
    world.run(("quick", 5, 0))  # besides whatever the demo seeding did through the services
    before = cells(session)
    assert before
    tally.do_rebuild(session)
    assert cells(session) == before
    for period in D.PERIODS:
        today = clock.today()
        assert D.unit_counts(session, D.Scope("city"), D.Filters(period), today) == \
            D._unit_counts_scan(session, D.Scope("city"), D.Filters(period), today)
