"""Hostile input: Hypothesis drives every event handler (enumerated from the state tree; as a signed-in unit
administrator, so the checks behind the sign-in door are reached) and every HTTP route GovHub mounts (govhub/api:
sign-in, single sign-on, files, attachments, health) with wrong types, huge and strange Unicode strings, negative,
huge and unknown ids, missing and extra arguments.

Nothing may fail unexpectedly: no handler may raise, log an error or answer with the "something went wrong"
notice (only validation says "invalid input"), no route may answer 500, and nothing may be half-written: a call
that is refused writes nothing but its audit row (every write is logged by triggers on the tables).
The one exception Reflex itself raises before any GovHub code runs — an event whose arguments do not fit the
handler's signature — is answered by the app's error handler, which logs it with an event id.

The HTTP routes publish no OpenAPI description, so schemathesis has nothing to read; Hypothesis generates their
path parameters, form bodies and query strings.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reflex_base.event.processor.base_state_processor import _prepare_event_payload
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from govhub.db import get_engine
from govhub.govhub import app as govhub_app
from govhub.govhub import backend_error
from govhub.i18n import translate
from govhub.models import Official
from govhub.services.identity.auth import do_start_session
from govhub.state.base import AppState
from tests.statekit import app_states, call, handler_names, make_root, run, substate
from tests.sweepkit import install_write_log, remove_write_log, seed_app_db, take_writes

STRANGE = ["", " ", "\x00", "\ud800", "\u202e\u0645\u0631\u062d\u0628\u0627", "Z\u0351\u0352\u0353" * 50,
           "💥" * 1000, "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "NaN", "-1",
           "9" * 400, "1e309", "x" * 100_000, "Nguyễn Văn An", "\r\n\t", "{\"__proto__\": 1}"]
IDS = st.sampled_from([0, -1, -(2**31), 2**31, 2**63, 2**70, 10**30, 999_999_999, 1, 3])
scalars = st.one_of(st.none(), st.booleans(), IDS, st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(STRANGE), st.text(max_size=300))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.one_of(st.text(max_size=20), st.sampled_from(
        ["full_name", "phone", "email", "position_id", "percent", "text", "deadline", "decision", "target",
         "title", "source", "number", "issued_on", "summary", "priority", "content", "at", "route", "draft",
         "stage", "assignee", "kind", "scope", "name", "doc_type", "body", "instruction"])), inner, max_size=6)),
    max_leaves=12)

HANDLERS = [(cls, name) for cls in app_states() for name in handler_names(cls) if name != "setvar"]
# Every HTTP route GovHub mounts beside Reflex's.
ROUTES = [r for r in govhub_app.api_transformer[0].routes if isinstance(r, Route)]
GENERIC = [translate(lang, "error.generic") for lang in ("vi", "en")]


def new_session() -> str:
    """A fresh session of a unit administrator (more code runs behind the door than for anyone else but an
    admin); each HTTP attempt gets its own, as one of them may be signing out."""
    with Session(get_engine()) as session:
        official = session.exec(select(Official).where(Official.username == "tp1.saigon")).one()
        token = do_start_session(session, official, client_ip="127.0.0.7")
        session.commit()
    return token


@pytest.fixture(scope="module")
def insider_token() -> Iterator[str]:
    seed_app_db()
    token = new_session()
    install_write_log()
    yield token
    remove_write_log()


class ErrorLog(logging.Handler):
    """Collects the error records GovHub logs while it is attached."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler, logger = ErrorLog(), logging.getLogger("govhub")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def params_of(cls: type, name: str) -> list[str]:
    fn = inspect.unwrap(cls.event_handlers[name].fn)
    return [p for p in inspect.signature(fn).parameters if p != "self"]


def fits_signature(fn: Any, kwargs: dict) -> bool:
    try:
        inspect.signature(inspect.unwrap(fn)).bind(None, **kwargs)
    except TypeError:
        return False
    return True


def assert_safe(event: Any) -> None:
    text = str(event)
    assert "Traceback" not in text and 'File "' not in text, text[:500]


@pytest.mark.parametrize(("cls", "name"), HANDLERS, ids=lambda v: v.__name__ if isinstance(v, type) else v)
def test_handlers_survive_hostile_arguments(insider_token: str, error_log: ErrorLog, cls: type, name: str) -> None:
    names = params_of(cls, name)
    handler = cls.event_handlers[name]
    take_writes()

    @settings(max_examples=8, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(payload=st.fixed_dictionaries({}, optional=dict.fromkeys(names, json_values)),
           extra=st.dictionaries(st.sampled_from(["zz", "__class__", "self"]), json_values, max_size=1),
           path=st.sampled_from(["/", "/tasks/-1", "/tasks/99999999", "/directory/unit/abc", "/directives/0",
                                 "/directory/unit/" + "9" * 40, "/messages/task/1e309", "/documents/2147483648"]))
    def attempt(payload: dict[str, Any], extra: dict[str, Any], path: str) -> None:
        root = make_root(token=insider_token, ip="127.0.0.7", path=path)
        error_log.records.clear()
        try:
            kwargs = _prepare_event_payload(handler, {**payload, **extra})
        except ValueError as exc:  # Reflex refuses to coerce: its error handler answers
            assert_safe(backend_error(exc))
            return
        try:
            events = run(call(root, cls, name, **kwargs))
        except TypeError as exc:
            # Only an event Reflex cannot call (arguments that do not fit the signature) may fail like this.
            assert not fits_signature(handler.fn, kwargs), f"{type(exc).__name__}: {exc}"
            assert_safe(backend_error(exc))
            error_log.records.clear()  # the error handler logged it, with its id: as it should
            events, refused = [], True
        else:
            for event in events:
                assert_safe(event)
            notice = substate(root, AppState).notice
            if f"{cls.__name__}.{name}" != "AppState.unexpected_error":  # showing it is that one's job
                assert not any(notice.text.startswith(g) for g in GENERIC), (kwargs, notice.text)
            refused = notice.level == "error" or any("/login" in str(e) for e in events)
        assert not error_log.records, [r.getMessage() for r in error_log.records][:3]
        writes = take_writes()
        if refused:  # a refusal writes nothing (but its audit row): no half-done change
            assert not writes, (writes, kwargs)

    attempt()


def test_the_error_handler_never_shows_the_exception(error_log: ErrorLog) -> None:
    try:
        raise RuntimeError("secret detail: password=hunter2 at /srv/govhub")
    except RuntimeError as exc:
        text = str(backend_error(exc))
    assert "hunter2" not in text and "RuntimeError" not in text and "Traceback" not in text
    [record] = error_log.records
    assert "hunter2" in record.getMessage() and re.search(r"unexpected error [0-9a-f]{8}", record.getMessage())


def test_an_unexpected_error_in_a_handler_is_logged_with_the_id_it_shows(insider_token: str, error_log: ErrorLog,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug (not bad input) behind the door: the official reads the generic message with an event id, and the
    log has an error with the traceback under that id."""
    from govhub.services.org import directory
    from govhub.state.directory import DirectoryState

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(directory, "search", broken)
    root = make_root(token=insider_token, ip="127.0.0.7", path="/directory")
    run(call(root, DirectoryState, "search", "an"))
    notice = substate(root, AppState).notice
    event_id = re.fullmatch(re.escape(translate("vi", "error.generic_id", id="X")).replace("X", "([0-9a-f]{8})"),
                            notice.text).group(1)
    [record] = error_log.records
    assert event_id in record.getMessage() and "DirectoryState.search" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is KeyError


def test_only_validation_says_invalid_input(insider_token: str, error_log: ErrorLog) -> None:
    """A form that is not a form (a string, a list) is invalid input, not an error: nothing is logged."""
    from govhub.state.tasks import TaskState

    for value in ("x", ["a"], None, 3):
        root = make_root(token=insider_token, ip="127.0.0.7", path="/tasks/1")
        run(call(root, TaskState, "report", value))
        assert substate(root, AppState).notice.text == translate("vi", "error.invalid")
    assert error_log.records == []


# --- HTTP routes ------------------------------------------------------------------------------------------

form_values = st.one_of(st.sampled_from(STRANGE[:-2]), st.text(max_size=200), IDS.map(str))
path_values = st.one_of(IDS.map(str), st.sampled_from(["abc", "-0", "1.5", "9" * 30, "9" * 400, "%00", "1e309",
                                                       "\u0661\u0662", "..%2f..%2fetc", " 1", "0x10"]))


def test_every_route_is_swept() -> None:
    assert {"/auth/login", "/auth/logout", "/auth/oidc/start", "/auth/oidc/callback", "/healthz", "/files/{file_id}",
            "/files/attachments/{attachment_id}", "/_release"} <= {r.path for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.path)
def test_routes_survive_hostile_requests(insider_token: str, error_log: ErrorLog, route: Any) -> None:
    client = TestClient(Starlette(routes=ROUTES), base_url="http://testserver", follow_redirects=False,
                        raise_server_exceptions=False)
    take_writes()

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(fields=st.dictionaries(st.sampled_from(["username", "password", "next", "state", "code", "error", "iss",
                                                  "inline", "x"]), form_values, max_size=5),
           cookie=st.one_of(st.none(), st.sampled_from(["", "x" * 5000, "\u00ff\u00fe", "a=b; c"])),
           origin=st.sampled_from([None, "http://testserver", "null", "https://evil.example", "http://test server"]),
           raw=st.one_of(st.none(), st.binary(max_size=20_000)),
           ids=st.lists(path_values, min_size=2, max_size=2))
    def attempt(fields: dict[str, str], cookie: str | None, origin: str | None, raw: bytes | None,
                ids: list[str]) -> None:
        headers: dict[str, Any] = {"origin": origin} if origin else {}
        if cookie is not None:
            headers["cookie"] = f"govhub_session={cookie}; govhub_oidc_state={cookie}".encode()
        # Encoded by hand: lone surrogates go out as the invalid UTF-8 bytes a hostile client would send.
        encoded = "&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
                           for k, v in fields.items())
        values = iter(ids)
        path = re.sub(r"\{[^}]+\}", lambda _m: quote(next(values), safe=""), route.path)
        signed_in = {**headers, "cookie": f"govhub_session={new_session()}"}
        for method, sent in itertools.product(route.methods - {"HEAD"}, (headers, signed_in)):
            if method == "GET":
                response = client.get(f"{path}?{encoded[:16_000]}", headers=sent)  # URL limits
            else:
                response = client.post(path, content=raw if raw is not None else encoded.encode(), headers={
                    **sent, "content-type": "application/x-www-form-urlencoded"})
            assert response.status_code < 500, (path, fields, response.text[:300])
            assert "Traceback" not in response.text
            location = response.headers.get("location", "")
            assert not location.startswith("//") and "evil" not in location, location
            assert not error_log.records, [r.getMessage() for r in error_log.records][:3]

    attempt()
    writes = {w[0] for w in take_writes()}
    assert writes <= {"official"}, writes  # a sign-in may record the official's language, nothing else


def test_an_unexpected_error_in_a_route_is_logged_with_the_id_it_answers(insider_token: str, error_log: ErrorLog,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from govhub.services.documents import workflow as documents

    def broken(*_args: Any) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(documents, "read_file", broken)
    client = TestClient(govhub_app.api_transformer[0], raise_server_exceptions=False)
    client.cookies.set("govhub_session", new_session())
    response = client.get("/files/1")
    assert response.status_code == 500 and "KeyError" not in response.text
    event_id = re.fullmatch(r"internal error \(incident ([0-9a-f]{8})\)", response.text).group(1)
    [record] = error_log.records
    assert event_id in record.getMessage() and "/files/1" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is KeyError
