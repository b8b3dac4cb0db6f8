"""Guards on the websocket (``/_event``) that Reflex leaves open: which pages may open it (Origin), and how much
one connection may ask (a rate and a queue per connection; a closed connection's queue is dropped), and that an
action the page sends twice (its key seen before: govhub/realtime/once.py) is applied once.

Reflex's ``EventNamespace`` receives each socket message inline (``on_event``) and hands it to the processor's
queue, which runs one tab's events in order. ``install`` swaps in a subclass that meters ``on_event``; the
processor's ``enqueue`` is wrapped to learn the future of each admitted event (so the queue length is known and can
be dropped), and the events Reflex is running tell queued events from the one running. What of this is Reflex's
private API goes through ``reflex_adapter``."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reflex.app import App, EventNamespace

from govhub.api.origins import own_origin
from govhub.config import get_settings
from govhub.realtime.once import get_once, valid_key
from govhub.realtime.reflex_adapter import is_prod_mode, replace_event_namespace, running_events

log = logging.getLogger("govhub.socket")
ONCE_FIELD = "govhub_once"  # where the page puts each action's key (assets/govhub_resilience.jsx)

# The budget of the connection whose message is being admitted right now (set around Reflex's on_event, read by
# the wrapped enqueue; events a handler chains run in another task and are not counted).
_admitting: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("govhub_admitting", default=None)


@dataclass(frozen=True)
class Limits:
    """Per connection: a sustained rate with a burst (a token bucket), and at most ``max_pending`` events queued
    or running. A connection over either is closed and its queue dropped."""

    per_second: float
    burst: int
    max_pending: int

    @classmethod
    def from_settings(cls) -> Limits:
        s = get_settings()
        return cls(per_second=s.socket_events_per_second, burst=s.socket_event_burst,
                   max_pending=s.socket_max_pending)


@dataclass
class Budget:
    """One connection's allowance and its events not yet finished."""

    limits: Limits
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)
    pending: set[asyncio.Future] = field(default_factory=set)
    closed: bool = False

    def __post_init__(self) -> None:
        self.tokens = float(self.limits.burst)

    def admit(self, now: float) -> str | None:
        """None when one more event may go in, else why not ("rate" or "queue")."""
        self.tokens = min(float(self.limits.burst), self.tokens + (now - self.at) * self.limits.per_second)
        self.at = now
        if self.tokens < 1:
            return "rate"
        if len(self.pending) >= self.limits.max_pending:
            return "queue"
        self.tokens -= 1
        return None

    def track(self, future: asyncio.Future) -> None:
        if not future.done():
            self.pending.add(future)
            future.add_done_callback(self.pending.discard)

    def drop(self, running: Callable[[asyncio.Future], bool]) -> int:
        """Cancel the queued events (the one running finishes); how many were dropped."""
        dropped = [f for f in self.pending if not f.done() and not running(f)]
        for future in dropped:
            future.cancel()
        return len(dropped)


class GuardedEventNamespace(EventNamespace):
    """Reflex's event namespace with a budget per connection."""

    def __init__(self, namespace: str, app: App, limits: Limits) -> None:
        super().__init__(namespace, app)
        self.limits = limits
        self._budgets: dict[str, Budget] = {}

    async def on_event(self, sid: str, data: Any) -> None:
        budget = self._budgets.get(sid)
        if budget is None:
            budget = self._budgets[sid] = Budget(self.limits)
        if budget.closed:
            return
        reason = budget.admit(time.monotonic())
        if reason is not None:
            await self._cut(sid, budget, reason)
            return
        if not await _first_time(self.sid_to_token.get(sid), data):
            return
        _track_enqueue(self.app.event_processor)
        mark = _admitting.set(budget)
        try:
            await super().on_event(sid, data)
        finally:
            _admitting.reset(mark)

    def on_disconnect(self, sid: str) -> asyncio.Task | None:
        budget = self._budgets.pop(sid, None)
        if budget is not None:
            budget.drop(self._running)
        return super().on_disconnect(sid)

    def _running(self, future: asyncio.Future) -> bool:
        return getattr(future, "txid", None) in running_events(self.app)

    async def _cut(self, sid: str, budget: Budget, reason: str) -> None:
        budget.closed = True
        dropped = budget.drop(self._running)
        token = self.sid_to_token.get(sid, "")
        log.warning("websocket %s (tab %s) closed: over its event %s limit; %d queued events dropped",
                    sid, token[:8], reason, dropped)
        await self.disconnect(sid)


async def _first_time(token: str | None, data: Any) -> bool:  # noqa: ANN401  (the message as the page sent it)
    """Whether this message is not an action already received from its tab: its key (``router_data.govhub_once``,
    govhub/realtime/once.py) is taken out and checked; messages without one (Reflex's own) always pass."""
    router_data = data.get("router_data") if isinstance(data, dict) else None
    key = router_data.pop(ONCE_FIELD, None) if isinstance(router_data, dict) else None
    if token is None or not valid_key(key):
        return True
    if await get_once().first(token, key):
        return True
    log.info("tab %s sent action %s again: ignored", token[:8], key)
    return False


def _track_enqueue(processor: Any) -> None:  # noqa: ANN401  (Reflex's BaseStateEventProcessor)
    """Wrap the processor's ``enqueue`` once, so an admitted event's future joins its connection's budget."""
    if getattr(processor, "_govhub_tracked", False):
        return
    original = processor.enqueue

    async def enqueue(token: str, event: Any, ev_ctx: Any = None) -> Any:  # noqa: ANN401
        future = await original(token, event, ev_ctx)
        budget = _admitting.get()
        if budget is not None and ev_ctx is None:
            budget.track(future)
        return future

    processor.enqueue = enqueue
    processor._govhub_tracked = True


def _dev_origins() -> tuple[str, ...]:
    """In Reflex's development mode the page comes from Vite on another port (Reflex's ``deploy_url``)."""
    from reflex.config import get_config

    from govhub.api.origins import origin_of

    return () if is_prod_mode() else (origin_of(get_config().deploy_url or ""),)


def origin_allowed(origin: str | None, environ: dict) -> bool:
    """The websocket's Origin check (python-engineio calls it when a browser sends an Origin)."""
    return own_origin(origin, environ.get("HTTP_HOST"), extra=_dev_origins())


def install(app: App, limits: Limits | None = None) -> None:
    """Put the guards on ``app``'s websocket: GovHub's own origin only, and the per-connection budget."""
    if app.sio is None or app.event_namespace is None:
        return
    app.sio.eio.cors_allowed_origins = origin_allowed
    guarded = GuardedEventNamespace(app.event_namespace.namespace, app, limits or Limits.from_settings())
    replace_event_namespace(app, guarded)
