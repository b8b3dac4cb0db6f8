"""Across workers: two backend processes share Redis (Reflex's Redis state manager and token manager, GovHub's
tab registry). The City chairman assigns on worker 1; the ward chairman's tab, connected to worker 2, gets
its bell updated live."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.serverkit import NO_REDIS, redis_answers, redis_url
from tests.statekit import run

pytest.importorskip("socketio")
REDIS = redis_url()
pytestmark = pytest.mark.skipif(not redis_answers(), reason=NO_REDIS)


def _private_redis_url() -> str:
    """A Redis database of this test's own (flushed before use), so nothing else's keys are touched."""
    base = REDIS.rsplit("/", 1)[0] if REDIS.count("/") > 2 else REDIS
    return f"{base}/9"


def test_a_notification_made_on_one_worker_reaches_a_tab_on_the_other(tmp_path: Path) -> None:
    import redis
    from sqlmodel import Session, select

    from govhub.db import make_engine
    from govhub.demo.city import seed_demo
    from govhub.migrations import upgrade
    from govhub.models import Official
    from govhub.services.identity.auth import do_start_session
    from govhub.state.notifications import NotificationState
    from govhub.state.tasks import AssignState
    from tests.netkit import free_ports
    from tests.pushkit import ROOT, TabClient, bell_key, start_backend, stop, wait_up

    url = f"sqlite:///{tmp_path / 'push.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
        leader = session.exec(select(Official).where(Official.username == "chutich")).one()
        chairman = session.exec(select(Official).where(Official.username == "ct.saigon")).one()
        saigon_unit = chairman.unit_id
        leader_cookie = do_start_session(session, leader, client_ip="127.0.0.1")
        chairman_cookie = do_start_session(session, chairman, client_ip="127.0.0.1")
        session.commit()
    engine.dispose()
    redis_url = _private_redis_url()
    redis.Redis.from_url(redis_url).flushdb()
    env = {"GOVHUB_DATABASE_URL": url, "GOVHUB_REDIS_URL": redis_url, "REFLEX_REDIS_URL": redis_url,
           "GOVHUB_SCHEDULER_ENABLED": "false"}
    ports = free_ports(2)
    procs = [start_backend(ROOT, p, env, tmp_path / f"worker{i}.log") for i, p in enumerate(ports, 1)]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_up(f"http://127.0.0.1:{port}", proc)

        async def scenario() -> float:
            one = TabClient(f"http://127.0.0.1:{ports[0]}", leader_cookie)
            two = TabClient(f"http://127.0.0.1:{ports[1]}", chairman_cookie)
            await one.connect()
            await two.connect()
            loaded = two.expect(lambda d: bell_key(d, "unread") is not None)
            await two.call(NotificationState, "load")
            await asyncio.wait_for(loaded, 20)
            before = [bell_key(d, "unread") for _, d in two.updates if bell_key(d, "unread") is not None][-1]
            rung = two.expect(lambda d: (bell_key(d, "unread") or 0) > before)
            await one.call(AssignState, "load", path="/assign")
            await one.call(AssignState, "toggle", {"unit_id": saigon_unit}, path="/assign")
            start = time.perf_counter()
            await one.call(AssignState, "confirm", {"form": {
                "source": "city_pc", "number": "77/TB-VP", "summary": "", "title": "Qua hai worker",
                "content": "", "deadline": "", "priority": "normal"}}, path="/assign")
            arrived = await asyncio.wait_for(rung, 15)
            await one.close()
            await two.close()
            return arrived - start

        took = run(scenario())  # off the loop a browser test may leave running
        assert took < 5
    finally:
        for proc in procs:
            stop(proc)
        for i in (1, 2):
            log = tmp_path / f"worker{i}.log"
            if log.exists():
                print(f"--- worker{i}.log (tail)\n" + "\n".join(log.read_text().splitlines()[-15:]))
