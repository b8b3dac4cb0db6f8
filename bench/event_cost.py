"""Benchmark of the fixed cost of one event from a signed-in browser, on SQLite and PostgreSQL.

What it measures
    Every event handler of a signed-in page runs behind ``guarded`` (govhub/state/base.py): it finds the official
    behind the session cookie, then the handler asks the services through ``AppState._call``. This script calls
    handlers through the state machinery as the websocket would (a state tree per browser with the session cookie
    in its handshake headers, tests/statekit.py) and times, in milliseconds:

    - ``guard only``: a guarded handler that does nothing (what every event pays before its own work);
    - ``guard + 1 call``: a guarded handler making one service call that does nothing (the fixed cost of an event
      that reads or writes something: identity, transaction, thread hop);
    - ``inbox event``: the home page's inbox handler (``InboxState.load``) for a specialist of Phường Sài Gòn;
    - ``inbox query``: ``services.inbox.inbox`` for the same official, in a fresh session, called directly (the
      page's own work); ``inbox event`` minus this is the per-event fixed cost.

    Each case: ``--warm-up`` untimed rounds, then ``--repeat`` timed ones; p50, p95 and mean wall time.

How to run
    .venv/bin/python bench/event_cost.py                                      # SQLite (a temp file, seeded)
    GOVHUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/govhub_bench_events \\
        .venv/bin/python bench/event_cost.py                                  # SQLite and PostgreSQL

    The database is migrated and the demo city seeded when empty; the PostgreSQL database must exist and hold
    nothing but GovHub's tables. Each backend runs in a process of its own (the engine is made once per process).

Timings are wall-clock (``time.perf_counter``) on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._kit import add_backend_args, backends, load_average, percentile  # noqa: E402


def measure(url: str, warm_up: int, repeat: int, pre_ping: bool) -> dict[str, list[float]]:
    """Time every case on the database at ``url`` (run in a process whose settings point there)."""
    os.environ["GOVHUB_DATABASE_URL"] = url
    os.environ.setdefault("GOVHUB_ENV", "test")
    from sqlmodel import select

    if pre_ping:  # what a ping on every checkout of a pooled connection costs (PostgreSQL only)
        import functools

        import govhub.db

        govhub.db.create_engine = functools.partial(govhub.db.create_engine, pool_pre_ping=True)

    from govhub import clock
    from govhub.db import session_scope
    from govhub.demo.city import seed_demo
    from govhub.migrations import upgrade
    from govhub.models import Official
    from govhub.services.identity.auth import do_start_session
    from govhub.services.tasks import inbox
    from govhub.state.base import AppState, guarded
    from govhub.state.tasks import InboxState
    from tests.statekit import call, make_root, substate

    upgrade(url)
    with session_scope() as session:
        seed_demo(session)
        official = session.exec(select(Official).where(Official.username == "cv.saigon")).one()
        token = do_start_session(session, official)

    async def nothing(self: AppState) -> None:
        return None

    async def one_call(self: AppState) -> None:
        await self._call(lambda _session, _actor: None)

    guard_only, guard_call = guarded(nothing), guarded(one_call)

    def query() -> None:
        with session_scope() as session:
            inbox.inbox(session, session.get(Official, official.id), clock.today())

    async def run_all() -> dict[str, list[float]]:
        root = make_root(token)
        state = substate(root, InboxState)
        cases: dict[str, Callable[[], Awaitable[object]]] = {
            "guard only": lambda: guard_only(state),
            "guard + 1 call": lambda: guard_call(state),
            "inbox event": lambda: call(root, InboxState, "load"),
            "inbox query": lambda: asyncio.to_thread(query),
        }
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(warm_up):
            for fn in cases.values():
                await fn()
        for _ in range(repeat):
            for name, fn in cases.items():  # round robin: a burst of load elsewhere hits every case alike
                started = time.perf_counter()
                await fn()
                timings[name].append((time.perf_counter() - started) * 1000)
        assert state.loaded, "the inbox did not load"
        return timings

    return asyncio.run(run_all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_backend_args(parser, "govhub-bench-events.db")
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--pre-ping", action="store_true", help="ping the database on every pool checkout")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.warm_up, args.repeat, args.pre_ping)))
        return
    print(f"load average before: {load_average()}")
    print(f"{'backend':<10} {'case':<16} {'p50':>7} {'p95':>7} {'mean':>7}")
    for name, url in backends(args):
        child = [sys.executable, __file__, "--child", url, "--warm-up", str(args.warm_up), "--repeat", str(args.repeat)]
        out = subprocess.run(child + (["--pre-ping"] if args.pre_ping else []), capture_output=True, text=True,
                             check=True)
        timings = json.loads(out.stdout.strip().splitlines()[-1])
        for case, ms in timings.items():
            print(f"{name:<10} {case:<16} {percentile(ms, 50):7.2f} {percentile(ms, 95):7.2f} "
                  f"{statistics.fmean(ms):7.2f}")
        fixed = statistics.median(timings["inbox event"]) - statistics.median(timings["inbox query"])
        print(f"{name:<10} {'fixed per event':<16} {fixed:7.2f}  (inbox event p50 - inbox query p50)")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
