"""Benchmark of the directory search on a city-scale data set, on SQLite and PostgreSQL.

What it measures
    ``govhub.services.org.directory.search(session, query, page)`` -- the function behind the directory's
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
import os
import sys
import time
from dataclasses import dataclass, field

from _kit import add_backend_args, backends, load_average, percentile, print_overall, time_with_floor
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from govhub.db import make_engine, safe_url
from govhub.demo.city import seed_demo, seed_scale
from govhub.migrations import upgrade
from govhub.models import Official
from govhub.services.org.directory import search

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


def bench_backend(engine: Engine, repeat: int) -> list[Result]:
    """Warm up, then time every query ``repeat`` times through ``search`` and as raw SQL."""
    results = [Result(kind, query, page) for kind, query, page in QUERIES]
    time_with_floor(engine, results, lambda r: run_search(engine, r.query, r.page), warm_up=2, repeat=repeat)
    return results


def print_table(backend: str, results: list[Result]) -> None:
    """One line per query kind."""
    head = f"{'backend':<10} {'query kind':<24} {'query':<22} {'p50':>7} {'p95':>7} {'floor50':>8} " \
           f"{'floor95':>8} {'total':>7}"
    print(head)
    print("-" * len(head))
    for r in results:
        shown = r.query if r.page == 1 else f"{r.query} (p{r.page})"
        print(f"{backend:<10} {r.kind:<24} {shown:<22} {percentile(r.app_ms, 50):7.1f} "
              f"{percentile(r.app_ms, 95):7.1f} {percentile(r.floor_ms, 50):8.1f} "
              f"{percentile(r.floor_ms, 95):8.1f} {r.total:7d}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backend_args(parser, "govhub-bench.db")
    parser.add_argument("--officials", type=int, default=50_000, help="size of the data set")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each query")
    args = parser.parse_args(argv)

    chosen = backends(args)
    print(f"machine: {os.cpu_count()} cores, load average {load_average()}")
    summary: list[tuple[str, list[Result]]] = []
    for name, url in chosen:
        print(f"\n{name}: {safe_url(url)}")
        engine = build(url, args.officials)
        try:
            results = bench_backend(engine, args.repeat)
        finally:
            engine.dispose()
        print()
        print_table(name, results)
        summary.append((name, results))

    print_overall(f"\noverall, {args.repeat} runs of {len(QUERIES)} queries per backend, ms "
                  f"(goal: p95 <= {GOAL_MS:.0f})", summary)
    print(f"load average afterwards {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
