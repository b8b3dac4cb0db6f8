"""A page about one object named in its address (a task, a document) whose actions each open a form in a
dialog: loading the object, the dialog, and an action sent with the version the official saw."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx

from govhub.services.core.errors import NotFound
from govhub.state.base import AppState, guarded
from govhub.state.directory import _path_id


class ActionDialogState(AppState, mixin=True):
    """The object's page state. A state using it says how to load its object (``_load_subject``, which also
    clears ``missing``), forget it (``_forget_subject``), which object and version is loaded (``_subject``)
    and which actions are offered (``_offered``). Its handlers are copied into each state using it, under that
    state's name (``TaskState.open_dialog``...)."""

    missing: bool = False
    dialog: str = ""

    async def _load_subject(self, subject_id: int) -> None:
        raise NotImplementedError

    def _forget_subject(self) -> None:
        raise NotImplementedError

    def _subject(self) -> tuple[int, int]:
        """The id and version of the loaded object (id 0 when none is)."""
        raise NotImplementedError

    def _offered(self) -> Sequence[str]:
        """The actions whose form this official may open."""
        raise NotImplementedError

    @rx.event
    @guarded
    async def load(self):
        """Load the object named in the address."""
        try:
            await self._load_subject(_path_id(self.router.url.path))
        except (ValueError, NotFound) as exc:
            self._forget_subject()
            self.missing = True
            await self._page_refused(exc)

    @rx.event
    @guarded
    async def open_dialog(self, name: str):
        """Open the form for one action (only those offered to this official)."""
        if name not in self._offered():
            raise ValueError("action not offered")
        self.dialog = name

    @rx.event
    @guarded
    async def close_dialog(self, _open: bool = False):
        """Close the action form."""
        self.dialog = ""

    async def _act(self, fn: Callable[..., Any], *args: Any, message: str) -> None:
        """``fn(session, actor, id, version, *args)`` on the loaded object, then show it again (also when refused),
        close the form and say ``message``."""
        subject_id, version = self._subject()
        if subject_id <= 0:
            raise NotFound()
        await self._run_and_reload(subject_id, lambda s, a: fn(s, a, subject_id, version, *args), message)

    async def _run_and_reload(self, subject_id: int, work: Callable[..., Any], message: str) -> None:
        """Run ``work(session, actor)``, then reload object ``subject_id`` (also when refused), close the form and
        say ``message``."""
        try:
            await self._call(work)
        finally:
            await self._load_subject(subject_id)
        self.dialog = ""
        self._toast("success", self._t(message))
