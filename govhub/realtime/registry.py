"""Which official has which open browser tabs (Reflex client tokens).

With several backend workers each worker sees only its own websockets, so the registry lives in Redis when
GovHub has one (``GOVHUB_REDIS_URL``); the embedded deployment (one worker) keeps it in memory."""

from __future__ import annotations

import time
from functools import lru_cache

from govhub.config import get_settings

TTL_SECONDS = 24 * 3600
PREFIX = "govhub:push"


class MemoryRegistry:
    """One worker: a dict is the whole truth."""

    def __init__(self) -> None:
        self._by_official: dict[int, dict[str, tuple[float, str]]] = {}
        self._owner: dict[str, int] = {}

    async def register(self, official_id: int, token: str, locale: str = "vi") -> None:
        previous = self._owner.get(token)
        if previous is not None and previous != official_id:
            self._by_official.get(previous, {}).pop(token, None)
        self._owner[token] = official_id
        self._by_official.setdefault(official_id, {})[token] = (time.time(), locale)

    async def forget(self, token: str) -> None:
        official_id = self._owner.pop(token, None)
        if official_id is not None:
            self._by_official.get(official_id, {}).pop(token, None)

    async def official_of(self, token: str) -> int | None:
        """The official whose tab this is, if the tab is known."""
        return self._owner.get(token)

    async def tokens_for(self, official_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
        """Each official's open tabs as (client token, the tab's language)."""
        cutoff = time.time() - TTL_SECONDS
        return {o: [(t, loc) for t, (seen, loc) in self._by_official.get(o, {}).items() if seen >= cutoff]
                for o in official_ids if self._by_official.get(o)}

    async def count(self) -> int:
        return len(self._owner)


class RedisRegistry:
    """Several workers: a hash per official (token → the tab's language), and each token's official, in Redis
    (expiring)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self._url = url
        self._redis = aioredis.from_url(url)

    @staticmethod
    def _official_key(official_id: int) -> str:
        return f"{PREFIX}:o:{official_id}"

    @staticmethod
    def _token_key(token: str) -> str:
        return f"{PREFIX}:t:{token}"

    async def register(self, official_id: int, token: str, locale: str = "vi") -> None:
        previous = await self._redis.getset(self._token_key(token), official_id)
        pipe = self._redis.pipeline()
        if previous is not None and int(previous) != official_id:
            pipe.hdel(self._official_key(int(previous)), token)
        pipe.expire(self._token_key(token), TTL_SECONDS)
        pipe.hset(self._official_key(official_id), token, locale)
        pipe.expire(self._official_key(official_id), TTL_SECONDS)
        await pipe.execute()

    async def forget(self, token: str) -> None:
        previous = await self._redis.getdel(self._token_key(token))
        if previous is not None:
            await self._redis.hdel(self._official_key(int(previous)), token)

    async def official_of(self, token: str) -> int | None:
        """The official whose tab this is, if the tab is known."""
        found = await self._redis.get(self._token_key(token))
        return int(found) if found is not None else None

    async def tokens_for(self, official_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
        """Each official's open tabs as (client token, the tab's language)."""
        ids = sorted(official_ids)
        pipe = self._redis.pipeline()
        for o in ids:
            pipe.hgetall(self._official_key(o))
        found = await pipe.execute()
        return {o: sorted((t.decode(), loc.decode()) for t, loc in tabs.items())
                for o, tabs in zip(ids, found, strict=True) if tabs}

    async def count(self) -> int:
        n = 0
        async for _ in self._redis.scan_iter(match=f"{PREFIX}:t:*", count=1000):
            n += 1
        return n


@lru_cache
def get_registry() -> MemoryRegistry | RedisRegistry:
    """The registry for this process's configuration."""
    url = get_settings().redis_url
    return RedisRegistry(url) if url else MemoryRegistry()
