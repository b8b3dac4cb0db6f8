"""Push benchmark: N connected tabs (python-socketio clients on loopback, each signed in as a demo official),
one event fanned out to all of them (important news for the whole city), delivery latency p50/p95 and the
backend's memory per connected tab.

    .venv/bin/python bench/push.py [--clients 1000] [--redis redis://127.0.0.1:6379/9 --workers 2]

Goal: p95 ≤ 1 s; ≤ 100 KB of backend memory per client. With --redis the states live in Redis too: its memory
per client is reported beside the backend's."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GOVHUB_ENV", "test")


def prepare(db: Path, clients: int) -> tuple[str, list[str], str]:
    """A seeded database; (url, one session cookie per client, the publisher's cookie)."""
    from sqlmodel import Session, select

    from govhub.db import make_engine
    from govhub.demo.city import seed_demo
    from govhub.migrations import upgrade
    from govhub.models import Official
    from govhub.services.identity.auth import do_start_session

    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
        people = session.exec(select(Official).where(Official.active.is_(True), Official.username != "chutich")
                              .order_by(Official.id)).all()
        publisher = session.exec(select(Official).where(Official.username == "chutich")).one()
        cookies = [do_start_session(session, people[i % len(people)], client_ip="127.0.0.1") for i in range(clients)]
        publisher_cookie = do_start_session(session, publisher, client_ip="127.0.0.1")
        session.commit()
    engine.dispose()
    return url, cookies, publisher_cookie


def redis_used_kb(url: str) -> float:
    """Redis's memory in use (kB); 0 without Redis."""
    if not url:
        return 0.0
    import redis

    return redis.Redis.from_url(url).info("memory")["used_memory"] / 1024


async def run(base: str, cookies: list[str], publisher_cookie: str, backend_pid: int, redis_url: str = "") -> dict:
    from govhub.state.messages import MessagesState
    from govhub.state.notifications import NotificationState
    from tests.pushkit import TabClient, bell_key, tree_rss_kb

    warm = TabClient(base, cookies[0])
    await warm.connect()
    ready = warm.expect(lambda d: bell_key(d, "unread") is not None)
    await warm.call(NotificationState, "load")
    await asyncio.wait_for(ready, 60)
    await asyncio.sleep(1)
    rss_before, redis_before = tree_rss_kb(backend_pid), redis_used_kb(redis_url)

    tabs = [TabClient(base, c) for c in cookies[1:]]
    gate = asyncio.Semaphore(50)

    async def join(tab: TabClient) -> None:
        async with gate:
            await tab.connect()
            loaded = tab.expect(lambda d: bell_key(d, "unread") is not None)
            await tab.call(NotificationState, "load")
            await asyncio.wait_for(loaded, 120)

    started = time.perf_counter()
    await asyncio.gather(*(join(t) for t in tabs))
    tabs.insert(0, warm)
    joined = time.perf_counter() - started
    await asyncio.sleep(2)
    rss_after, redis_after = tree_rss_kb(backend_pid), redis_used_kb(redis_url)

    waits = [t.expect(lambda d: bell_key(d, "live") is not None) for t in tabs]
    publisher = TabClient(base, publisher_cookie)
    await publisher.connect()
    ready = publisher.expect(lambda d: (d.get(MessagesState.get_full_name()) or {}).get("news_everyone_rx_state_"))
    for handler, payload in (("load", {}), ("open_new", {"which": "news"}), ("choose_audience", {"value": "all"})):
        await publisher.call(MessagesState, handler, payload, path="/messages")
    await asyncio.wait_for(ready, 60)  # the news form is open, addressed to the whole city
    t0 = time.perf_counter()
    await publisher.call(MessagesState, "publish", {"form": {"title": "Thông báo lịch họp giao ban", "body": ""}},
                         path="/messages")
    arrived = await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), 120)
    latencies = sorted(a - t0 for a in arrived if isinstance(a, float))
    for t in [*tabs, publisher]:
        await t.close()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"clients": len(tabs), "delivered": len(latencies), "join_s": round(joined, 1),
            "p50_ms": round(q[49] * 1000), "p95_ms": round(q[94] * 1000), "max_ms": round(latencies[-1] * 1000),
            "rss_before_mb": round(rss_before / 1024, 1), "rss_after_mb": round(rss_after / 1024, 1),
            "kb_per_client": round((rss_after - rss_before) / max(len(tabs) - 1, 1), 1),
            **({"redis_kb_per_client": round((redis_after - redis_before) / max(len(tabs) - 1, 1), 1)}
               if redis_url else {})}


def main() -> None:
    from tests.netkit import free_port
    from tests.pushkit import start_backend, stop, wait_up

    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--redis", default="")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="govhub-push-bench-"))
    url, cookies, publisher = prepare(tmp / "bench.db", args.clients)
    env = {"GOVHUB_DATABASE_URL": url, "GOVHUB_SCHEDULER_ENABLED": "false", "GOVHUB_WORKERS": str(args.workers)}
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()
        env.update({"GOVHUB_REDIS_URL": args.redis, "REFLEX_REDIS_URL": args.redis})
    port = free_port()
    proc = start_backend(ROOT, port, env, tmp / "backend.log")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base, proc)
        result = asyncio.run(run(base, cookies, publisher, proc.pid, args.redis))
    finally:
        stop(proc)
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    ok = result["p95_ms"] <= 1000 and result["kb_per_client"] <= 100 and result["delivered"] == result["clients"]
    print("goal (p95 ≤ 1 s, ≤ 100 KB/client):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
