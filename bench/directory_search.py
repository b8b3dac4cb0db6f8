"""Benchmark of the directory search on a city-scale data set, on SQLite and PostgreSQL.

What it measures
    ``govhub.services.directory.search(session, query, page)`` -- the function behind the directory's
    search box -- on a database of 50,000 officials (the demo city topped up with generated staff).
    Each query of a realistic mix (full names with and without diacritics, a common family name, a
    two-letter prefix, a phone fragment, a unit, a position, a rare name, a miss, deeper pages) is run
    ``--repeat`` times, each in a fresh session as the app does per request, and the table shows p50
    and p95 wall time per query kind and overall per backend. The goal is p95 <= 50 ms.

    Beside each figure is the floor: the very SQL statements ``search`` sends (captured from
    SQLAlchemy's ``before_cursor_execute`` event, parameters included) replayed on a raw DB-API
    cursor, with every row fetched. The gap between the two is ORM and Python overhead; the floor
    itself is what the database needs for that SQL.

How to run
    .venv/bin/python bench/directory_search.py                       # SQLite only, /tmp/govhub-bench.db
    GOVHUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/govhub_bench \\
        .venv/bin/python bench/directory_search.py --repeat 30        # SQLite and PostgreSQL

    The first run on a database migrates it and seeds it (demo city, then ``seed_scale``), which takes
    a little while; later runs migrate it if needed, find the officials already there and go straight
    to timing. On PostgreSQL the tables are VACUUM ANALYZEd after seeding, as autovacuum would do soon
    afterwards. The PostgreSQL database must exist and should hold nothing but GovHub's tables.

Timings are wall-clock (``time.perf_counter``) on whatever machine runs this, whose core count and load
average are printed with them: other work on the machine shows up in p95 first. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from govhub.db import make_engine, normalize_url, safe_url
from govhub.migrations import upgrade
from govhub.models import Official
from govhub.services.directory import search
from govhub.services.seed import seed_demo, seed_scale

GOAL_MS = 50.0

# (kind, query, page): what people type into the directory's search box.
QUERIES: list[tuple[str, str, int]] = [
    ("full name, folded", "nguyen van hung", 1),
    ("full name, diacritics", "Trần Thị Hương", 1),
    ("name start, diacritics", "Nguyễn Thị", 1),
    ("common word", "nguyen", 1),
    ("short prefix", "tr", 1),
    ("phone fragment", "0903", 1),
    ("unit name", "phuong sai gon", 1),
    ("position", "chu tich", 1),
    ("rare name", "quach bich uyen", 1),
    ("no hit", "nguyen zzyzx", 1),
    ("common word, page 2", "nguyen", 2),
    ("common word, page 10", "nguyen", 10),
]


@dataclass
class Result:
    """The timings of one query on one backend."""

    kind: str
    query: str
    page: int
    total: int = 0
    app_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def official_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Official)).one()


def build(url: str, officials: int) -> Engine:
    """Migrate the database and seed it up to ``officials`` unless they are already there."""
    upgrade(url)
    engine = make_engine(url)
    have = official_count(engine)
    if have >= officials:
        print(f"  {have} officials already there")
        return engine
    started = time.perf_counter()
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
        seed_scale(session, officials=officials)
        session.commit()
    if engine.dialect.name == "postgresql":  # what autovacuum would soon do: statistics, visibility map
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    print(f"  seeded {official_count(engine)} officials in {time.perf_counter() - started:.0f} s")
    return engine


def run_search(engine: Engine, query: str, page: int) -> int:
    """One search the way a request does it: a fresh session, the result built, the session closed."""
    with Session(engine, expire_on_commit=False) as session:
        return search(session, query, page).total


def captured_sql(engine: Engine, query: str, page: int) -> list[tuple[str, object]]:
    """The statements and parameters ``search`` sends to the database for this query."""
    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if not executemany:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        run_search(engine, query, page)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def replay(dbapi_conn, statements: list[tuple[str, object]]) -> None:
    """Run the captured statements on a raw DB-API connection and fetch every row."""
    cur = dbapi_conn.cursor()
    for statement, parameters in statements:
        cur.execute(statement, parameters)
        cur.fetchall()
    cur.close()
    dbapi_conn.rollback()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def bench_backend(engine: Engine, repeat: int) -> list[Result]:
    """Warm up, then time every query ``repeat`` times through ``search`` and as raw SQL."""
    results = [Result(kind, query, page) for kind, query, page in QUERIES]
    sql = {(r.query, r.page): captured_sql(engine, r.query, r.page) for r in results}
    raw = engine.raw_connection()
    try:
        for r in results:  # warm-up: caches, statement compilation, the database's page cache
            for _ in range(2):
                r.total = run_search(engine, r.query, r.page)
                replay(raw, sql[(r.query, r.page)])
        for _ in range(repeat):  # round robin, so that a burst of load elsewhere hits every kind alike
            for r in results:
                statements = sql[(r.query, r.page)]
                r.app_ms.append(timed(lambda r=r: run_search(engine, r.query, r.page)))
                r.floor_ms.append(timed(lambda s=statements: replay(raw, s)))
    finally:
        raw.close()
    return results


def print_table(backend: str, results: list[Result]) -> tuple[list[float], list[float]]:
    """One line per query kind; returns every app and floor timing for the overall figures."""
    head = f"{'backend':<10} {'query kind':<24} {'query':<22} {'p50':>7} {'p95':>7} {'floor50':>8} " \
           f"{'floor95':>8} {'total':>7}"
    print(head)
    print("-" * len(head))
    for r in results:
        shown = r.query if r.page == 1 else f"{r.query} (p{r.page})"
        print(f"{backend:<10} {r.kind:<24} {shown:<22} {percentile(r.app_ms, 50):7.1f} "
              f"{percentile(r.app_ms, 95):7.1f} {percentile(r.floor_ms, 50):8.1f} "
              f"{percentile(r.floor_ms, 95):8.1f} {r.total:7d}")
    app = [t for r in results for t in r.app_ms]
    floor = [t for r in results for t in r.floor_ms]
    return app, floor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=str(Path(tempfile.gettempdir()) / "govhub-bench.db"),
                        help="SQLite file to use (made and seeded if missing)")
    parser.add_argument("--postgres", default=os.environ.get("GOVHUB_BENCH_POSTGRES_URL"),
                        help="PostgreSQL URL (default $GOVHUB_BENCH_POSTGRES_URL; skipped if unset)")
    parser.add_argument("--officials", type=int, default=50_000, help="size of the data set")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each query")
    args = parser.parse_args(argv)

    backends = [("sqlite", f"sqlite:///{Path(args.sqlite).resolve()}")]
    if args.postgres:
        backends.append(("postgresql", normalize_url(args.postgres)))
    else:
        print("PostgreSQL skipped: pass --postgres URL or set GOVHUB_BENCH_POSTGRES_URL")

    print(f"machine: {os.cpu_count()} cores, load average {load_average()}")
    summary: list[tuple[str, list[float], list[float]]] = []
    for name, url in backends:
        print(f"\n{name}: {safe_url(url)}")
        engine = build(url, args.officials)
        try:
            results = bench_backend(engine, args.repeat)
        finally:
            engine.dispose()
        print()
        app, floor = print_table(name, results)
        summary.append((name, app, floor))

    print(f"\noverall, {args.repeat} runs of {len(QUERIES)} queries per backend, ms (goal: p95 <= {GOAL_MS:.0f})")
    print(f"{'backend':<10} {'p50':>7} {'p95':>7} {'max':>7} {'floor p50':>10} {'floor p95':>10} {'mean':>7}")
    for name, app, floor in summary:
        print(f"{name:<10} {percentile(app, 50):7.1f} {percentile(app, 95):7.1f} {max(app):7.1f} "
              f"{percentile(floor, 50):10.1f} {percentile(floor, 95):10.1f} {statistics.fmean(app):7.1f}")
    print(f"load average afterwards {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
