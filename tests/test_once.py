"""At most once: a tab's action key passes the first time only, in memory and in Redis, and the websocket guard
takes the key out of the message before Reflex sees it."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest

from govhub.realtime import once
from govhub.realtime.once import MemoryOnce, RedisOnce, valid_key
from govhub.realtime.socket_guard import ONCE_FIELD, _first_time
from tests.serverkit import NO_REDIS, redis_answers, redis_url


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.run(coro)


def key() -> str:
    return secrets.token_hex(12)


def test_a_key_passes_once_per_tab() -> None:
    store, k = MemoryOnce(), key()
    assert run(store.first("tab-a", k))
    assert not run(store.first("tab-a", k))
    assert run(store.first("tab-b", k))  # another tab's key space


def test_a_key_passes_again_after_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    store, k, now = MemoryOnce(ttl=10), key(), [1000.0]
    monkeypatch.setattr(once.time, "monotonic", lambda: now[0])
    assert run(store.first("tab", k))
    now[0] += 9
    assert not run(store.first("tab", k))
    now[0] += 2
    assert run(store.first("tab", k))


def test_a_tab_keeps_a_bounded_number_of_keys() -> None:
    store = MemoryOnce(per_tab=3)
    keys = [key() for _ in range(5)]
    for k in keys:
        assert run(store.first("tab", k))
    assert len(store._tabs["tab"]) == 3
    assert not run(store.first("tab", keys[-1]))
    assert run(store.first("tab", keys[0]))  # the oldest was forgotten first


def test_closed_tabs_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    store, now = MemoryOnce(ttl=5), [0.0]
    monkeypatch.setattr(once.time, "monotonic", lambda: now[0])
    for i in range(100):
        run(store.first(f"tab-{i}", key()))
    now[0] += 10
    run(store.first("tab-0", key()))  # within a minute of the last sweep: nothing is swept yet
    assert len(store._tabs) == 100
    now[0] += once.SWEEP_SECONDS
    run(store.first("fresh", key()))
    assert list(store._tabs) == ["fresh"]


@pytest.mark.parametrize("bad", [None, 1, "", "xyz", "A" * 24, "0" * 15, "0" * 33, ["0" * 24]])
def test_only_keys_the_page_makes_count(bad: object) -> None:
    assert not valid_key(bad)
    assert valid_key(key())


def test_the_guard_takes_the_key_out_and_drops_a_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryOnce()
    monkeypatch.setattr(once, "get_once", lambda: store)
    monkeypatch.setattr("govhub.realtime.socket_guard.get_once", lambda: store)
    k = key()

    def message() -> dict:
        return {"name": "x.y", "payload": {}, "router_data": {"pathname": "/", ONCE_FIELD: k}}

    first = message()
    assert run(_first_time("tab", first))
    assert ONCE_FIELD not in first["router_data"]  # Reflex never sees it (no change of router data per event)
    assert not run(_first_time("tab", message()))
    assert run(_first_time("other-tab", message()))
    assert run(_first_time("tab", {"name": "x.y", "router_data": {"pathname": "/"}}))  # no key: Reflex's own
    assert run(_first_time("tab", {"name": "x.y", "router_data": {ONCE_FIELD: "not-a-key"}}))
    assert run(_first_time("tab", "a string message"))
    assert run(_first_time(None, message()))


@pytest.mark.skipif(not redis_answers(), reason=NO_REDIS)
def test_redis_lets_a_key_through_once_and_forgets_it_in_time() -> None:
    async def scenario() -> None:
        store, k, tab = RedisOnce(redis_url(), ttl=1), key(), f"test-{key()}"
        assert await store.first(tab, k)
        assert not await store.first(tab, k)
        assert await store.first(f"{tab}-b", k)
        time.sleep(1.2)
        assert await store.first(tab, k)
        await store._redis.aclose()

    run(scenario())
