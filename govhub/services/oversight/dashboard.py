"""Oversight: how the departments and the 168 wards, communes and special zone keep their deadlines.

The figures are the Government Office's four categories (done on time, done late, open within the deadline, open
overdue), derived from dates by ``report_status_sql``; the board reads them from counters that every task change
keeps in step (``tasks/tally.py``, table ``task_tally``), so it never scans the task table; ``_unit_counts_scan``
and ``_trend_scan`` keep the direct GROUP BY over the tasks as the reference the tests compare with. A task counts
for the unit that leads it when it was assigned from outside that unit (a ward's own delegation to its staff is the
ward's business, not a second task on the city's board); cancelled tasks do not count. The period is when a task
was assigned.

Who sees what (decided here, once):
- the City People's Committee's Standing Committee (leaders of the city unit): every department and ward;
- a leader of a department, the Office or the Inspectorate: their own unit, and what their unit assigned to others;
- a leader of a ward, commune or the special zone: their own unit;
- anybody else: nothing (``access_dashboard`` raises NotFound, which the page shows as "not available").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from govhub import clock
from govhub.models import Directive, Official, Task, TaskTally, Unit
from govhub.models.tally import ALL_SOURCES, NO_DEADLINE
from govhub.models.task import DIRECTIVE_SOURCES, OPEN_STATES
from govhub.services.core.errors import NotFound
from govhub.services.org.structure import LEADING_KINDS, LOCAL_KINDS
from govhub.services.tasks import tally
from govhub.services.tasks.access import TOP_KINDS, is_leader
from govhub.services.tasks.status import STATUSES, due_mark, report_status, report_status_sql
from govhub.services.tasks.views import ChildRow

PERIODS = ("all", "year", "quarter", "month", "week")
SOURCES = DIRECTIVE_SOURCES
TREND_WEEKS = 12
PAGE_SIZE = 20
SORTS = ("overdue", "rate", "assigned", "name")


@dataclass
class Filters:
    """What the leader chose: a period (by the day a task was assigned) and a source ('' = every source)."""

    period: str = "all"
    source: str = ""

    def checked(self) -> Filters:
        if self.period not in PERIODS:
            raise ValueError("unknown period")
        if self.source and self.source not in SOURCES:
            raise ValueError("unknown source")
        return self


@dataclass
class Scope:
    """Whose board this is: 'city', 'department' (its unit and what it assigned), 'ward' (its unit) or 'none'."""

    kind: str
    unit_id: int = 0
    unit_name: str = ""


@dataclass
class UnitStat:
    """One unit's line: the Government Office's layout."""

    id: int
    code: str
    name: str
    kind: str
    short: str = ""
    assigned: int = 0
    on_time: int = 0
    late: int = 0
    open: int = 0
    overdue: int = 0
    rate: float = 0.0
    overdue_rate: float = 0.0


@dataclass
class TrendPoint:
    """One week: tasks assigned, completed and that became overdue in it."""

    week: str
    start: str
    assigned: int = 0
    completed: int = 0
    overdue: int = 0


@dataclass
class Board:
    """Everything the oversight page shows for one official, period and source."""

    scope: str
    scope_unit: str
    total: UnitStat
    departments: list[UnitStat]
    wards: list[UnitStat]
    trend: list[TrendPoint] = field(default_factory=list)


@dataclass
class UnitTasks:
    """A unit's tasks in one category (drill-down)."""

    unit_id: int
    unit_name: str
    counts: dict[str, int]
    status: str
    rows: list[ChildRow]
    total: int
    page: int
    pages: int


# ---------------------------------------------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------------------------------------------


def dashboard_scope(session: Session, actor: Official) -> Scope:
    """The board ``actor`` may see ('none' for officials who are not leaders of a city-level unit or a ward)."""
    if not actor.active or not is_leader(actor):
        return Scope("none")
    unit = session.get(Unit, actor.unit_id)
    if unit is None or not unit.active:
        return Scope("none")
    if unit.kind == "city":
        return Scope("city", unit.id, unit.name)
    if unit.kind in LEADING_KINDS:
        return Scope("department", unit.id, unit.name)
    if unit.kind in LOCAL_KINDS:
        return Scope("ward", unit.id, unit.name)
    return Scope("none")


def access_dashboard(session: Session, actor: Official) -> Scope:
    """The scope, or NotFound for officials without a board."""
    scope = dashboard_scope(session, actor)
    if scope.kind == "none":
        raise NotFound()
    return scope


def _top_units(session: Session) -> dict[int, Unit]:
    rows = session.exec(select(Unit).where(Unit.kind.in_(TOP_KINDS), Unit.active.is_(True))
                        .order_by(Unit.sort_order, Unit.id)).all()
    return {u.id: u for u in rows}


def _scope_where(scope: Scope):  # noqa: ANN202
    """The tasks a scope covers (before the per-unit grouping)."""
    if scope.kind == "city":
        return None
    if scope.kind == "department":
        return or_(Task.lead_unit_id == scope.unit_id, Task.assigner_unit_id == scope.unit_id)
    if scope.kind == "ward":
        return Task.lead_unit_id == scope.unit_id
    raise NotFound()


def _unit_where(session: Session, scope: Scope, unit_id: int):  # noqa: ANN202
    """The tasks of one unit a scope may open; NotFound for a unit outside it."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.kind not in TOP_KINDS:
        raise NotFound()
    if scope.kind == "city" or unit_id == scope.unit_id:
        return unit, Task.lead_unit_id == unit_id
    if scope.kind == "department":
        where = and_(Task.lead_unit_id == unit_id, Task.assigner_unit_id == scope.unit_id)
        if session.execute(sa_select(Task.id).where(where).limit(1)).first() is None:
            raise NotFound()
        return unit, where
    raise NotFound()


# ---------------------------------------------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------------------------------------------


def _midnight(d: date) -> datetime:
    """City-local midnight at the start of ``d``, as a UTC instant."""
    return datetime.combine(d, time(0), tzinfo=clock.city_zone()).astimezone(UTC)


def period_start(period: str, today: date) -> date | None:
    """The first day of the period containing ``today`` (None for all time)."""
    if period == "week":
        return today - timedelta(days=today.weekday())
    if period == "month":
        return today.replace(day=1)
    if period == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if period == "year":
        return date(today.year, 1, 1)
    return None


def base_where(filters: Filters, today: date):  # noqa: ANN201
    """Counted tasks: not cancelled, assigned from outside the lead unit, in the period, from the source."""
    parts = [tally.counted_sql()]
    start = period_start(filters.period, today)
    if start is not None:
        parts.append(Task.created_at >= _midnight(start))
    if filters.source:
        parts.append(Task.directive_id.in_(sa_select(Directive.id).where(Directive.source == filters.source)))
    return and_(*parts)


def _tally_where(scope: Scope, source: str, grain: str, start: date | None) -> list:
    """The counter cells of a scope, source and period (``start`` is the first day of the period, or None)."""
    parts = [TaskTally.grain == grain, TaskTally.source == (source or ALL_SOURCES)]
    if start is not None:
        parts.append(TaskTally.period_start >= start)
    if scope.kind == "department":
        parts.append(or_(TaskTally.lead_unit_id == scope.unit_id, TaskTally.assigner_unit_id == scope.unit_id))
    elif scope.kind == "ward":
        parts.append(TaskTally.lead_unit_id == scope.unit_id)
    elif scope.kind != "city":
        raise NotFound()
    return parts


def unit_counts(session: Session, scope: Scope, filters: Filters, today: date) -> dict[int, dict[str, int]]:
    """Lead unit id → {status: count}, from the counters (``services/tally.py``): the cells without a deadline,
    plus the open tasks whose deadline is still ahead (overdue = open with a deadline - those). All time reads the
    all-time cells (grain 'a'); the year, quarter and month start on a month boundary (grain 'm'), the week on a
    Monday (grain 'w'); so the figures are exact."""
    filters = filters.checked()
    grain = {"all": "a", "week": "w"}.get(filters.period, "m")
    where = _tally_where(scope, filters.source, grain, period_start(filters.period, today))
    cols = (TaskTally.lead_unit_id, TaskTally.outcome, TaskTally.n)
    # Two key ranges, each an index-only scan on PostgreSQL (an OR would become a bitmap scan of the table).
    cells = union_all(
        sa_select(*cols).where(*where, TaskTally.deadline_key == NO_DEADLINE),
        sa_select(*cols).where(*where, TaskTally.deadline_key >= today, TaskTally.deadline_key < NO_DEADLINE,
                               TaskTally.outcome == "due")).subquery("cell")
    rows = session.execute(sa_select(cells.c.lead_unit_id, cells.c.outcome, func.sum(cells.c.n))
                           .group_by(cells.c.lead_unit_id, cells.c.outcome)).all()
    got: dict[int, dict[str, int]] = {}
    for unit_id, outcome, n in rows:
        got.setdefault(unit_id, {})[outcome] = int(n or 0)
    out: dict[int, dict[str, int]] = {}
    for unit_id, c in got.items():
        due = c.get("due", 0)
        counts = {"on_time": c.get("on_time", 0), "late": c.get("late", 0), "open": c.get("open", 0) + due,
                  "overdue": c.get("dated", 0) - due}
        counts = {k: v for k, v in counts.items() if v}
        if counts:
            out[unit_id] = counts
    return out


def _unit_counts_scan(session: Session, scope: Scope, filters: Filters, today: date) -> dict[int, dict[str, int]]:
    """The reference: the same figures by one GROUP BY over the task table (what ``unit_counts`` did before the
    counters; slow at city scale — tests compare the two)."""
    status = report_status_sql(today)
    where = base_where(filters.checked(), today)
    extra = _scope_where(scope)
    if extra is not None:
        where = and_(where, extra)
    rows = session.execute(sa_select(Task.lead_unit_id, status, func.count()).where(where)
                           .group_by(Task.lead_unit_id, status)).all()
    out: dict[int, dict[str, int]] = {}
    for unit_id, st, n in rows:
        out.setdefault(unit_id, {})[st] = int(n)
    return out


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def stat(unit: Unit | None, counts: dict[str, int]) -> UnitStat:
    """A unit's line from its counts."""
    s = UnitStat(id=unit.id if unit else 0, code=unit.code if unit else "", name=unit.name if unit else "",
                 kind=unit.kind if unit else "", short=(unit.abbrev or unit.name) if unit else "",
                 **{k: counts.get(k, 0) for k in STATUSES})
    return finish(s)


def finish(s: UnitStat) -> UnitStat:
    """Fill in the total and the rates."""
    s.assigned = s.on_time + s.late + s.open + s.overdue
    s.rate, s.overdue_rate = _pct(s.on_time + s.late, s.assigned), _pct(s.overdue, s.assigned)
    return s


def total_of(rows: list[UnitStat], name: str = "") -> UnitStat:
    """The sum of some lines (its rate from the sums, not an average of rates)."""
    out = UnitStat(id=0, code="", name=name, kind="")
    for r in rows:
        out.on_time, out.late, out.open, out.overdue = (out.on_time + r.on_time, out.late + r.late,
                                                        out.open + r.open, out.overdue + r.overdue)
    return finish(out)


def sort_stats(rows: list[UnitStat], by: str = "overdue") -> list[UnitStat]:
    """Worst first: most overdue (then most late, then most assigned); or lowest rate; or most assigned; or name."""
    if by == "rate":
        return sorted(rows, key=lambda r: (r.assigned == 0, r.rate, -r.overdue, r.name))
    if by == "assigned":
        return sorted(rows, key=lambda r: (-r.assigned, -r.overdue, r.name))
    if by == "name":
        return sorted(rows, key=lambda r: r.name)
    return sorted(rows, key=lambda r: (-r.overdue, -r.late, -r.assigned, r.name))


def board(session: Session, actor: Official, filters: Filters, today: date, sort: str = "overdue",
          with_trend: bool = True) -> Board:
    """The oversight board ``actor`` may see."""
    if sort not in SORTS:
        raise ValueError("unknown sort")
    scope = access_dashboard(session, actor)
    counts = unit_counts(session, scope, filters, today)
    units = _top_units(session)
    if scope.kind == "city":
        shown = list(units)
    else:
        shown = [scope.unit_id] + [u for u in counts if u != scope.unit_id and u in units]
    stats = [stat(units[u], counts.get(u, {})) for u in shown if u in units]
    departments = sort_stats([s for s in stats if s.kind in LEADING_KINDS], sort)
    wards = sort_stats([s for s in stats if s.kind in LOCAL_KINDS], sort)
    out = Board(scope=scope.kind, scope_unit=scope.unit_name, total=total_of(stats), departments=departments,
                wards=wards)
    if with_trend:
        out.trend = trend(session, scope, filters, today, set(units))
    return out


def _bucket(column, starts: list):  # noqa: ANN001, ANN202
    """The index of the week a value falls in (a portable CASE, no dialect date functions)."""
    return case(*[(column < s, i - 1) for i, s in enumerate(starts[1:], start=1)], else_=len(starts) - 1)


def trend(session: Session, scope: Scope, filters: Filters, today: date, top: set[int],
          weeks: int = TREND_WEEKS) -> list[TrendPoint]:
    """The last ``weeks`` weeks (Monday to Sunday): assigned, completed, and became overdue (the day after the
    deadline, for tasks not done by then). The period filter does not apply; the source and scope do.
    From the weekly counters: created ('w'), completed ('c'), became overdue ('o', keyed by the deadline, so the
    current week counts only deadlines before today)."""
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    days = [first + timedelta(weeks=i) for i in range(weeks)]
    points = [TrendPoint(week=d.strftime("%d/%m"), start=d.isoformat()) for d in days]
    week = _bucket(TaskTally.period_start, days)
    queries = (
        ("assigned", "w", TaskTally.deadline_key == NO_DEADLINE),
        ("completed", "c", TaskTally.deadline_key == NO_DEADLINE),
        ("overdue", "o", and_(TaskTally.deadline_key >= first - timedelta(days=1), TaskTally.deadline_key < today)),
    )
    for attr, grain, cells in queries:
        rows = session.execute(sa_select(TaskTally.lead_unit_id, week, func.sum(TaskTally.n))
                               .where(*_tally_where(scope, filters.source, grain, first), cells)
                               .group_by(TaskTally.lead_unit_id, week)).all()
        for unit_id, i, n in rows:
            if unit_id in top and 0 <= i < weeks:
                setattr(points[i], attr, getattr(points[i], attr) + int(n or 0))
    return points


def _trend_scan(session: Session, scope: Scope, filters: Filters, today: date, top: set[int],
                weeks: int = TREND_WEEKS) -> list[TrendPoint]:
    """The reference: the same trend from the task table (what ``trend`` did before the counters)."""
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    days = [first + timedelta(weeks=i) for i in range(weeks)]
    where = base_where(Filters("all", filters.source).checked(), today)
    extra = _scope_where(scope)
    if extra is not None:
        where = and_(where, extra)
    points = [TrendPoint(week=d.strftime("%d/%m"), start=d.isoformat()) for d in days]

    def add(rows, attr: str) -> None:  # noqa: ANN001
        for unit_id, i, n in rows:
            if unit_id in top and 0 <= i < weeks:
                setattr(points[i], attr, getattr(points[i], attr) + int(n))

    created = _bucket(Task.created_at, [_midnight(d) for d in days])
    add(session.execute(sa_select(Task.lead_unit_id, created, func.count())
                        .where(where, Task.created_at >= _midnight(first))
                        .group_by(Task.lead_unit_id, created)).all(), "assigned")
    done = _bucket(Task.done_on, days)
    add(session.execute(sa_select(Task.lead_unit_id, done, func.count())
                        .where(where, Task.state == "accepted", Task.done_on >= first)
                        .group_by(Task.lead_unit_id, done)).all(), "completed")
    # It became overdue on deadline + 1: bucket the deadline against the week starts moved back a day.
    late = _bucket(Task.deadline, [d - timedelta(days=1) for d in days])
    add(session.execute(sa_select(Task.lead_unit_id, late, func.count())
                        .where(where, Task.deadline >= first - timedelta(days=1), Task.deadline < today,
                               or_(Task.state.in_(OPEN_STATES),
                                   and_(Task.state == "accepted", Task.done_on > Task.deadline)))
                        .group_by(Task.lead_unit_id, late)).all(), "overdue")
    return points


# ---------------------------------------------------------------------------------------------------------------
# Drill-down
# ---------------------------------------------------------------------------------------------------------------


def unit_tasks(session: Session, actor: Official, unit_id: int, filters: Filters, today: date,
               status: str = "overdue", page: int = 1, page_size: int = PAGE_SIZE) -> UnitTasks:
    """One unit's tasks in one category, overdue and nearest deadlines first; NotFound outside the scope."""
    if status not in STATUSES:
        raise ValueError("unknown status")
    page = max(1, min(int(page), 10_000))
    scope = access_dashboard(session, actor)
    unit, where = _unit_where(session, scope, int(unit_id))
    where = and_(base_where(filters.checked(), today), where)
    status_col = report_status_sql(today)
    counts = dict(session.execute(sa_select(status_col, func.count()).where(where).group_by(status_col)).all())
    chosen = and_(where, status_col == status)
    total = counts.get(status, 0)
    owner = aliased(Official)
    rows = session.exec(
        select(Task, owner.full_name).outerjoin(owner, owner.id == Task.owner_id).where(chosen)
        .order_by(case((Task.deadline.is_(None), 1), else_=0), Task.deadline, Task.id)
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    out = [ChildRow(id=t.id, unit_name=unit.name, owner_name=o or "", state=t.state,
                    status=report_status(t.state, t.deadline, t.done_on, today), progress=t.progress,
                    deadline=t.deadline.strftime("%d/%m/%Y") if t.deadline else "",
                    mark=due_mark(t.state, t.deadline, today), title=t.title) for t, o in rows]
    return UnitTasks(unit_id=unit.id, unit_name=unit.name, counts={s: int(counts.get(s, 0)) for s in STATUSES},
                     status=status, rows=out, total=total, page=page, pages=(total + page_size - 1) // page_size)


# ---------------------------------------------------------------------------------------------------------------
# Reports: the Government Office's layout, Vietnamese headers
# ---------------------------------------------------------------------------------------------------------------

REPORT_HEADERS = ("STT", "Đơn vị", "Tổng số nhiệm vụ được giao", "Đã hoàn thành đúng hạn", "Đã hoàn thành quá hạn",
                  "Đang thực hiện trong hạn", "Đang thực hiện quá hạn", "Tỷ lệ hoàn thành (%)")
PERIOD_NAMES = {"all": "Toàn bộ", "year": "Năm nay", "quarter": "Quý này", "month": "Tháng này", "week": "Tuần này"}
SOURCE_NAMES = {
    "": "Tất cả nguồn", "government_office": "Văn phòng Chính phủ", "city_party_committee": "Thành ủy",
    "city_party_standing": "Ban Thường vụ Thành ủy", "city_council": "HĐND Thành phố", "city_pc": "UBND Thành phố",
    "city_pc_standing": "Thường trực UBND Thành phố", "unit": "Đơn vị",
}


def _line(s: UnitStat) -> list:
    return [s.name, s.assigned, s.on_time, s.late, s.open, s.overdue, s.rate]


def report_table(b: Board) -> list[list]:
    """The report's rows: sections (departments, then wards) with their subtotals, then the total."""
    rows: list[list] = []
    for roman, title, part in (("I", "Sở, ban, ngành", b.departments), ("II", "Phường, xã, đặc khu", b.wards)):
        if not part:
            continue
        sub = total_of(part)
        rows.append([roman, title, *_line(sub)[1:]])
        rows += [[i, *_line(s)] for i, s in enumerate(part, start=1)]
    rows.append(["", "Tổng cộng", *_line(b.total)[1:]])
    return rows


def report_title(b: Board, filters: Filters, today: date) -> tuple[str, str]:
    title = "BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ" + (f" — {b.scope_unit.upper()}" if b.scope != "city" else "")
    start = period_start(filters.period, today)
    span = f"{start:%d/%m/%Y} – {today:%d/%m/%Y}" if start else f"đến {today:%d/%m/%Y}"
    return title, f"Kỳ báo cáo: {PERIOD_NAMES[filters.period]} ({span}); nguồn: {SOURCE_NAMES[filters.source]}"


def to_csv(b: Board, filters: Filters, today: date) -> bytes:
    """The report as CSV (UTF-8 with a BOM, so Excel reads the Vietnamese letters)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(REPORT_HEADERS)
    w.writerows(report_table(b))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(b: Board, filters: Filters, today: date) -> bytes:
    """The report as an Excel workbook in the Government Office's layout."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    title, subtitle = report_title(b, filters, today)
    wb = Workbook()
    ws = wb.active
    ws.title = "Bao cao"
    ncol = len(REPORT_HEADERS)
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([subtitle])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    ws["A2"].alignment = Alignment(horizontal="center")
    ws["A2"].font = Font(italic=True)
    ws.append([])
    ws.append(list(REPORT_HEADERS))
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    ws.row_dimensions[4].height = 45
    for row in report_table(b):
        ws.append(row)
        bold = isinstance(row[0], str)
        for cell in ws[ws.max_row]:
            cell.border = border
            if bold:
                cell.font = Font(bold=True)
        ws.cell(ws.max_row, ncol).number_format = "0.0"
    for i, width in enumerate((6, 42, 14, 14, 14, 14, 14, 14), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "C5"
    ws.append([])
    ws.append([f"Số liệu tính đến ngày {today:%d/%m/%Y}, theo hạn xử lý của từng nhiệm vụ (GovHub)."])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
