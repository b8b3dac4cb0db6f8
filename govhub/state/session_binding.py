"""A tab's state belongs to one session: a Reflex middleware that, before every event of a tab (the hydration
that sends the whole state included), lets AppState forget everything when the connection carries another
session than the state was made for (AppState._bind_session)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reflex.middleware import Middleware

from govhub.realtime.reflex_adapter import root_state
from govhub.state.base import AppState

if TYPE_CHECKING:
    from reflex.app import App
    from reflex.event import Event
    from reflex.state import BaseState, StateUpdate


class SessionBinding(Middleware):
    """Runs first on every event; never answers in the event's place."""

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:  # noqa: ARG002
        root = root_state(state)
        await (await root.get_state(AppState))._bind_session()
        return None
