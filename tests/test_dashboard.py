"""Oversight aggregates equal a brute-force count over random tasks (SQLite and PostgreSQL); who sees which board,
with denial twins; the drill-down; the reports carry the numbers of the screen."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlmodel import Session, select

from govhub import clock
from govhub.models import Directive, Task, Unit
from govhub.models.task import DIRECTIVE_SOURCES, TASK_STATES
from govhub.services.core.errors import NotFound
from govhub.services.org.structure import LEADING_KINDS, LOCAL_KINDS
from govhub.services.oversight import dashboard as D
from govhub.services.tasks import tally
from govhub.services.tasks.status import STATUSES, report_status

TOP = (*LEADING_KINDS, *LOCAL_KINDS)


def _units(session: Session, *codes: str) -> list[Unit]:
    return [session.exec(select(Unit).where(Unit.code == c)).one() for c in codes]


def brute_force(session: Session, filters: D.Filters, today: date, scope: D.Scope) -> dict[int, dict[str, int]]:
    """The same numbers, one task at a time in Python."""
    top = {u.id for u in session.exec(select(Unit).where(Unit.kind.in_(TOP), Unit.active.is_(True))).all()}
    sources = dict(session.exec(select(Directive.id, Directive.source)).all())
    start = D.period_start(filters.period, today)
    out: dict[int, dict[str, int]] = {}
    for t in session.exec(select(Task)).all():
        if t.state == "cancelled" or t.assigner_unit_id == t.lead_unit_id or t.lead_unit_id not in top:
            continue
        created = t.created_at if t.created_at.tzinfo else t.created_at.replace(tzinfo=UTC)
        if start is not None and clock.local_date(created) < start:
            continue
        if filters.source and sources.get(t.directive_id) != filters.source:
            continue
        if scope.kind == "ward" and t.lead_unit_id != scope.unit_id:
            continue
        if scope.kind == "department" and scope.unit_id not in (t.lead_unit_id, t.assigner_unit_id):
            continue
        status = report_status(t.state, t.deadline, t.done_on, today)
        out.setdefault(t.lead_unit_id, dict.fromkeys(STATUSES, 0))[status] += 1
    return out


def board_counts(b: D.Board) -> dict[int, dict[str, int]]:
    return {r.id: {s: getattr(r, s) for s in STATUSES} for r in b.departments + b.wards if r.assigned}


task_spec = st.tuples(
    st.integers(0, 4),                       # lead unit (index)
    st.integers(0, 4),                       # assigner unit (index; equal to the lead is not counted)
    st.sampled_from(TASK_STATES),
    st.one_of(st.none(), st.integers(-40, 40)),   # deadline, days from today
    st.integers(-40, 5),                     # done on, days from today (accepted only)
    st.integers(0, 400),                     # created, days ago
    st.integers(0, len(DIRECTIVE_SOURCES)),  # directive source (the last index: no directive)
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tasks=st.lists(task_spec, max_size=40), period=st.sampled_from(D.PERIODS),
       source=st.sampled_from(("", *DIRECTIVE_SOURCES)), shift=st.integers(-20, 20))
def test_aggregates_equal_a_brute_force_count(session: Session, official, tasks, period, source, shift) -> None:  # noqa: ANN001
    chutich, ct = official("chutich"), official("ct.saigon")
    units = _units(session, "26740", "25813", "26743") + list(session.exec(
        select(Unit).where(Unit.kind == "department").order_by(Unit.id).limit(1)).all()) + list(session.exec(
            select(Unit).where(Unit.kind == "division").order_by(Unit.id).limit(1)).all())
    today = clock.today() + timedelta(days=shift)
    nested = session.begin_nested()
    try:
        directives = []
        for src in DIRECTIVE_SOURCES:
            d = Directive(source=src, number="", created_by_id=chutich.id, unit_id=chutich.unit_id)
            session.add(d)
            directives.append(d)
        session.flush()
        rows = []
        for lead, assigner, state, deadline, done, created, src in tasks:
            rows.append({
                "title": "t", "assigner_id": chutich.id, "assigner_unit_id": units[assigner].id,
                "lead_unit_id": units[lead].id, "state": state,
                "deadline": today + timedelta(days=deadline) if deadline is not None else None,
                "done_on": today + timedelta(days=done) if state == "accepted" else None,
                "created_at": datetime.now(UTC) - timedelta(days=created),
                "directive_id": directives[src].id if src < len(directives) else None})
        if rows:
            session.execute(insert(Task), rows)
        tally.do_rebuild(session)  # the rows bypassed the services
        filters = D.Filters(period, source)
        for actor in (chutich, ct, official("gd.taichinh")):
            scope = D.access_dashboard(session, actor)
            got = D.board(session, actor, filters, today)
            want = brute_force(session, filters, today, scope)
            assert board_counts(got) == {k: v for k, v in want.items() if sum(v.values())}
            assert got.total.assigned == sum(sum(v.values()) for v in want.values())
            assert got.total.overdue == sum(v["overdue"] for v in want.values())
    finally:
        nested.rollback()


def test_trend_counts_weeks(session: Session, official, monkeypatch) -> None:  # noqa: ANN001
    chutich = official("chutich")
    saigon, bencat = _units(session, "26740", "25813")
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    base = {"title": "t", "assigner_id": chutich.id, "assigner_unit_id": chutich.unit_id}
    before = D.board(session, chutich, D.Filters(), today).trend
    session.execute(insert(Task), [
        # assigned this week, open within its deadline
        {**base, "lead_unit_id": saigon.id, "state": "new", "deadline": today + timedelta(days=10),
         "created_at": datetime.now(UTC)},
        # became overdue this Monday (the day after its deadline)
        {**base, "lead_unit_id": bencat.id, "state": "in_progress", "deadline": monday - timedelta(days=1),
         "created_at": datetime.now(UTC) - timedelta(days=200)},
        # completed this week, late (became overdue two weeks ago)
        {**base, "lead_unit_id": bencat.id, "state": "accepted", "deadline": monday - timedelta(days=14),
         "done_on": monday, "created_at": datetime.now(UTC) - timedelta(days=200)},
    ])
    tally.do_rebuild(session)
    after = D.board(session, chutich, D.Filters(), today).trend
    assert len(after) == D.TREND_WEEKS and after[-1].start == monday.isoformat()
    diff = [(a.assigned - b.assigned, a.completed - b.completed, a.overdue - b.overdue) for a, b in zip(after, before,
                                                                                                         strict=True)]
    assert diff[-1] == (1, 1, 1)
    assert diff[-3] == (0, 0, 1)
    assert all(d == (0, 0, 0) for d in diff[:-3] + [diff[-2]])


# --- who sees what (each with its denial twin) ----------------------------------------------------------------


def test_city_leadership_sees_every_department_and_ward(session: Session, official) -> None:  # noqa: ANN001
    b = D.board(session, official("chutich"), D.Filters(), clock.today())
    assert b.scope == "city" and len(b.wards) == 168 and len(b.departments) == 16
    assert b.total.assigned == sum(r.assigned for r in b.wards + b.departments)
    b5 = D.board(session, official("pct5"), D.Filters(), clock.today())
    assert b5.scope == "city"


def test_officials_who_are_not_leaders_have_no_board(session: Session, official) -> None:  # noqa: ANN001
    for username in ("cv.saigon", "tp1.saigon", "admin"):
        assert D.dashboard_scope(session, official(username)).kind == "none"
        with pytest.raises(NotFound):
            D.board(session, official(username), D.Filters(), clock.today())


def test_a_ward_chairman_sees_only_the_ward(session: Session, official) -> None:  # noqa: ANN001
    saigon, bencat = _units(session, "26740", "25813")
    b = D.board(session, official("ct.saigon"), D.Filters(), clock.today())
    assert b.scope == "ward" and [r.id for r in b.wards] == [saigon.id] and b.departments == []
    assert D.board(session, official("pct1.saigon"), D.Filters(), clock.today()).scope == "ward"
    got = D.unit_tasks(session, official("ct.saigon"), saigon.id, D.Filters(), clock.today(), "overdue")
    assert got.unit_id == saigon.id and got.total == got.counts["overdue"] == len(got.rows)
    with pytest.raises(NotFound):  # the twin: another ward
        D.unit_tasks(session, official("ct.saigon"), bencat.id, D.Filters(), clock.today(), "overdue")


def test_a_director_sees_the_department_and_what_it_assigned(session: Session, official) -> None:  # noqa: ANN001
    gd = official("gd.taichinh")
    saigon = _units(session, "26740")[0]
    b = D.board(session, gd, D.Filters(), clock.today())
    assert b.scope == "department" and b.departments[0].id == gd.unit_id
    assert D.unit_tasks(session, gd, gd.unit_id, D.Filters(), clock.today(), "open").unit_id == gd.unit_id
    other = session.exec(select(Unit).where(Unit.kind == "department", Unit.id != gd.unit_id)).first()
    with pytest.raises(NotFound):  # the twin: a department it gave nothing to
        D.unit_tasks(session, gd, other.id, D.Filters(), clock.today(), "open")
    with pytest.raises(NotFound):
        D.unit_tasks(session, gd, saigon.id, D.Filters(), clock.today(), "open")
    # Once the department has given Sài Gòn a task, that task (and only that) shows.
    session.add(Task(title="Báo cáo ngân sách", assigner_id=gd.id, assigner_unit_id=gd.unit_id,
                     lead_unit_id=saigon.id, deadline=clock.today() + timedelta(days=3)))
    tally.do_rebuild(session)
    got = D.unit_tasks(session, gd, saigon.id, D.Filters(), clock.today(), "open")
    assert [r.title for r in got.rows] == ["Báo cáo ngân sách"]
    assert saigon.id in [r.id for r in D.board(session, gd, D.Filters(), clock.today()).wards]


def test_drill_down_lists_the_category_and_refuses_bad_input(session: Session, official) -> None:  # noqa: ANN001
    chutich = official("chutich")
    b = D.board(session, chutich, D.Filters(), clock.today())
    worst = b.wards[0]
    got = D.unit_tasks(session, chutich, worst.id, D.Filters(), clock.today(), "overdue")
    assert got.counts == {s: getattr(worst, s) for s in STATUSES}
    assert all(r.status == "overdue" for r in got.rows)
    division = session.exec(select(Unit).where(Unit.kind == "division")).first()
    with pytest.raises(NotFound):
        D.unit_tasks(session, chutich, division.id, D.Filters(), clock.today(), "overdue")
    with pytest.raises(ValueError):
        D.unit_tasks(session, chutich, worst.id, D.Filters(), clock.today(), "bogus")
    with pytest.raises(ValueError):
        D.board(session, chutich, D.Filters("forever"), clock.today())


# --- reports ---------------------------------------------------------------------------------------------------


def test_excel_and_csv_carry_the_screen_numbers(session: Session, official) -> None:  # noqa: ANN001
    from openpyxl import load_workbook

    b = D.board(session, official("chutich"), D.Filters(), clock.today())
    wb = load_workbook(io.BytesIO(D.to_xlsx(b, D.Filters(), clock.today())))
    ws = wb.active
    assert [c.value for c in ws[4]] == list(D.REPORT_HEADERS)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5) if r[1].value]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[2:8] == [b.total.assigned, b.total.on_time, b.total.late, b.total.open, b.total.overdue,
                          b.total.rate]
    numbered = [r for r in rows if isinstance(r[0], int)]
    assert len(numbered) == 184
    assert sum(r[6] for r in numbered) == b.total.overdue
    text = D.to_csv(b, D.Filters(), clock.today()).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("STT,Đơn vị,Tổng số nhiệm vụ được giao")
    assert text.splitlines()[-1].startswith(f",Tổng cộng,{b.total.assigned},")
