"""The authorization sweep: every event handler and every HTTP route, called by an anonymous client
with plausible arguments, refuses and changes nothing. A new handler without a check fails here."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, get_type_hints

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select
from starlette.testclient import TestClient

from govhub.api.auth_routes import routes as http_routes
from govhub.db import get_engine
from govhub.migrations import upgrade
from govhub.services.seed import seed_demo
from tests.statekit import app_states, call, handler_names, is_login_redirect, make_root, snapshot

# Handlers that must work before sign-in, and why.
PUBLIC_HANDLERS = {
    "AppState.init_public": "loads the sign-in page",
    "AppState.switch_locale": "choosing the language on the sign-in page",
}
# Routes that anonymous clients may use, and why.
PUBLIC_ROUTES = {
    "/auth/login": "the sign-in form posts here",
    "/auth/logout": "signing out without a session just clears the cookie",
    "/healthz": "load-balancer health check, says nothing about users",
}
SAMPLE = {int: 1, str: "x", bool: True, dict: {"full_name": "Hacker", "position_id": 1}, list: ["a"],
          float: 1.0}


@pytest.fixture(scope="module")
def app_db() -> None:
    """The database the running app uses (GOVHUB_DATABASE_URL), migrated and seeded."""
    upgrade()
    with Session(get_engine()) as session:
        seed_demo(session)
        session.commit()


def db_counts() -> dict[str, int]:
    """Row counts of every table: a write anywhere shows up here."""
    with Session(get_engine()) as session:
        return {name: session.exec(select(func.count()).select_from(table)).one()
                for name, table in SQLModel.metadata.tables.items()}


def sample_args(fn: Any) -> list[Any]:
    """One plausible argument per parameter, from the type hints."""
    hints = get_type_hints(inspect.unwrap(fn))
    args = []
    for name, param in inspect.signature(inspect.unwrap(fn)).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        hint = hints.get(name, str)
        base = getattr(hint, "__args__", (hint,))[0] if not isinstance(hint, type) else hint
        args.append(SAMPLE.get(base, "x"))
    return args


def all_handlers() -> list[tuple[type, str]]:
    return [(cls, name) for cls in app_states() for name in handler_names(cls)]


def _label(cls: type, name: str) -> str:
    return f"{cls.__name__}.{name}"


@pytest.mark.parametrize(("cls", "name"), all_handlers(), ids=lambda v: v.__name__ if isinstance(v, type) else v)
def test_anonymous_client_is_refused(app_db: None, cls: type, name: str) -> None:
    if _label(cls, name) in PUBLIC_HANDLERS:
        pytest.skip(PUBLIC_HANDLERS[_label(cls, name)])
    root = make_root(token=None)
    before, rows = snapshot(root), db_counts()
    if name == "setvar":
        calls = [(var, SAMPLE.get(cls.get_fields()[var].outer_type_, "x")) for var in cls.base_vars
                 if not var.startswith("rx_")] or [("nothing", "x")]
    else:
        calls = [tuple(sample_args(cls.event_handlers[name].fn))]
    for args in calls:
        try:
            events = asyncio.run(call(root, cls, name, *args))
        except (AttributeError, TypeError, ValueError):
            events = ["refused"]  # Reflex refuses setvar on a var without a setter
        assert events and all(is_login_redirect(e) or e == "refused" for e in events), (name, args, events)
    assert snapshot(root) == before
    assert db_counts() == rows


def test_every_handler_is_covered() -> None:
    """The sweep sees the handlers of every GovHub state (guards against a silent empty sweep)."""
    labels = {_label(c, n) for c, n in all_handlers()}
    assert {"DirectoryState.search", "ContactState.save", "UnitState.load", "AppState.require_login"} <= labels


@pytest.mark.parametrize("route", http_routes, ids=lambda r: r.path)
def test_anonymous_http_routes(app_db: None, route: Any) -> None:
    from starlette.applications import Starlette

    client = TestClient(Starlette(routes=http_routes), follow_redirects=False)
    rows = db_counts()
    for method in route.methods - {"HEAD"}:
        response = client.request(method, route.path)
        if route.path in PUBLIC_ROUTES:
            assert response.status_code < 500
        else:
            assert response.status_code in (302, 303, 401, 403, 404), (route.path, response.status_code)
    grown = {k for k, v in db_counts().items() if v != rows[k]}
    assert grown <= {"audit_event", "login_attempt"}, grown
