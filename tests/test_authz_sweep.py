"""The authorization sweep: every event handler and every HTTP route is called by two hostile clients —
an anonymous browser, and a signed-in official of an unrelated ward (its unit administrator, the strongest
outsider) aiming at Phường Sài Gòn's people, unit, tasks and directives — and must refuse without changing
anything. Handlers are classified in POLICY below; a handler that is not classified fails the sweep, so a new
handler has to say what it may do before it ships."""

from __future__ import annotations

import hashlib
import inspect
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

import pytest
import reflex as rx
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from govhub.db import get_engine
from govhub.demo.city import seed_demo
from govhub.govhub import app as govhub_app
from govhub.migrations import upgrade
from govhub.models import Official, Unit
from govhub.models.task import Directive, Task
from govhub.services.identity.auth import start_session
from tests.statekit import app_states, call, handler_names, is_login_redirect, make_root, run, snapshot, substate

# Every HTTP route GovHub mounts beside Reflex's (the first api_transformer is the Starlette app holding them).
http_routes = [r for r in govhub_app.api_transformer[0].routes if isinstance(r, Route)]

# --- the classification ----------------------------------------------------------------------------------
# public  : works before sign-in (the anonymous sweep skips it; the outsider sweep still checks it).
# any     : works for ANY signed-in official by design (reading the directory, one's own inbox, UI state,
#           one's own language): the outsider must get no other unit's editable data and no write.
# refuse  : acts on objects that belong to someone; the outsider aiming at Sài Gòn must be refused.
# Every state's `setvar` is refused for everyone (no explicit setters exist).
POLICY: dict[str, str] = {
    "AppState.init_public": "public",
    "AppState.switch_locale": "public",
    "AppState.unexpected_error": "public",  # only shows its caller the generic error notice
    "AppState.require_login": "any",
    "LoginState.load_options": "public",
    "LoginState.load_not_registered": "public",
    "DirectoryState.load": "any",
    "DirectoryState.choose_local_filter": "any",
    "DirectoryState.filter_local": "any",
    "DirectoryState.search": "any",
    "DirectoryState.go_to_page": "any",
    "UnitState.load": "any",
    "ContactState.show": "any",
    "ContactState.change_open": "any",
    "ContactState.cancel_edit": "any",
    "ContactState.start_edit": "refuse",
    "ContactState.save": "refuse",
    "ImportState.upload": "refuse",
    "ImportState.start_over": "any",
    "InboxState.load": "any",
    "InboxState.filter_kind": "any",
    "InboxState.filter_due": "any",
    "InboxState.search": "any",
    "InboxState.go_to_page": "any",
    "FollowUpState.load": "any",
    "FollowUpState.filter_status": "any",
    "FollowUpState.go_to_page": "any",
    "AssignState.load": "any",
    "AssignState.pick_preset": "any",
    "AssignState.toggle": "refuse",
    "AssignState.clear": "any",
    "AssignState.filter_units": "any",
    "AssignState.confirm": "refuse",
    "DirectiveState.load": "refuse",
    "TaskState.load": "refuse",
    "TaskState.open_dialog": "refuse",
    "TaskState.close_dialog": "any",
    "TaskState.receive": "refuse",
    "TaskState.report": "refuse",
    "TaskState.submit": "refuse",
    "TaskState.accept": "refuse",
    "TaskState.send_back": "refuse",
    "TaskState.cancel": "refuse",
    "TaskState.request_extension": "refuse",
    "TaskState.decide_extension": "refuse",
    "TaskState.delegate": "refuse",
    "TaskState.remind_me": "refuse",
    "TaskState.cancel_reminder": "refuse",
    # Oversight: each official's own board (the services scope it; others get "not available").
    "OversightState.load": "any",
    "OversightState.choose_period": "any",
    "OversightState.choose_source": "any",
    "OversightState.choose_sort": "any",
    "OversightState.open_ward": "any",
    "OversightState.open_department": "any",
    "OversightState.open_map_unit": "any",
    "OversightState.export_xlsx": "any",
    "OversightState.export_csv": "any",
    "OversightUnitState.load": "refuse",
    "OversightUnitState.show_status": "refuse",
    "OversightUnitState.go_to_page": "refuse",
    # The bell: one's own notifications only (an id of someone else's is "not found").
    "NotificationState.load": "any",
    "NotificationState.refresh": "any",
    "NotificationState.open_item": "refuse",
    "NotificationState.read_all": "any",
    # Messages: one's own conversations; a conversation or message id of someone else's is "not found".
    "MessagesState.load": "refuse",
    "MessagesState.open_conversation": "refuse",
    "MessagesState.back_to_list": "any",
    "MessagesState.filter_list": "any",
    "MessagesState.more_conversations": "any",
    "MessagesState.older": "refuse",
    "MessagesState.search": "refuse",
    "MessagesState.attach": "refuse",
    "MessagesState.drop_files": "any",
    "MessagesState.send": "refuse",
    "MessagesState.acknowledge": "refuse",
    "MessagesState.show_acks": "refuse",
    "MessagesState.close_dialog": "any",
    "MessagesState.open_new": "refuse",
    "MessagesState.find_people": "any",
    "MessagesState.choose": "refuse",
    "MessagesState.unchoose": "any",
    "MessagesState.create_group": "refuse",
    "MessagesState.toggle_news_unit": "refuse",
    "MessagesState.choose_audience": "any",
    "MessagesState.filter_news_units": "any",
    "MessagesState.publish": "refuse",
    # Documents: one's own lists and drafts; a document of another unit is "not found"; route templates are
    # edited only by admins and the unit administrator of the template's unit.
    "DocumentsState.load": "any",
    "DocumentsState.pick_box": "any",
    "DocumentsState.search": "any",
    "DocumentsState.filter_type": "any",
    "DocumentsState.go_to_page": "any",
    "DocumentsState.open_new": "any",
    "DocumentsState.close_new": "any",
    "DocumentsState.choose_type": "any",
    "DocumentsState.filter_recipients": "any",
    "DocumentsState.toggle_recipient": "any",
    "DocumentsState.create": "refuse",
    "DocumentState.load": "refuse",
    "DocumentState.open_dialog": "refuse",
    "DocumentState.close_dialog": "any",
    "DocumentState.submit_doc": "refuse",
    "DocumentState.approve": "refuse",
    "DocumentState.send_back": "refuse",
    "DocumentState.sign": "refuse",
    "DocumentState.choose_route": "refuse",
    "DocumentState.upload_main": "refuse",
    "DocumentState.upload_attachment": "refuse",
    "DocumentState.make_directive": "refuse",
    "RouteAdminState.load": "any",
    "RouteAdminState.open_route": "refuse",
    "RouteAdminState.close_route": "any",
    "RouteAdminState.pick_assignee_kind": "any",
    "RouteAdminState.create_route": "refuse",
    "RouteAdminState.save_route": "refuse",
    "RouteAdminState.add_step": "refuse",
    "RouteAdminState.remove_step": "refuse",
}
# Routes that anonymous clients may use, and why.
PUBLIC_ROUTES = {
    "/auth/login": "the sign-in form posts here",
    "/auth/logout": "signing out without a session just clears the cookie",
    "/healthz": "load-balancer health check, says nothing about users",
    "/auth/oidc/start": "single sign-on starts before anyone is signed in",
    "/auth/oidc/callback": "the provider sends the browser back here; without a matching state it refuses",
}
# What an outsider's harmless use may write: the audit trail (refusals are audited).
HARMLESS_TABLES = {"audit_event"}
SAMPLE = {int: 1, str: "x", bool: True, dict: {"full_name": "Hacker", "position_id": 1}, list: ["a"],
          float: 1.0}


@dataclass(frozen=True)
class Targets:
    """Phường Sài Gòn's things an outsider aims at, and the outsider's session."""

    unit: int
    official: int
    position: int
    task: int
    directive: int
    outsider: str
    outsider_token: str


@pytest.fixture(scope="module")
def app_db() -> None:
    """The database the running app uses (GOVHUB_DATABASE_URL), migrated and seeded."""
    upgrade()
    with Session(get_engine()) as session:
        seed_demo(session)
        session.commit()


@pytest.fixture(scope="module")
def targets(app_db: None) -> Targets:
    with Session(get_engine()) as session:
        victim = session.exec(select(Official).where(Official.username == "cv.saigon")).one()
        saigon = session.get(Unit, victim.unit_id)
        inside = set(session.exec(select(Unit.id).where(Unit.parent_id == saigon.id)).all()) | {saigon.id}
        task = session.exec(select(Task).where(Task.lead_unit_id.in_(inside)).order_by(Task.id)).first()
        directive = session.exec(select(Directive).where(Directive.unit_id.in_(inside))).first() or session.exec(
            select(Directive).where(Directive.id == task.directive_id)).first()
        # The unit administrator of another ward (its Chief of Office, in the ward's office division).
        ward = session.exec(select(Unit).where(Unit.kind == "ward", Unit.id != saigon.id).order_by(Unit.id)).first()
        ward_units = set(session.exec(select(Unit.id).where(Unit.parent_id == ward.id)).all()) | {ward.id}
        outsider = session.exec(
            select(Official).where(Official.unit_id.in_(ward_units), Official.roles.contains("unit_admin"))
            .order_by(Official.id)
        ).first()
        assert task is not None and outsider is not None
        token = start_session(session, outsider, client_ip="127.0.0.9")
        session.commit()
        return Targets(unit=saigon.id, official=victim.id, position=victim.position_id, task=task.id,
                       directive=directive.id if directive else task.id, outsider=outsider.username,
                       outsider_token=token)


def db_counts() -> dict[str, int]:
    """Row counts of every table: a write anywhere shows up here."""
    with Session(get_engine()) as session:
        return {name: session.exec(select(func.count()).select_from(table)).one()
                for name, table in SQLModel.metadata.tables.items()}


def db_fingerprint() -> dict[str, str]:
    """A digest of every row of every table (but the audit trail and sign-in bookkeeping, and each official's
    language preference): an update anywhere shows up here, not only inserts."""
    skip_tables = HARMLESS_TABLES | {"login_attempt", "auth_session", "oidc_login"}
    out = {}
    with Session(get_engine()) as session:
        for name, table in SQLModel.metadata.tables.items():
            if name in skip_tables:
                continue
            cols = [c for c in table.columns if not (name == "official" and c.name == "locale")]
            rows = session.execute(select(*cols).order_by(*table.primary_key.columns)).all()
            out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


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


def kind_of(cls: type, name: str) -> str:
    return "refuse" if name == "setvar" else POLICY.get(_label(cls, name), "unclassified")


def state_class(name: str) -> type[rx.State]:
    return next(c for c in app_states() if c.__name__ == name)


def _ids(v: Any) -> str:
    return v.__name__ if isinstance(v, type) else str(v)


def test_every_handler_is_classified() -> None:
    """A new handler must be put in POLICY (and a removed one taken out) before the sweep passes."""
    labels = {_label(c, n) for c, n in all_handlers() if n != "setvar"}
    assert not labels - POLICY.keys(), f"classify these handlers in POLICY: {sorted(labels - POLICY.keys())}"
    assert not POLICY.keys() - labels, f"POLICY names handlers that no longer exist: {sorted(POLICY.keys() - labels)}"
    assert {"DirectoryState.search", "ContactState.save", "UnitState.load", "AppState.require_login"} <= labels


# --- the anonymous client ---------------------------------------------------------------------------------

def setvar_calls(cls: type) -> list[tuple[str, Any]]:
    return [(var, SAMPLE.get(cls.get_fields()[var].outer_type_, "x")) for var in cls.base_vars
            if not var.startswith("rx_")] or [("nothing", "x")]


@pytest.mark.parametrize(("cls", "name"), all_handlers(), ids=_ids)
def test_anonymous_client_is_refused(app_db: None, cls: type, name: str) -> None:
    if kind_of(cls, name) == "public":
        pytest.skip("works before sign-in (POLICY)")
    root = make_root(token=None)
    before, rows = snapshot(root), db_counts()
    calls = setvar_calls(cls) if name == "setvar" else [tuple(sample_args(cls.event_handlers[name].fn))]
    for args in calls:
        try:
            events = run(call(root, cls, name, *args))
        except (AttributeError, TypeError, ValueError):
            events = ["refused"]  # Reflex refuses setvar on a var without a setter
        assert events and all(is_login_redirect(e) or e == "refused" for e in events), (name, args, events)
    assert snapshot(root) == before
    assert db_counts() == rows


# --- the official of an unrelated ward ------------------------------------------------------------------------

def upload(text: str) -> list[rx.UploadFile]:
    return [rx.UploadFile(file=io.BytesIO(text.encode()), path=Path("import.csv"))]


# Arguments aimed at Sài Gòn (handlers not listed get plausible ones from their type hints).
OUTSIDER_ARGS: dict[str, Callable[[Targets], list[Any]]] = {
    "ContactState.show": lambda t: [t.official],
    "ContactState.save": lambda t: [{"full_name": "Bị Sửa", "phone": "0900000000", "email": "x@y.vn",
                                     "position_id": t.position}],
    "ContactState.change_open": lambda t: [True],
    "UnitState.load": lambda t: [],
    "DirectoryState.search": lambda t: ["cv.saigon"],
    "AssignState.toggle": lambda t: [t.unit],
    "AssignState.pick_preset": lambda t: ["all_wards"],
    "AssignState.confirm": lambda t: [{"source": "UBND", "number": "1/UBND", "title": "Chiếm quyền",
                                       "content": "x", "deadline": "2030-01-01", "priority": "normal"}],
    "ImportState.upload": lambda t: [upload("username,full_name,unit_code,position_code,phone\n"
                                            "cv.saigon,Bị Sửa,26740-P1,chuyen_vien,0900000000\n")],
    "TaskState.open_dialog": lambda t: ["accept"],
    "DocumentState.open_dialog": lambda t: ["sign"],
    "DocumentState.sign": lambda t: [{"text": "ok"}],
    "DocumentState.send_back": lambda t: [{"text": "no"}],
    "TaskState.report": lambda t: [{"percent": "90", "text": "xong"}],
    "TaskState.submit": lambda t: [{"text": "xong"}],
    "TaskState.accept": lambda t: [{"text": "ok"}],
    "TaskState.send_back": lambda t: [{"text": "no"}],
    "TaskState.cancel": lambda t: [{"text": "no"}],
    "TaskState.request_extension": lambda t: [{"deadline": "2030-01-01", "text": "more"}],
    "TaskState.decide_extension": lambda t: [{"decision": "approve", "text": "ok"}],
    "TaskState.delegate": lambda t: [{"target": f"o:{t.official}", "title": "x", "content": "x",
                                      "deadline": "2030-01-01"}],
}


def page_of(cls: type, t: Targets) -> str:
    """The page an attacker would have open for that state: Sài Gòn's."""
    return {"TaskState": f"/tasks/{t.task}", "DirectiveState": f"/directives/{t.directive}",
            "UnitState": f"/directory/unit/{t.unit}",
            "OversightUnitState": f"/oversight/unit/{t.unit}",
            "MessagesState": f"/messages/task/{t.task}",
            "DocumentState": f"/documents/{saigon_document(t.unit)}"}.get(cls.__name__, "/")


def saigon_document(unit_id: int) -> int:
    """A document issued (or to be issued) by Phường Sài Gòn (the demo has them at every step)."""
    from govhub.models import Document

    with Session(get_engine()) as session:
        return session.exec(select(Document.id).where(Document.issuing_unit_id == unit_id)
                            .order_by(Document.id)).first() or 1


def no_foreign_rights(root: rx.State, t: Targets) -> list[str]:
    """What an outsider must never hold after any call: edit rights or a loaded object of Sài Gòn."""
    problems = []
    by_name = {cls.__name__: substate(root, cls) for cls in app_states()}
    contact, unit = by_name["ContactState"], by_name["UnitState"]
    if contact.can_edit or contact.editing:
        problems.append("ContactState may edit a Sài Gòn official")
    if unit.can_admin:
        problems.append("UnitState may administer Sài Gòn")
    if by_name["TaskState"].task.id == t.task:
        problems.append("TaskState loaded a Sài Gòn task")
    if by_name["DocumentState"].doc.id != 0 or by_name["DocumentState"].doc.actions:
        problems.append("DocumentState loaded a Sài Gòn document")
    if t.unit in by_name["AssignState"].picked:
        problems.append("AssignState picked Sài Gòn")
    if by_name["MessagesState"].conv_task == t.task or by_name["MessagesState"].rows:
        problems.append("MessagesState opened a Sài Gòn case group")
    if by_name["OversightUnitState"].unit.unit_id == t.unit or t.unit in {
            w.id for w in by_name["OversightState"].wards}:
        problems.append("Oversight showed Sài Gòn's figures or tasks")
    return problems


def refused(events: list[Any]) -> bool:
    text = " ".join(str(e) for e in events)
    return not events or "toast" in text or "redirect" in text


@pytest.mark.parametrize(("cls", "name"), all_handlers(), ids=_ids)
def test_an_official_of_another_ward_gets_nothing_of_saigon(targets: Targets, cls: type, name: str) -> None:
    kind = kind_of(cls, name)
    assert kind != "unclassified", f"classify {_label(cls, name)} in POLICY"
    root = make_root(token=targets.outsider_token, ip="127.0.0.9", path=page_of(cls, targets))
    # The outsider really is signed in, and opens what any official may open: Sài Gòn's contact card.
    run(call(root, state_class("AppState"), "require_login"))
    assert substate(root, state_class("AppState")).signed_in
    if cls.__name__ == "ContactState" and name != "show":
        run(call(root, cls, "show", targets.official))
    if cls.__name__ in ("TaskState", "DocumentState") and name != "load":
        run(call(root, cls, "load"))
    before_state, before_rows, before_data = snapshot(root)[cls.get_full_name()], db_counts(), db_fingerprint()

    if name == "setvar":
        calls = setvar_calls(cls)
    else:
        make = OUTSIDER_ARGS.get(_label(cls, name))
        calls = [tuple(make(targets)) if make else tuple(sample_args(cls.event_handlers[name].fn))]
    for args in calls:
        try:
            events = run(call(root, cls, name, *args))
        except (AttributeError, TypeError, ValueError):
            assert name == "setvar", (name, args)
            events = ["refused"]
        assert "Traceback" not in " ".join(map(str, events))
        if kind == "refuse" and name != "setvar":
            assert refused(events) or snapshot(root)[cls.get_full_name()] == before_state, (name, events)
    assert no_foreign_rights(root, targets) == []
    grown = {k for k, v in db_counts().items() if v != before_rows[k]}
    assert grown <= HARMLESS_TABLES, grown
    assert db_fingerprint() == before_data, "a refused call changed data"
    if name == "setvar":
        assert snapshot(root)[cls.get_full_name()] == before_state


def test_a_refusal_of_a_signed_in_official_is_audited(targets: Targets) -> None:
    from govhub.models import AuditEvent

    root = make_root(token=targets.outsider_token, ip="127.0.0.9")
    contact = state_class("ContactState")
    run(call(root, contact, "show", targets.official))
    with Session(get_engine()) as session:
        mark = session.exec(select(func.max(AuditEvent.id))).one() or 0
    events = run(call(root, contact, "save", {"full_name": "Bị Sửa", "position_id": targets.position}))
    assert refused(events)
    with Session(get_engine()) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.id > mark)).all()
        outsider = session.exec(select(Official).where(Official.username == targets.outsider)).one()
    assert [(r.action, r.actor_id, r.client_ip) for r in rows] == [("access.refused", outsider.id, "127.0.0.9")]
    assert "ContactState.save" in rows[0].detail


# --- HTTP routes ------------------------------------------------------------------------------------------

def concrete(path: str) -> str:
    """A route path with its parameters filled with an id that exists (1)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_route_sweep_sees_the_routes() -> None:
    assert {"/auth/login", "/auth/logout", "/auth/oidc/start", "/auth/oidc/callback"} <= {r.path for r in http_routes}


@pytest.mark.parametrize("route", http_routes, ids=lambda r: r.path)
def test_anonymous_http_routes(app_db: None, route: Any) -> None:
    client = TestClient(Starlette(routes=http_routes), follow_redirects=False, raise_server_exceptions=False)
    rows, data = db_counts(), db_fingerprint()
    for method in route.methods - {"HEAD"}:
        response = client.request(method, concrete(route.path))
        if route.path in PUBLIC_ROUTES:
            assert response.status_code < 500
        else:
            assert response.status_code in (302, 303, 401, 403, 404), (route.path, response.status_code)
    grown = {k for k, v in db_counts().items() if v != rows[k]}
    assert grown <= {"audit_event", "login_attempt"}, grown
    assert db_fingerprint() == data


@pytest.mark.parametrize("route", http_routes, ids=lambda r: r.path)
def test_http_routes_called_by_an_official_of_another_ward(targets: Targets, route: Any) -> None:
    """With the outsider's session cookie (and cross-site, as a forged form would come): nothing of Sài Gòn
    changes; sign-in and sign-out refuse cross-site posts."""
    client = TestClient(Starlette(routes=http_routes), follow_redirects=False, base_url="http://testserver",
                        raise_server_exceptions=False)
    client.cookies.set("govhub_session", targets.outsider_token)
    rows, data = db_counts(), db_fingerprint()
    for method in route.methods - {"HEAD"}:
        response = client.request(method, concrete(route.path), headers={"origin": "https://evil.example"},
                                  params={"state": "x", "code": "y"} if method == "GET" else None,
                                  data={"username": "cv.saigon", "password": "x"} if method == "POST" else None)
        assert response.status_code < 500
        if method == "POST":
            assert response.status_code == 403, route.path
    assert db_fingerprint() == data
    grown = {k for k, v in db_counts().items() if v != rows[k]}
    assert grown <= {"audit_event"}, grown
