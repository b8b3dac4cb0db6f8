"""Benchmark of the oversight aggregates on PostgreSQL at city scale (184 units, 2,000,000 tasks).

What it measures
    ``govhub.services.oversight.dashboard.unit_counts`` -- the one GROUP BY behind the headline figures, the ward and
    department charts, the map and the table -- for the city's leadership and for a ward, over several periods
    and sources; and ``dashboard.board`` as the page calls it (the aggregate, the 184 units, the 12-week trend).
    Each case runs ``--repeat`` times in a fresh session; the table shows p50 and p95 wall time. The goal is
    p95 <= 100 ms for the aggregate.

    Beside each figure is the floor: the very SQL the service sends (captured from SQLAlchemy's
    ``before_cursor_execute``, parameters included) replayed on a raw DB-API cursor with every row fetched.

Data
    The demo city (seeded if absent), then tasks bulk-generated in SQL until there are ``--tasks`` of them:
    created over the last two years, spread over the 184 departments and wards, from ~2,000 directives of every
    source, about half accepted (some late), a few cancelled, the rest open (some overdue). (When
    ``govhub seed scale --tasks N`` exists it may fill the same database; this script only tops up.)
    The tables are VACUUM ANALYZEd after generating, as autovacuum would do soon afterwards.

How to run
    createdb: psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE govhub_dash_bench'
    GOVHUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/govhub_dash_bench \\
        .venv/bin/python bench/dashboard.py --tasks 2000000 --repeat 30

Timings are wall-clock on whatever machine runs this (its core count and load average are printed).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _kit import Statements, captured_sql, timed  # noqa: E402
from sqlalchemy import func, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from govhub import clock  # noqa: E402
from govhub.db import make_engine, safe_url  # noqa: E402
from govhub.demo.city import seed_demo  # noqa: E402
from govhub.migrations import upgrade  # noqa: E402
from govhub.models import Official, Task, Unit  # noqa: E402
from govhub.services.oversight import dashboard as D
from govhub.services.tasks.access import TOP_KINDS  # noqa: E402
from govhub.services.tasks.tally import rebuild  # noqa: E402

GOAL_MS = 100.0
BATCH = 250_000

GENERATE = """
INSERT INTO task (title, content, directive_id, assigner_id, assigner_unit_id, lead_unit_id, deadline, priority,
                  progress, state, title_folded, created_at, updated_at, done_on, version)
SELECT 'Nhiệm vụ ' || g, '', :first_directive + (g % :directives), :assigner, :assigner_unit,
       (CAST(:units AS int[]))[1 + (g::bigint * 7919) % cardinality(CAST(:units AS int[]))], t.deadline, 'normal',
       0, t.state, 'nhiem vu ' || g,
       t.created, t.created,
       CASE WHEN t.state = 'accepted' THEN LEAST(t.deadline + (random() * 20 - 14)::int, CURRENT_DATE) END, 1
FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g
CROSS JOIN LATERAL (
    SELECT c.created, (c.created::date + 5 + (random() * 60)::int) AS deadline,
           CASE WHEN r < 0.50 THEN 'accepted' WHEN r < 0.53 THEN 'cancelled' WHEN r < 0.65 THEN 'new'
                WHEN r < 0.85 THEN 'in_progress' WHEN r < 0.95 THEN 'submitted' ELSE 'returned' END AS state
    FROM (SELECT now() - random() * interval '730 days' AS created, random() AS r, g AS keep) AS c
) AS t
"""


def ensure_data(engine: Engine, wanted: int) -> int:
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(Official)).one() == 0:
            seed_demo(session)
            session.commit()
        have = session.exec(select(func.count()).select_from(Task)).one()
        if have >= wanted:
            return have
        chutich = session.exec(select(Official).where(Official.username == "chutich")).one()
        units = list(session.exec(select(Unit.id).where(Unit.kind.in_(TOP_KINDS))).all())
        sources = ("government_office", "city_party_committee", "city_party_standing", "city_council", "city_pc",
                   "city_pc_standing")
        first = session.execute(text(
            "INSERT INTO directive (source, number, issued_on, summary, created_by_id, unit_id, created_at) "
            "SELECT (CAST(:sources AS text[]))[1 + g % 6], g || '/TB-VP', CURRENT_DATE - g % 700, 'Chỉ đạo ' || g, "
            ":who, :unit, now() "
            "FROM generate_series(1, 2000) AS g RETURNING id"),
            {"sources": list(sources), "who": chutich.id, "unit": chutich.unit_id}).scalars().all()
        session.commit()
        start = have + 1
        while start <= wanted:
            stop = min(wanted, start + BATCH - 1)
            began = time.perf_counter()
            session.execute(text(GENERATE), {"first_directive": min(first), "directives": len(first),
                                             "assigner": chutich.id, "assigner_unit": chutich.unit_id,
                                             "units": units, "start": start, "stop": stop})
            session.commit()
            print(f"  tasks {stop:>9,} ({time.perf_counter() - began:.1f} s)", flush=True)
            start = stop + 1
        began = time.perf_counter()
        cells = rebuild(session)  # the rows above bypassed the services: recount the oversight counters
        session.commit()
        print(f"  counters rebuilt: {cells:,} cells ({time.perf_counter() - began:.1f} s)", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE task"))
        conn.execute(text("VACUUM ANALYZE directive"))
        conn.execute(text("VACUUM ANALYZE task_tally"))
    return wanted


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def service_times(engine: Engine, fn: Callable[[Session], object], repeat: int) -> tuple[list[float], Statements]:
    """``repeat`` runs of ``fn`` in a fresh session each (the first only warms the caches, unless it is the only
    one), then one more that captures the SQL it sends."""
    times = []
    for i in range(repeat):
        with Session(engine) as session:
            elapsed = timed(lambda s=session: fn(s))
        if i > 0 or repeat == 1:
            times.append(elapsed)
    with Session(engine) as session:
        return times, captured_sql(engine, lambda: fn(session))


def floor(engine: Engine, statements: list, repeat: int) -> list[float]:
    raw = engine.raw_connection()
    try:
        times = []
        for _ in range(repeat):
            cur = raw.cursor()
            began = time.perf_counter()
            for sql, params in statements:
                cur.execute(sql, params)
                cur.fetchall()
            times.append((time.perf_counter() - began) * 1000)
            cur.close()
        raw.rollback()
        return times
    finally:
        raw.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("GOVHUB_BENCH_POSTGRES_URL")
    if not url:
        print("set GOVHUB_BENCH_POSTGRES_URL=postgresql://... (a database holding nothing but GovHub's tables)")
        return 2
    upgrade(url)
    engine = make_engine(url)
    print(f"database {safe_url(url)}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}")
    total = ensure_data(engine, args.tasks)
    today = clock.today()
    with Session(engine) as session:
        chutich = session.exec(select(Official).where(Official.username == "chutich")).one()
        ct = session.exec(select(Official).where(Official.username == "ct.saigon")).one()
        city, ward = D.access_dashboard(session, chutich), D.access_dashboard(session, ct)
    cases = [
        ("aggregate, city, all time", lambda s: D.unit_counts(s, city, D.Filters("all"), today)),
        ("aggregate, city, this year", lambda s: D.unit_counts(s, city, D.Filters("year"), today)),
        ("aggregate, city, this month", lambda s: D.unit_counts(s, city, D.Filters("month"), today)),
        ("aggregate, city, Gov. Office", lambda s: D.unit_counts(s, city, D.Filters("all", "government_office"),
                                                                 today)),
        ("aggregate, one ward, all time", lambda s: D.unit_counts(s, ward, D.Filters("all"), today)),
        ("whole board (+ trend), city", lambda s: D.board(s, chutich, D.Filters("all"), today)),
    ]
    print(f"{total:,} tasks; p50 / p95 in ms over {args.repeat} runs (goal: aggregate p95 <= {GOAL_MS:.0f} ms)")
    print(f"{'case':34} {'service p50':>12} {'p95':>8} {'SQL floor p50':>14} {'p95':>8}")
    for name, fn in cases:
        times, statements = service_times(engine, fn, args.repeat)
        raw = floor(engine, statements, args.repeat)
        print(f"{name:34} {statistics.median(times):12.1f} {pct(times, 0.95):8.1f} "
              f"{statistics.median(raw):14.1f} {pct(raw, 0.95):8.1f}", flush=True)
    print(f"load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1 / 5 / 15 min)")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
