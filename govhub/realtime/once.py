"""At most once: every action a page sends carries a key of its own (made in the browser,
assets/govhub_resilience.jsx), and the server lets each key of a tab through once. An action sent just before a
connection dropped, and sent again over the next connection, is applied once.

The keys a tab sent recently are kept per tab (its Reflex client token) for ``TTL_SECONDS``: in memory for the
embedded deployment (one worker), in Redis (``SET NX EX``) when GovHub has one, since a reconnecting tab may land
on another worker."""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from functools import lru_cache

from govhub.config import get_settings

TTL_SECONDS = 15 * 60
PER_TAB = 512  # the keys one tab may have in flight within the TTL (memory store); older ones are forgotten first
SWEEP_SECONDS = 60  # how often the memory store forgets closed tabs
PREFIX = "govhub:once"
KEY = re.compile(r"[0-9a-f]{16,32}")


def valid_key(key: object) -> bool:
    """Whether ``key`` looks like a key the page makes (anything else is ignored, never stored)."""
    return isinstance(key, str) and KEY.fullmatch(key) is not None


class MemoryOnce:
    """One worker: the keys of each tab, newest last, with when they expire."""

    def __init__(self, ttl: float = TTL_SECONDS, per_tab: int = PER_TAB) -> None:
        self.ttl, self.per_tab = ttl, per_tab
        self._tabs: dict[str, OrderedDict[str, float]] = {}
        self._next_sweep = 0.0

    async def first(self, tab: str, key: str) -> bool:
        """True the first time ``key`` is seen for ``tab`` within the TTL, False after."""
        now = time.monotonic()
        seen = self._tabs.setdefault(tab, OrderedDict())
        while seen and next(iter(seen.values())) <= now:  # expired keys sit at the front
            seen.popitem(last=False)
        if key in seen:
            return False
        seen[key] = now + self.ttl
        while len(seen) > self.per_tab:
            seen.popitem(last=False)
        self._sweep(now)
        return True

    def _sweep(self, now: float) -> None:
        """Forget tabs whose keys have all expired (closed tabs), once a minute at most."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_SECONDS
        for tab in [t for t, seen in self._tabs.items() if not seen or next(reversed(seen.values())) <= now]:
            del self._tabs[tab]


class RedisOnce:
    """Several workers: one expiring Redis key per action."""

    def __init__(self, url: str, ttl: int = TTL_SECONDS) -> None:
        import redis.asyncio as aioredis

        self.ttl = ttl
        self._redis = aioredis.from_url(url)

    async def first(self, tab: str, key: str) -> bool:
        """True the first time ``key`` is seen for ``tab`` within the TTL, False after."""
        return bool(await self._redis.set(f"{PREFIX}:{tab}:{key}", 1, nx=True, ex=self.ttl))


@lru_cache
def get_once() -> MemoryOnce | RedisOnce:
    """The store for this process's configuration."""
    url = get_settings().redis_url
    return RedisOnce(url) if url else MemoryOnce()
