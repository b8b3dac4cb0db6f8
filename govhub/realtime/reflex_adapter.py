"""Every use GovHub makes of Reflex's private parts, in one module, so a Reflex upgrade is checked in one place:
tests/test_reflex_adapter.py exercises each function here against the installed Reflex and names the private API
that changed, and tests/test_layering.py keeps every other module off these names.

What is private here (Reflex 0.10): the suffix a state's delta gives each var (``FIELD_MARKER``), the event
namespace's token manager (which tab is connected, on any worker), a state's root (``_get_root_state``), the app's
event namespace and processor slots and the processor's running events (``_tasks``), the current event's context
(``reflex_base``'s ``EventContext``), and where the production build keeps its pages."""

from __future__ import annotations

from collections.abc import Container
from pathlib import Path
from typing import Any


def delta_key(var: str) -> str:
    """The key a var has in a state's delta as the browser receives it."""
    from reflex_base.constants.state import FIELD_MARKER

    return var + FIELD_MARKER


async def emit_vars(app: Any, token: str, state_cls: type, values: dict[str, Any]) -> None:  # noqa: ANN401
    """Send new values of ``state_cls``'s vars straight to the tab ``token``, without loading its state."""
    from reflex.state import StateUpdate

    delta = {state_cls.get_full_name(): {delta_key(k): v for k, v in values.items()}}
    await app.event_namespace.emit_update(StateUpdate(delta=delta), token)


async def is_connected(app: Any, token: str) -> bool:  # noqa: ANN401
    """Whether the tab ``token`` has a websocket open (on this worker or, with Redis, on any)."""
    manager = getattr(getattr(app, "event_namespace", None), "_token_manager", None)
    if manager is None:
        return False
    return await manager.is_token_connected(token)


def root_state(state: Any) -> Any:  # noqa: ANN401
    """The root of ``state``'s tree (the tab's whole state)."""
    return state._get_root_state()


def replace_event_namespace(app: Any, namespace: Any) -> None:  # noqa: ANN401
    """Make ``namespace`` (a subclass of Reflex's ``EventNamespace``) the one the app's websocket uses."""
    app._event_namespace = namespace
    app.sio.register_namespace(namespace)


OVERLAY_WRAP = (5, "Overlay")  # where Reflex puts its connection toast among the components wrapping every page


def replace_overlay(app: Any, overlay: Any) -> None:  # noqa: ANN401
    """Put ``overlay`` (a function of ``stateful`` returning a component) where Reflex draws its connection toast."""
    app.app_wraps[OVERLAY_WRAP] = overlay


def running_events(app: Any) -> Container[str]:  # noqa: ANN401
    """The transaction ids of the events the app's processor is running now (empty before it starts)."""
    processor = app._event_processor
    return processor._tasks if processor is not None else ()


def current_event_ids() -> tuple[str, str | None]:
    """The id of the event being processed and of the event that chained it (None for one the browser sent);
    raises LookupError outside an event."""
    from reflex_base.event.context import EventContext

    ctx = EventContext.get()
    return ctx.txid, ctx.parent_txid


def is_prod_mode() -> bool:
    """Whether Reflex runs its production build (one port) rather than the development servers."""
    from reflex.utils.exec import is_prod_mode as prod

    return prod()


def frontend_build_dir() -> Path:
    """Where Reflex's production build keeps the pages it serves."""
    from reflex.utils import prerequisites
    from reflex_base import constants
    from reflex_base.config import get_config

    static = prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")
    return static.resolve()
