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
from govhub.realtime import reflex_adapter
from govhub.realtime.registry import get_registry
from govhub.services.core import notifications
from govhub.services.messaging import bell as push

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

    async def one(official_id: int, token: str, locale: str) -> bool:
        async with gate:
            if not await reflex_adapter.is_connected(_app, token):
                await registry.forget(token)
                return False
            unread, newest = summary.get(official_id, (0, []))
            try:
                if newest and newest[0].link.startswith("/messages/"):
                    await _push_state(token, official_id, unread, newest)  # an open conversation may need it
                else:
                    await _push_delta(token, unread, newest, locale)
            except Exception:  # noqa: BLE001  (one tab's failure must not stop the others)
                log.exception("push to a tab failed")
                return False
            return True

    results = await asyncio.gather(*(one(o, t, loc) for o, tabs in tokens.items() for t, loc in tabs))
    return sum(results)


async def _push_delta(token: str, unread: int, newest: list, locale: str) -> None:
    """The cheap path (task news, reminders, important news): the bell's new values sent straight to the tab,
    without loading its state (the state catches up on its next refresh, which sets every bell var)."""
    from dataclasses import asdict

    from govhub.state.notifications import LIMIT, NotificationState

    await reflex_adapter.emit_vars(_app, token, NotificationState, {
        "unread": unread, "items": [asdict(push.render(n, locale)) for n in newest[:LIMIT]],
        "live": max((n.id for n in newest), default=0)})


async def _push_state(token: str, official_id: int, unread: int, newest: list) -> None:
    """Messages: through the tab's state, so an open conversation shows the new message too."""
    import reflex as rx

    from govhub.state.messages import MessagesState
    from govhub.state.notifications import NotificationState

    async with _app.modify_state(rx.BaseStateToken(ident=token, cls=NotificationState)) as root:
        bell = await root.get_state(NotificationState)
        if bell._owner_id != official_id:  # the tab now belongs to someone else, or signed out
            return
        bell._apply_push(unread, newest)
        links = {n.link for n in newest[:5] if n.read_at is None and n.link.startswith("/messages/")}
        if links:
            chat = await root.get_state(MessagesState)
            await chat._on_push(official_id, links)


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
