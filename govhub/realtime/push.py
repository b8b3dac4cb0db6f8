"""Live push: after a transaction that wrote notification rows commits, every open browser of every recipient
gets its bell (and an open conversation its new messages) without a reload.

The services call ``notifications.listeners`` after commit, possibly from a worker thread; we hop onto the app's
event loop and change each recipient tab's state with ``app.modify_state``. Which tabs belong to whom comes from
the registry (Redis with several workers); a tab connected to another worker is reached through Reflex's Redis
token manager, which hands the update to the worker holding the websocket (its "lost and found" pub/sub)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from govhub.db import session_scope
from govhub.realtime.registry import get_registry
from govhub.services import notifications, push

log = logging.getLogger("govhub.realtime")

_app = None
_loop: asyncio.AbstractEventLoop | None = None
_pending: set[asyncio.Task] = set()
CONCURRENCY = 64


def _on_notified(official_ids: set[int]) -> None:
    """The services' after-commit listener (any thread)."""
    loop = _loop
    if loop is None or loop.is_closed():
        return
    ids = set(official_ids)
    with contextlib.suppress(RuntimeError):  # the loop is shutting down
        loop.call_soon_threadsafe(_start, ids)


def _start(ids: set[int]) -> None:
    task = asyncio.ensure_future(push_to(ids))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _connected(token: str) -> bool:
    manager = getattr(getattr(_app, "event_namespace", None), "_token_manager", None)
    if manager is None:
        return False
    return await manager.is_token_connected(token)


async def push_to(official_ids: set[int]) -> int:
    """Refresh the bell of every open tab of these officials; returns how many tabs were reached."""
    if _app is None or not official_ids:
        return 0
    registry = get_registry()
    tokens = await registry.tokens_for(set(official_ids))
    if not tokens:
        return 0

    def load() -> dict:
        with session_scope() as session:
            return push.summaries(session, set(tokens))

    summary = await asyncio.to_thread(load)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(official_id: int, token: str) -> bool:
        async with gate:
            if not await _connected(token):
                await registry.forget(token)
                return False
            try:
                await _push_token(token, official_id, summary.get(official_id, (0, [])))
            except Exception:  # noqa: BLE001  (one tab's failure must not stop the others)
                log.exception("push to a tab failed")
                return False
            return True

    results = await asyncio.gather(*(one(o, t) for o, ts in tokens.items() for t in ts))
    return sum(results)


async def _push_token(token: str, official_id: int, summary: tuple) -> None:
    import reflex as rx

    from govhub.state.messages import MessagesState
    from govhub.state.notifications import NotificationState

    async with _app.modify_state(rx.BaseStateToken(ident=token, cls=NotificationState)) as root:
        bell = await root.get_state(NotificationState)
        if bell._owner_id != official_id:  # the tab now belongs to someone else, or signed out
            return
        bell._apply_push(*summary)
        if any(n.kind == "news" for n in summary[1]):
            await bell._reload_news(official_id)
        conversations = {n.link for n in summary[1] if n.link.startswith("/messages/")}
        if conversations:
            chat = await root.get_state(MessagesState)
            await chat._on_push(official_id, conversations)


@contextlib.asynccontextmanager
async def lifespan(app) -> AsyncIterator[None]:  # noqa: ANN001
    """Registered on the app: capture the loop and listen for committed notifications while it runs."""
    global _app, _loop
    _app, _loop = app, asyncio.get_running_loop()
    notifications.listeners.append(_on_notified)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            notifications.listeners.remove(_on_notified)
        _loop = None
