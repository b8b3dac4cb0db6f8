"""Benchmark of quick assignment to every agency and local unit (184 tasks at once), on SQLite and PostgreSQL.

What it measures
    ``govhub.services.tasks.quick_assign.quick_assign(session, chairman, directive, task, all 184 units)`` followed by
    the commit -- what the chairman's "assign to all" button does: the directive, 184 tasks for the units' heads,
    their deadline history, audit rows, notifications (and whatever else a new task brings along, such as its case
    group) in one transaction. Each run uses a fresh session, as a request does; the table shows p50, p95 and max
    wall time per backend. The goal is p95 <= 500 ms.

    It runs on the same city-scale database as bench/inbox.py (50,000 officials, 2,000,000 tasks), so the indexes
    it writes into are full-size; build that first (``bench/inbox.py`` or ``govhub seed scale --officials 50000
    --tasks 2000000``), or pass a smaller ``--tasks``. What the runs added is deleted afterwards, so that the
    data set stays as it was.

How to run
    .venv/bin/python bench/fanout.py                                  # SQLite only, /tmp/govhub-bench-tasks.db
    GOVHUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/govhub_bench_tasks \\
        .venv/bin/python bench/fanout.py --repeat 30                  # SQLite and PostgreSQL

Timings are wall-clock (``time.perf_counter``) on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta

from _kit import add_backend_args, backends, percentile
from inbox import add_data_set_args, build  # the same data set
from sqlalchemy import delete, or_, text
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError
from sqlmodel import Session, SQLModel, select

from govhub import clock
from govhub.db import make_engine, safe_url
from govhub.models import AuditEvent, Directive, Official, Task
from govhub.services.tasks.actions import NewTask
from govhub.services.tasks.quick_assign import DirectiveSpec, do_quick_assign, preset_ids

GOAL_MS = 500.0
SUMMARY = "Về báo cáo kết quả thực hiện nhiệm vụ (benchmark)"


def fan_out(engine: Engine, chairman_id: int, run: int) -> tuple[int, float]:
    """One quick assignment to all units, committed; returns the directive id and the milliseconds."""
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        chairman = session.get(Official, chairman_id)
        directive, ids = do_quick_assign(
            session, chairman,
            DirectiveSpec(source="city_pc", number=f"{9000 + run}/UBND-VP", issued_on=clock.today(),
                          summary=SUMMARY),
            NewTask(title="Báo cáo kết quả thực hiện nhiệm vụ trọng tâm (benchmark)",
                    deadline=clock.today() + timedelta(days=7), priority="urgent"),
            preset_ids(session, chairman, "all"))
        session.commit()
    elapsed = (time.perf_counter() - started) * 1000
    assert len(ids) == 184, len(ids)
    return directive.id, elapsed


def _dependents() -> list:
    """Tables pointing at tasks or directives (directly or through one another), children first."""
    roots, found, changed = {"task", "directive"}, set(), True
    while changed:
        changed = False
        for table in SQLModel.metadata.tables.values():
            if table.name not in found | roots and any(fk.column.table.name in roots | found
                                                       for fk in table.foreign_keys):
                found.add(table.name)
                changed = True
    return [t for t in reversed(SQLModel.metadata.sorted_tables) if t.name in found]


def _hanging_off(table, task_ids: list[int], directive_ids: list[int], names: set[str]):  # noqa: ANN001, ANN202
    """The rows of ``table`` that belong to the given tasks or directives, at any distance."""
    conds = []
    for fk in table.foreign_keys:
        target = fk.column.table
        if target.name == "task":
            conds.append(fk.parent.in_(task_ids))
        elif target.name == "directive":
            conds.append(fk.parent.in_(directive_ids))
        elif target.name in names:
            conds.append(fk.parent.in_(sa_select(fk.column).where(
                _hanging_off(target, task_ids, directive_ids, names))))
    return or_(*conds)


def clean_up(engine: Engine, directive_ids: list[int]) -> None:
    """Delete what the runs added: their directives, tasks and everything hanging off them.

    Deleting a task makes the database check every table that points at tasks, and one of them (notifications)
    has no index on its task column -- the app never deletes tasks -- so each check would scan 2,000,000 rows.
    The checks are switched off for this one transaction (SQLite: a connection of its own with foreign_keys off;
    PostgreSQL: session_replication_role, which needs a superuser, else the rows are left in place). Counters
    derived from tasks, if any, are not adjusted."""
    tables = _dependents()
    names = {t.name for t in tables}
    cleaner = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with cleaner.connect() as conn:
            if cleaner.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            with Session(bind=conn) as session:
                if cleaner.dialect.name == "postgresql":
                    try:
                        session.execute(text("SET LOCAL session_replication_role = replica"))
                    except ProgrammingError:
                        print(f"  (not a superuser: the {len(directive_ids)} benchmark directives stay)")
                        return
                task_ids = list(session.exec(select(Task.id).where(Task.directive_id.in_(directive_ids))).all())
                for table in tables:
                    session.execute(delete(table).where(_hanging_off(table, task_ids, directive_ids, names)))
                session.execute(delete(AuditEvent).where(or_(
                    (AuditEvent.object_type == "task") & AuditEvent.object_id.in_(task_ids),
                    (AuditEvent.object_type == "directive") & AuditEvent.object_id.in_(directive_ids))))
                session.execute(delete(Task).where(Task.id.in_(task_ids)))
                session.execute(delete(Directive).where(Directive.id.in_(directive_ids)))
                session.commit()
    finally:
        cleaner.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backend_args(parser, "govhub-bench-tasks.db")
    add_data_set_args(parser)
    parser.add_argument("--repeat", type=int, default=20, help="timed fan-outs per backend")
    args = parser.parse_args(argv)

    summary: list[tuple[str, list[float]]] = []
    for name, url in backends(args):
        print(f"\n{name}: {safe_url(url)}")
        engine = build(url, args.officials, args.tasks)
        with Session(engine) as session:  # what an interrupted run left behind
            made: list[int] = list(session.exec(select(Directive.id).where(Directive.summary == SUMMARY)).all())
        try:
            with Session(engine) as session:
                chairman = session.exec(select(Official).where(Official.username == "chutich")).one().id
            for run in range(2):  # warm-up
                made.append(fan_out(engine, chairman, run)[0])
            times = []
            for run in range(args.repeat):
                directive_id, ms = fan_out(engine, chairman, 100 + run)
                made.append(directive_id)
                times.append(ms)
        finally:
            if made:
                clean_up(engine, made)
            engine.dispose()
        summary.append((name, times))

    print(f"\nquick assignment to all 184 units + commit, {args.repeat} runs per backend, ms "
          f"(goal: p95 <= {GOAL_MS:.0f})")
    print(f"{'backend':<10} {'p50':>7} {'p95':>7} {'max':>7} {'mean':>7}")
    for name, times in summary:
        print(f"{name:<10} {percentile(times, 50):7.1f} {percentile(times, 95):7.1f} {max(times):7.1f} "
              f"{statistics.fmean(times):7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
