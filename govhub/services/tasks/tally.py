"""The oversight counters (``task_tally``), kept in step with the tasks in the caller's transaction.

Every change that can move a counted task between cells — creation, acceptance, cancellation, an approved
extension — takes the task's ``fact`` before and after and calls ``shift``; the cells are netted in Python and
written with one upsert (``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``), in key order so that two
transactions touching the same cells lock them in the same order. Bulk loads that write the task table directly
call ``do_rebuild``, which recomputes every counter from the tasks (also ``govhub tally rebuild``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, DateTime, String, and_, case, cast, delete, func, literal, or_, text, union_all
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from govhub import clock
from govhub.models import Directive, Task
from govhub.models.tally import ALL_SOURCES, ALL_TIME, NO_DEADLINE, TaskTally

GRAINS = ("a", "m", "w", "c", "o")
KEY = ("grain", "source", "deadline_key", "period_start", "outcome", "lead_unit_id", "assigner_unit_id")


def counted(state: str, assigner_unit_id: int, lead_unit_id: int) -> bool:
    """Whether the board counts a task: not cancelled, and assigned from outside its lead unit (work a unit hands
    itself is not oversight). ``counted_sql`` is the same rule for queries."""
    return state != "cancelled" and assigner_unit_id != lead_unit_id


def counted_sql():  # noqa: ANN201
    """``counted`` as a SQL condition on the task table."""
    return and_(Task.state != "cancelled", Task.assigner_unit_id != Task.lead_unit_id)


def fact(session: Session, task: Task, source: str | None = None) -> dict:
    """What the counters need to know about a task, as it is now (``source`` saves a look-up when known)."""
    if source is None:
        directive = session.get(Directive, task.directive_id) if task.directive_id is not None else None
        source = directive.source if directive is not None else ""
    return {"created_at": task.created_at, "lead_unit_id": task.lead_unit_id,
            "assigner_unit_id": task.assigner_unit_id, "source": source, "deadline": task.deadline,
            "state": task.state, "done_on": task.done_on}


def sources_of(session: Session, directive_ids: Iterable[int | None]) -> dict[int | None, str]:
    """Directive id → source, in one query (None → '')."""
    ids = {d for d in directive_ids if d is not None}
    out: dict[int | None, str] = {None: ""}
    if ids:
        out.update(session.execute(sa_select(Directive.id, Directive.source).where(Directive.id.in_(ids))).all())
    return out


def monday(d: date) -> date:
    """The Monday of the week holding ``d``."""
    return d - timedelta(days=d.weekday())


def cells(f: dict) -> list[tuple]:
    """The cells (in KEY order) a task with fact ``f`` counts in, for its source and for ALL_SOURCES:
    by creation (all time 'a', month 'm', week 'w': one or two cells each); completed ('c': the week of done_on);
    became overdue ('o': the week of deadline + 1, keyed by the deadline, while open or once done late)."""
    if not counted(f["state"], f["assigner_unit_id"], f["lead_unit_id"]):
        return []
    created = f["created_at"]
    day = clock.local_date(created if created.tzinfo else created.replace(tzinfo=UTC))
    deadline = f["deadline"]
    done_on = f["done_on"]
    late = deadline is not None and done_on is not None and done_on > deadline
    if f["state"] == "accepted":
        kinds = [("late" if late else "on_time", NO_DEADLINE)]
    elif deadline is None:
        kinds = [("open", NO_DEADLINE)]
    else:
        kinds = [("dated", NO_DEADLINE), ("due", deadline)]
    out = [(grain, start, outcome, key) for grain, start in (("a", ALL_TIME), ("m", day.replace(day=1)),
                                                             ("w", monday(day))) for outcome, key in kinds]
    if f["state"] == "accepted" and done_on is not None:
        out.append(("c", monday(done_on), "done", NO_DEADLINE))
    if deadline is not None and (f["state"] != "accepted" or late):
        out.append(("o", monday(deadline + timedelta(days=1)), "lapse", deadline))
    units = (f["lead_unit_id"], f["assigner_unit_id"])
    return [(grain, source, key, start, outcome, *units) for grain, start, outcome, key in out
            for source in (f["source"] or "", ALL_SOURCES)]


_PG_SHIFT = (
    "INSERT INTO task_tally (grain, source, deadline_key, period_start, outcome, lead_unit_id, assigner_unit_id, n) "
    "SELECT * FROM unnest(CAST(:grain AS varchar[]), CAST(:source AS varchar[]), CAST(:deadline_key AS date[]), "
    "CAST(:period_start AS date[]), CAST(:outcome AS varchar[]), CAST(:lead_unit_id AS int[]), "
    "CAST(:assigner_unit_id AS int[]), CAST(:n AS int[])) "
    "ON CONFLICT (grain, source, deadline_key, period_start, outcome, lead_unit_id, assigner_unit_id) "
    "DO UPDATE SET n = task_tally.n + excluded.n")


def shift(session: Session, removed: Iterable[dict] = (), added: Iterable[dict] = ()) -> None:
    """Move tasks between cells: ``removed`` are facts as they were, ``added`` as they are now (one statement)."""
    delta: Counter = Counter()
    for f in removed:
        delta.subtract(cells(f))
    for f in added:
        delta.update(cells(f))
    rows = [{**dict(zip(KEY, key, strict=True)), "n": n} for key, n in sorted(delta.items()) if n]
    if not rows:
        return
    session.flush()  # keep the unit of work ahead of the counters (the caller's changes are pending)
    if session.get_bind().dialect.name == "postgresql":
        # One statement over arrays (an executemany would be one round trip per cell; a long VALUES list is slow
        # to compile): a quick assignment to 184 units moves ~2,500 cells.
        cols = {k: [r[k] for r in rows] for k in (*KEY, "n")}
        session.execute(text(_PG_SHIFT), cols)
        return
    stmt = sqlite.insert(TaskTally)
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY), set_={"n": TaskTally.n + stmt.excluded.n})
    session.execute(stmt, rows)


# ---------------------------------------------------------------------------------------------------------------
# Recomputing everything from the tasks
# ---------------------------------------------------------------------------------------------------------------


def _local_day_sqlite(value: str | None) -> str | None:
    if value is None:
        return None
    instant = datetime.fromisoformat(str(value))
    return clock.local_date(instant if instant.tzinfo else instant.replace(tzinfo=UTC)).isoformat()


def _monday_sqlite(value: str | None, plus: int) -> str | None:
    return None if value is None else monday(date.fromisoformat(str(value)[:10]) + timedelta(days=plus)).isoformat()


def _dates(session: Session):  # noqa: ANN202
    """SQL for the first day of the city-local month and the Monday of the week of Task.created_at, and a
    function giving the Monday of the week of a date column plus some days."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(clock.city_zone().key, Task.created_at)

        def week_of(col, plus: int = 0):  # noqa: ANN001, ANN202
            return cast(func.date_trunc("week", cast(col + plus if plus else col, DateTime)), Date)

        return cast(func.date_trunc("month", local), Date), cast(func.date_trunc("week", local), Date), week_of
    # SQLite has no time zones: ask Python (exact for any zone), once per connection.
    raw = session.connection().connection.driver_connection
    raw.create_function("govhub_local_day", 1, _local_day_sqlite, deterministic=True)
    raw.create_function("govhub_monday", 2, _monday_sqlite, deterministic=True)
    day = func.govhub_local_day(Task.created_at, type_=String)

    def week_of(col, plus: int = 0):  # noqa: ANN001, ANN202
        return func.govhub_monday(col, plus, type_=String)

    return func.substr(day, 1, 8).op("||")("01"), week_of(day), week_of


def do_rebuild(session: Session) -> int:
    """Recompute every counter from the task table (INSERT ... SELECT ... GROUP BY for the months, weeks,
    completions and lapses of each source, then the all-time and all-source cells from those); returns the cells
    written."""
    session.flush()
    session.execute(delete(TaskTally))
    month, week, week_of = _dates(session)
    source = func.coalesce(Directive.source, "")
    outcome = case(
        (and_(Task.state == "accepted", Task.deadline.is_not(None), Task.done_on > Task.deadline), "late"),
        (Task.state == "accepted", "on_time"),
        (Task.deadline.is_(None), "open"),
        else_="dated")
    counted_where = counted_sql()
    parts = []
    for grain, start in (("m", month), ("w", week)):
        common = {"grain": literal(grain), "source": source, "period_start": start,
                  "lead_unit_id": Task.lead_unit_id, "assigner_unit_id": Task.assigner_unit_id}
        sentinel = [{**common, "deadline_key": literal(NO_DEADLINE, Date), "outcome": outcome}[k].label(k)
                    for k in KEY]
        due = [{**common, "deadline_key": Task.deadline, "outcome": literal("due")}[k].label(k) for k in KEY]
        base = sa_select(*sentinel).select_from(Task).outerjoin(Directive, Directive.id == Task.directive_id)
        parts.append(base.where(counted_where))
        parts.append(sa_select(*due).select_from(Task).outerjoin(Directive, Directive.id == Task.directive_id)
                     .where(counted_where, Task.state != "accepted", Task.deadline.is_not(None)))
    common = {"source": source, "lead_unit_id": Task.lead_unit_id, "assigner_unit_id": Task.assigner_unit_id}
    completed = {**common, "grain": literal("c"), "deadline_key": literal(NO_DEADLINE, Date),
                 "period_start": week_of(Task.done_on), "outcome": literal("done")}
    parts.append(sa_select(*[completed[k].label(k) for k in KEY]).select_from(Task)
                 .outerjoin(Directive, Directive.id == Task.directive_id)
                 .where(counted_where, Task.state == "accepted", Task.done_on.is_not(None)))
    lapsed = {**common, "grain": literal("o"), "deadline_key": Task.deadline,
              "period_start": week_of(Task.deadline, 1), "outcome": literal("lapse")}
    parts.append(sa_select(*[lapsed[k].label(k) for k in KEY]).select_from(Task)
                 .outerjoin(Directive, Directive.id == Task.directive_id)
                 .where(counted_where, Task.deadline.is_not(None),
                        or_(Task.state != "accepted", and_(Task.done_on.is_not(None), Task.done_on > Task.deadline))))
    everything = union_all(*parts).subquery("cell")
    cols = [everything.c[k] for k in KEY]
    grouped = sa_select(*cols, func.count().label("n")).group_by(*cols)
    session.execute(sa_insert(TaskTally).from_select([*KEY, "n"], grouped))
    # All time, from the months; then every source together, from the cells of each source.
    t = TaskTally
    rest = [t.deadline_key, t.outcome, t.lead_unit_id, t.assigner_unit_id]
    session.execute(sa_insert(t).from_select(
        ["grain", "source", "period_start", "deadline_key", "outcome", "lead_unit_id", "assigner_unit_id", "n"],
        sa_select(literal("a"), t.source, literal(ALL_TIME, Date), *rest, func.sum(t.n))
        .where(t.grain == "m").group_by(t.source, *rest)))
    session.execute(sa_insert(t).from_select(
        ["grain", "source", "period_start", "deadline_key", "outcome", "lead_unit_id", "assigner_unit_id", "n"],
        sa_select(t.grain, literal(ALL_SOURCES), t.period_start, *rest, func.sum(t.n))
        .group_by(t.grain, t.period_start, *rest)))
    return int(session.execute(sa_select(func.count()).select_from(TaskTally)).scalar_one())
