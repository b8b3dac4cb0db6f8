"""Drive Reflex state classes directly, as the websocket would: a fresh state tree per client,
the handshake's headers (cookie) set by the test, and any handler called with any arguments."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import reflex as rx

import govhub.govhub  # noqa: F401  (registers every state class)
from govhub.services.identity.auth import COOKIE_NAME

T = TypeVar("T")


def app_states() -> Iterator[type[rx.State]]:
    """Every state class of GovHub (Reflex's own internal states are left out)."""

    def walk(cls: type[rx.State]) -> Iterator[type[rx.State]]:
        for sub in cls.get_substates():
            if sub.__module__.startswith("govhub"):
                yield sub
            yield from walk(sub)

    yield from walk(rx.State)


def handler_names(cls: type[rx.State]) -> list[str]:
    """The handlers a browser can call on ``cls`` (its own, not inherited ones)."""
    own = []
    for name in cls.event_handlers:
        if name == "setvar" or name in vars(cls) or any(name in vars(b) for b in cls.__mro__[:1]):
            own.append(name)
    return own


def make_root(token: str | None = None, ip: str = "127.0.0.1", path: str = "/") -> rx.State:
    """A fresh state tree for one browser, signed in when ``token`` is a live session cookie, on page ``path``."""
    root = rx.State(_reflex_internal_init=True)
    cookie = f"{COOKIE_NAME}={token}" if token else ""
    # The page's address is read from "asPath" (router.url); "pathname" is the route pattern.
    data = {"headers": {"cookie": cookie}, "pathname": path, "asPath": path, "query": {}, "token": "test-token",
            "sid": "sid", "ip": ip}
    root.router_data = data
    root._update_router_vars(data, {})
    return root


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end from synchronous test code, also when an event loop is already running in
    this thread (Playwright's sync API keeps one running for the whole session once a browser test started)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def substate(root: rx.State, cls: type[rx.State]) -> rx.State:
    """The instance of ``cls`` in ``root``'s tree."""
    return root.get_substate(cls.get_full_name().split(".")[1:])


async def call(root: rx.State, cls: type[rx.State], name: str, /, *args: Any, **kwargs: Any) -> list:
    """Call handler ``name`` of ``cls`` like an event would; return the events it asked for."""
    state = substate(root, cls)
    fn = cls.event_handlers[name].fn
    result = fn(state, *args, **kwargs)
    events: list = []
    if inspect.isasyncgen(result):
        async for item in result:
            events.append(item)
    elif inspect.isawaitable(result):
        events.append(await result)
    else:
        events.append(result)
    flat: list = []
    for e in events:
        if isinstance(e, list | tuple):
            flat.extend(e)
        elif e is not None:
            flat.append(e)
    return flat


def is_login_redirect(event: Any) -> bool:
    """Whether ``event`` sends the browser to the sign-in page."""
    text = str(event)
    return "_redirect" in text and "/login" in text
