"""The Reflex private API GovHub relies on, each checked against the installed Reflex through
govhub/realtime/reflex_adapter.py (the one module allowed to touch it). A failure names the API a Reflex upgrade
changed, so the adapter is fixed in one place."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest
import reflex as rx
from reflex.app import EventNamespace
from reflex_base.event.processor.event_processor import EventProcessor

from govhub.components import resilience
from govhub.govhub import app
from govhub.realtime import reflex_adapter
from govhub.state.notifications import NotificationState
from tests.statekit import make_root, run, substate


def changed(api: str, what: str) -> str:
    return f"Reflex changed {api}: {what}. Update govhub/realtime/reflex_adapter.py (and this test) for the new Reflex."


def test_a_states_delta_names_its_vars_as_delta_key_says() -> None:
    root = make_root()
    bell = substate(root, NotificationState)
    bell.unread = 7
    delta = root.get_delta()
    mine = delta.get(NotificationState.get_full_name(), {})
    assert mine.get(reflex_adapter.delta_key("unread")) == 7, changed(
        "reflex_base.constants.state.FIELD_MARKER (the suffix of a var in a state's delta)", f"the delta was {mine}")


def test_emit_vars_sends_a_state_update_through_the_event_namespace() -> None:
    sent: list = []

    async def emit_update(update: object, token: str) -> None:
        sent.append((update, token))

    app = SimpleNamespace(event_namespace=SimpleNamespace(emit_update=emit_update))
    run(reflex_adapter.emit_vars(app, "tab-1", NotificationState, {"unread": 2}))
    [(update, token)] = sent
    assert token == "tab-1"
    assert update.delta == {NotificationState.get_full_name(): {reflex_adapter.delta_key("unread"): 2}}, changed(
        "reflex.state.StateUpdate", "it no longer carries the delta it was given")
    assert "update" in inspect.signature(EventNamespace.emit_update).parameters, changed(
        "EventNamespace.emit_update", "its signature")


def test_the_event_namespace_keeps_a_token_manager_that_knows_connected_tabs() -> None:
    namespace = app.event_namespace  # GovHub's guarded subclass of Reflex's EventNamespace
    assert isinstance(namespace, EventNamespace)
    manager = getattr(namespace, "_token_manager", None)
    assert manager is not None and inspect.iscoroutinefunction(getattr(manager, "is_token_connected", None)), \
        changed("EventNamespace._token_manager.is_token_connected", "no such coroutine")
    assert run(reflex_adapter.is_connected(app, "no-such-tab")) is False
    assert isinstance(namespace.sid_to_token, dict), changed("EventNamespace.sid_to_token", "not a mapping")
    for method in ("on_event", "on_disconnect", "disconnect"):  # what socket_guard's subclass overrides or calls
        assert callable(getattr(EventNamespace, method, None)), changed(f"EventNamespace.{method}", "missing")


def test_the_connection_toast_is_the_wrap_the_adapter_replaces() -> None:
    wraps = rx.App.__dataclass_fields__["app_wraps"].default_factory()  # what a new App starts with
    assert reflex_adapter.OVERLAY_WRAP in wraps, changed(
        f"App.app_wraps[{reflex_adapter.OVERLAY_WRAP}] (the connection toast)", f"keys are {sorted(wraps)}")
    assert app.app_wraps[reflex_adapter.OVERLAY_WRAP] is resilience.overlay


def test_a_substate_finds_its_root() -> None:
    root = make_root()
    assert reflex_adapter.root_state(substate(root, NotificationState)) is root, changed(
        "BaseState._get_root_state", "it no longer returns the tree's root")


def test_the_app_keeps_its_event_namespace_and_processor_where_the_adapter_looks() -> None:
    assert app._event_namespace is app.event_namespace, changed("App._event_namespace", "not the namespace in use")
    assert hasattr(app, "_event_processor"), changed("App._event_processor", "missing")
    assert list(reflex_adapter.running_events(SimpleNamespace(_event_processor=None))) == []
    processor = EventProcessor()
    assert isinstance(getattr(processor, "_tasks", None), dict), changed(
        "EventProcessor._tasks (running events by transaction id)", "not a dict")
    assert reflex_adapter.running_events(SimpleNamespace(_event_processor=processor)) is processor._tasks
    params = list(inspect.signature(processor.enqueue).parameters)
    assert params[:3] == ["token", "event", "ev_ctx"], changed("EventProcessor.enqueue", f"parameters {params}")


def test_the_current_events_ids_are_readable_and_absent_outside_an_event() -> None:
    with pytest.raises(LookupError):
        reflex_adapter.current_event_ids()
    from reflex_base.event.context import EventContext

    fields = {"txid", "parent_txid"}
    assert fields <= set(getattr(EventContext, "__dataclass_fields__", {})), changed(
        "reflex_base.event.context.EventContext", f"it lacks {fields}")


def test_the_build_directory_and_the_mode_are_found() -> None:
    assert isinstance(reflex_adapter.frontend_build_dir(), Path)
    assert isinstance(reflex_adapter.is_prod_mode(), bool)
