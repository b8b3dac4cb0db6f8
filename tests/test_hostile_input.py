"""Hostile input: Hypothesis drives every event handler (as a signed-in unit administrator, so the checks behind
the sign-in door are reached) and every HTTP route with wrong types, huge and strange Unicode strings, negative,
huge and unknown ids, missing and extra arguments. Nothing may escape as a traceback, nothing may answer 500,
and nothing may be half-written: a call that is refused (an error message, or Reflex's own refusal of the
arguments) writes nothing but its audit row, and a handler that accepted none of the inputs changed nothing.

The HTTP routes publish no OpenAPI description (they are a sign-in form target, the OpenID Connect redirects and
a health check), so schemathesis has nothing to read; Hypothesis generates their form bodies and query strings.
"""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reflex_base.event.processor.base_state_processor import _prepare_event_payload
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from govhub.api.auth_routes import routes as auth_routes
from govhub.api.oidc_routes import routes as oidc_routes
from govhub.db import get_engine
from govhub.govhub import backend_error
from govhub.models import Official
from govhub.services.identity.auth import start_session
from govhub.state.base import AppState
from tests.statekit import app_states, call, handler_names, make_root, run, substate
from tests.test_authz_sweep import app_db, db_counts, db_fingerprint  # noqa: F401  (fixture)

STRANGE = ["", " ", "\x00", "\ud800", "\u202e\u0645\u0631\u062d\u0628\u0627", "Z\u0351\u0352\u0353" * 50,
           "💥" * 1000, "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "NaN", "-1",
           "9" * 400, "1e309", "x" * 100_000, "Nguyễn Văn An", "\r\n\t", "{\"__proto__\": 1}"]
IDS = st.sampled_from([0, -1, -(2**31), 2**31, 2**63, 2**70, 999_999_999, 1, 3])
scalars = st.one_of(st.none(), st.booleans(), IDS, st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(STRANGE), st.text(max_size=300))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.one_of(st.text(max_size=20), st.sampled_from(
        ["full_name", "phone", "email", "position_id", "percent", "text", "deadline", "decision", "target",
         "title", "source", "number", "issued_on", "summary", "priority", "content"])), inner, max_size=6)),
    max_leaves=12)

HANDLERS = [(cls, name) for cls in app_states() for name in handler_names(cls) if name != "setvar"]
ALLOWED_GROWTH = {"audit_event"}
# Handlers whose whole point is to change the caller's own rows whatever the arguments (they take none).
OWN_WRITES = {"NotificationState.read_all": "marks the caller's own notifications read"}


@pytest.fixture(scope="module")
def insider_token(app_db: None) -> str:  # noqa: F811
    """A unit administrator (more code runs behind the door than for anyone else but an admin)."""
    with Session(get_engine()) as session:
        official = session.exec(select(Official).where(Official.username == "tp1.saigon")).one()
        token = start_session(session, official, client_ip="127.0.0.7")
        session.commit()
        return token


def params_of(cls: type, name: str) -> list[str]:
    fn = inspect.unwrap(cls.event_handlers[name].fn)
    return [p for p in inspect.signature(fn).parameters if p != "self"]


def assert_safe(event: Any) -> None:
    text = str(event)
    assert "Traceback" not in text and 'File "' not in text, text[:500]


@pytest.mark.parametrize(("cls", "name"), HANDLERS, ids=lambda v: v.__name__ if isinstance(v, type) else v)
def test_handlers_survive_hostile_arguments(insider_token: str, cls: type, name: str) -> None:
    names = params_of(cls, name)
    handler = cls.event_handlers[name]
    guarded = getattr(handler.fn, "__wrapped__", None) is not None
    data = db_fingerprint()
    succeeded: list[bool] = []

    @settings(max_examples=8, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(payload=st.fixed_dictionaries({}, optional=dict.fromkeys(names, json_values)),
           extra=st.dictionaries(st.sampled_from(["zz", "__class__", "self"]), json_values, max_size=1),
           path=st.sampled_from(["/", "/tasks/-1", "/tasks/99999999", "/directory/unit/abc", "/directives/0",
                                 "/directory/unit/" + "9" * 40]))
    def attempt(payload: dict[str, Any], extra: dict[str, Any], path: str) -> None:
        root = make_root(token=insider_token, ip="127.0.0.7", path=path)
        rows = db_counts()
        try:
            kwargs = _prepare_event_payload(handler, {**payload, **extra})
        except ValueError as exc:  # Reflex refuses to coerce: its error handler answers
            assert_safe(backend_error(exc))
            return
        try:
            events = run(call(root, cls, name, **kwargs))
        except TypeError as exc:
            # Missing or unknown arguments never reach a guarded handler's body; Reflex's error handler answers.
            assert not guarded or set(kwargs) - set(names) or set(names) - set(kwargs), exc
            assert_safe(backend_error(exc))
            events, refused = [], True
        else:
            for event in events:
                assert_safe(event)
            refused = substate(root, AppState).notice.level == "error" or any("/login" in str(e) for e in events)
        if refused:  # a refusal writes nothing (but its audit row): no half-done change
            grown = {k for k, v in db_counts().items() if v != rows[k]}
            assert grown <= ALLOWED_GROWTH, (grown, kwargs)
        else:
            succeeded.append(True)

    attempt()
    if not succeeded and f"{cls.__name__}.{name}" not in OWN_WRITES:
        # Nothing was accepted, so nothing may have changed anywhere.
        assert db_fingerprint() == data, "hostile input changed data"


def test_the_error_handler_never_shows_the_exception() -> None:
    try:
        raise RuntimeError("secret detail: password=hunter2 at /srv/govhub")
    except RuntimeError as exc:
        text = str(backend_error(exc))
    assert "hunter2" not in text and "RuntimeError" not in text and "Traceback" not in text


# --- HTTP routes ------------------------------------------------------------------------------------------

form_values = st.one_of(st.sampled_from(STRANGE[:-2]), st.text(max_size=200), IDS.map(str))
ROUTES = [*auth_routes, *oidc_routes]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.path)
def test_routes_survive_hostile_requests(app_db: None, route: Any) -> None:  # noqa: F811
    client = TestClient(Starlette(routes=ROUTES), base_url="http://testserver", follow_redirects=False,
                        raise_server_exceptions=False)
    data = db_fingerprint()

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(fields=st.dictionaries(st.sampled_from(["username", "password", "next", "state", "code", "error", "iss",
                                                  "x"]), form_values, max_size=5),
           cookie=st.one_of(st.none(), st.sampled_from(["", "x" * 5000, "\u00ff\u00fe", "a=b; c"])),
           origin=st.sampled_from([None, "http://testserver", "null", "https://evil.example", "http://test server"]),
           raw=st.one_of(st.none(), st.binary(max_size=20_000)))
    def attempt(fields: dict[str, str], cookie: str | None, origin: str | None, raw: bytes | None) -> None:
        headers: dict[str, Any] = {"origin": origin} if origin else {}
        if cookie is not None:
            headers["cookie"] = f"govhub_session={cookie}; govhub_oidc_state={cookie}".encode()
        # Encoded by hand: lone surrogates go out as the invalid UTF-8 bytes a hostile client would send.
        encoded = "&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
                           for k, v in fields.items())
        for method in route.methods - {"HEAD"}:
            if method == "GET":
                response = client.get(f"{route.path}?{encoded[:16_000]}", headers=headers)  # URL limits
            else:
                response = client.post(route.path, content=raw if raw is not None else encoded.encode(), headers={
                    **headers, "content-type": "application/x-www-form-urlencoded"})
            assert response.status_code < 500, (route.path, fields, response.text[:300])
            assert "Traceback" not in response.text
            location = response.headers.get("location", "")
            assert not location.startswith("//") and "evil" not in location, location

    attempt()
    assert db_fingerprint() == data
