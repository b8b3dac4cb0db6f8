"""What the benchmarks share: wall-clock timing, the nearest-rank percentile, the SQL a call sends and its
replay on a raw connection (the floor), the backends to run on, and the overall table."""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

from govhub.db import normalize_url

Statements = list[tuple[str, object]]


class Timings(Protocol):
    """One timed call: its result's size, and its app and floor timings in milliseconds."""

    total: int
    app_ms: list[float]
    floor_ms: list[float]


T = TypeVar("T", bound=Timings)


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def timed(fn: Callable[[], object]) -> float:
    """How long ``fn()`` took, in milliseconds."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def captured_sql(engine: Engine, fn: Callable[[], object]) -> Statements:
    """The statements and parameters ``fn()`` sends to the database through ``engine`` (executemany left out)."""
    sent: Statements = []

    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:  # noqa: ANN001
        if not executemany:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def replay(dbapi_conn, statements: Statements) -> None:  # noqa: ANN001
    """Run the captured statements on a raw DB-API connection and fetch every row."""
    cur = dbapi_conn.cursor()
    for statement, parameters in statements:
        cur.execute(statement, parameters)
        cur.fetchall()
    cur.close()
    dbapi_conn.rollback()


def time_with_floor(engine: Engine, items: Sequence[T], call: Callable[[T], int], *, warm_up: int,
                    repeat: int) -> None:
    """Time ``call(item)`` (which returns the item's total) and, as its floor, the SQL it sends replayed on a raw
    connection: ``warm_up`` untimed rounds (caches, statement compilation, the database's page cache), then
    ``repeat`` timed ones, round robin, so that a burst of load elsewhere hits every item alike."""
    sql = [captured_sql(engine, lambda item=item: call(item)) for item in items]
    raw = engine.raw_connection()
    try:
        for item, statements in zip(items, sql, strict=True):
            for _ in range(warm_up):
                item.total = call(item)
                replay(raw, statements)
        for _ in range(repeat):
            for item, statements in zip(items, sql, strict=True):
                item.app_ms.append(timed(lambda item=item: call(item)))
                item.floor_ms.append(timed(lambda s=statements: replay(raw, s)))
    finally:
        raw.close()


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def add_backend_args(parser: argparse.ArgumentParser, sqlite_file: str) -> None:
    """``--sqlite`` (a file in the temp folder by default, '' to skip) and ``--postgres``."""
    parser.add_argument("--sqlite", default=str(Path(tempfile.gettempdir()) / sqlite_file),
                        help="SQLite file to use (made and seeded if missing); '' to skip SQLite")
    parser.add_argument("--postgres", default=os.environ.get("GOVHUB_BENCH_POSTGRES_URL"),
                        help="PostgreSQL URL (default $GOVHUB_BENCH_POSTGRES_URL; skipped if unset)")


def backends(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(name, URL) of each backend asked for by ``add_backend_args``' options."""
    found = []
    if args.sqlite:
        found.append(("sqlite", f"sqlite:///{Path(args.sqlite).resolve()}"))
    if args.postgres:
        found.append(("postgresql", normalize_url(args.postgres)))
    else:
        print("PostgreSQL skipped: pass --postgres URL or set GOVHUB_BENCH_POSTGRES_URL")
    return found


def print_overall(title: str, summary: list[tuple[str, Sequence[Timings]]]) -> None:
    """The overall figures per backend, over all its timed items."""
    print(title)
    print(f"{'backend':<10} {'p50':>7} {'p95':>7} {'max':>7} {'floor p50':>10} {'floor p95':>10} {'mean':>7}")
    for name, items in summary:
        app = [t for item in items for t in item.app_ms]
        floor = [t for item in items for t in item.floor_ms]
        print(f"{name:<10} {percentile(app, 50):7.1f} {percentile(app, 95):7.1f} {max(app):7.1f} "
              f"{percentile(floor, 50):10.1f} {percentile(floor, 95):10.1f} {statistics.fmean(app):7.1f}")
