"""Benchmark of the work inbox at city scale, on SQLite and PostgreSQL.

What it measures
    ``govhub.services.tasks.inbox.inbox(session, official, today, ...)`` -- the function behind the home page's work
    inbox -- on a database of 50,000 officials and 2,000,000 tasks (the demo city, topped up by
    ``govhub seed scale --officials 50000 --tasks 2000000``: city directives fanned out to the 184 agencies and
    local units, delegated to divisions and staff, states and deadlines spread over a year, with their deadline
    history, audit rows, notifications and pending extension requests).

    It is timed for the busiest officials -- the chairman (thousands of reports awaiting his review and extension
    requests awaiting his decision), the ward chairman with the most open tasks, the staff member with the most --
    on the first page, and a few variants (page 2, a kind tab, the overdue filter, a search). Each call runs in a
    fresh session, as a request does; the table shows p50 and p95 wall time per case and overall per backend. The
    goals: p95 <= 20 ms on PostgreSQL, and within 2x the floor.

    The floor: the very SQL statements ``inbox`` sends (captured with SQLAlchemy's ``before_cursor_execute``
    event, parameters included) replayed on a raw DB-API cursor, every row fetched. The gap between the two is
    ORM and Python overhead; the floor itself is what the database needs for that SQL.

How to run
    .venv/bin/python bench/inbox.py                                   # SQLite only, /tmp/govhub-bench-tasks.db
    GOVHUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/govhub_bench_tasks \\
        .venv/bin/python bench/inbox.py --repeat 30                   # SQLite and PostgreSQL
    .venv/bin/python bench/inbox.py --tasks 200000                    # a smaller data set, quicker to build

    The first run on a database migrates and seeds it (several minutes for 2,000,000 tasks); later runs find the
    tasks there and go straight to timing. After seeding, the tables are analysed (VACUUM ANALYZE on PostgreSQL)
    as autovacuum would do shortly afterwards. The PostgreSQL database must exist and hold nothing but GovHub's
    tables.

Timings are wall-clock (``time.perf_counter``) on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

from _kit import add_backend_args, backends, percentile, print_overall, time_with_floor
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from govhub import clock
from govhub.db import make_engine, safe_url
from govhub.demo.city import seed_demo, seed_scale
from govhub.demo.tasks import seed_scale_tasks
from govhub.migrations import upgrade
from govhub.models import ExtensionRequest, Official, Task
from govhub.services.tasks.inbox import inbox

GOAL_MS = 20.0
WORKING = ("new", "received", "in_progress", "returned")


@dataclass
class Case:
    """One inbox call: whose, and with which filters."""

    kind: str
    official: Official
    filters: dict = field(default_factory=dict)
    total: int = 0
    app_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)


def task_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Task)).one()


def build(url: str, officials: int, tasks: int) -> Engine:
    """Migrate the database and seed it up to ``officials`` and ``tasks`` unless they are already there."""
    upgrade(url)
    engine = make_engine(url)
    have = task_count(engine)
    if have >= tasks * 0.99:
        print(f"  {have:,} tasks already there")
        return engine
    started = time.perf_counter()
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
        seed_scale(session, officials=officials)
        session.commit()
        seed_scale_tasks(session, tasks, progress=lambda line: print(line, flush=True))
        session.commit()
    analyze(engine)
    print(f"  seeded {task_count(engine):,} tasks in {time.perf_counter() - started:.0f} s")
    return engine


def add_data_set_args(parser: argparse.ArgumentParser) -> None:
    """The size of the city-scale data set (shared with bench/fanout.py)."""
    parser.add_argument("--officials", type=int, default=50_000, help="officials in the data set")
    parser.add_argument("--tasks", type=int, default=2_000_000, help="tasks in the data set")


def analyze(engine: Engine) -> None:
    """Planner statistics (and, on PostgreSQL, the visibility map) as after a while in production."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def busiest(engine: Engine) -> list[Case]:
    """The officials with the most to do, and the variants of their inbox worth timing."""
    with Session(engine, expire_on_commit=False) as session:
        def one(query) -> Official:  # noqa: ANN001
            return session.get(Official, session.exec(query).first())

        chairman = session.exec(select(Official).where(Official.username == "chutich")).one()
        owner = one(select(Task.owner_id).where(Task.state.in_(WORKING)).group_by(Task.owner_id)
                    .order_by(func.count().desc()).limit(1))
        staff = one(select(Task.owner_id).join(Official, Official.id == Task.owner_id)
                    .where(Task.state.in_(WORKING), Official.roles == "staff").group_by(Task.owner_id)
                    .order_by(func.count().desc()).limit(1))
        reviewer = one(select(Task.assigner_id).where(Task.state == "submitted").group_by(Task.assigner_id)
                       .order_by(func.count().desc()).limit(1))
        decider = one(select(ExtensionRequest.decider_id).where(ExtensionRequest.status == "pending")
                      .group_by(ExtensionRequest.decider_id).order_by(func.count().desc()).limit(1))
    cases = [
        Case("chairman, page 1", chairman),
        Case("chairman, page 2", chairman, {"page": 2}),
        Case("chairman, review tab", chairman, {"kind": "review"}),
        Case("chairman, overdue", chairman, {"due": "overdue"}),
        Case("chairman, search", chairman, {"query": "giai ngan von"}),
        Case("busiest owner, page 1", owner),
        Case("busiest owner, overdue", owner, {"due": "overdue"}),
        Case("busiest owner, search", owner, {"query": "chuyen doi so"}),
        Case("busiest staff, page 1", staff),
    ]
    if reviewer.id != chairman.id:
        cases.append(Case("busiest reviewer, page 1", reviewer))
    if decider.id not in (chairman.id, reviewer.id):
        cases.append(Case("busiest decider, page 1", decider))
    return cases


def run_inbox(engine: Engine, case: Case) -> int:
    """One inbox page the way a request does it: a fresh session, the page built, the session closed."""
    with Session(engine, expire_on_commit=False) as session:
        return inbox(session, case.official, clock.today(), **case.filters).total


def bench_backend(engine: Engine, repeat: int) -> list[Case]:
    """Warm up, then time every case ``repeat`` times through ``inbox`` and as raw SQL."""
    cases = busiest(engine)
    time_with_floor(engine, cases, lambda c: run_inbox(engine, c), warm_up=3, repeat=repeat)
    return cases


def print_table(backend: str, cases: list[Case]) -> None:
    """One line per case."""
    head = f"{'backend':<10} {'case':<26} {'who':<16} {'items':>6} {'p50':>7} {'p95':>7} {'floor50':>8} " \
           f"{'floor95':>8} {'p95/floor95':>11}"
    print(head)
    print("-" * len(head))
    for c in cases:
        p95, f95 = percentile(c.app_ms, 95), percentile(c.floor_ms, 95)
        print(f"{backend:<10} {c.kind:<26} {c.official.username:<16} {c.total:6d} {percentile(c.app_ms, 50):7.1f} "
              f"{p95:7.1f} {percentile(c.floor_ms, 50):8.1f} {f95:8.1f} {p95 / f95 if f95 else 0:11.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backend_args(parser, "govhub-bench-tasks.db")
    add_data_set_args(parser)
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each case")
    args = parser.parse_args(argv)

    summary: list[tuple[str, list[Case]]] = []
    for name, url in backends(args):
        print(f"\n{name}: {safe_url(url)}")
        engine = build(url, args.officials, args.tasks)
        try:
            cases = bench_backend(engine, args.repeat)
        finally:
            engine.dispose()
        print()
        print_table(name, cases)
        summary.append((name, cases))

    print_overall(f"\noverall, {args.repeat} runs of each case per backend, ms "
                  f"(goals: p95 <= {GOAL_MS:.0f} on PostgreSQL, <= 2x the floor)", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
