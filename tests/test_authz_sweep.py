"""The authorization sweep: every event handler (enumerated from the state tree, so a new one joins by itself)
and every HTTP route is called by two hostile clients — an anonymous browser, and a signed-in official of
another ward (its unit administrator, the strongest outsider) — aiming at Phường Sài Gòn: every id argument
names, in turn, an object of the ward of each table (task, directive, document, file, conversation, message,
attachment, notification, reminder, extension request, route template and step, official, unit, position), every
page an object of the ward. Handlers are classified in POLICY; an unclassified one fails the sweep.

What a refusal must look like (``refusal_problems``): the caller is told so (an error notice; a page shows
"not found" exactly as for an object that does not exist), the whole state tree — every var of every state,
backend-only and computed vars included — is unchanged but for the notice, nothing is returned or written, no
text of the ward's objects (each carries a canary) reaches the caller, and a "not found" is audited. HTTP routes
that name an object answer exactly 404 to an outsider, audited. ``test_the_sweep_catches_a_planted_leak`` proves
the checks can fail."""

from __future__ import annotations

import contextlib
import inspect
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_type_hints

import pytest
import reflex as rx
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from govhub.db import get_engine
from govhub.govhub import app as govhub_app
from govhub.i18n import translate
from govhub.services.documents.workflow import BOXES
from tests.statekit import app_states, call, handler_names, is_login_redirect, make_root, run, substate
from tests.sweepkit import (
    CANARY,
    OWNER_COLUMN,
    Targets,
    audit_mark,
    install_write_log,
    plant_targets,
    refusals_since,
    remove_write_log,
    seed_app_db,
    state_diff,
    state_text,
    take_writes,
)

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
    "MessagesState.open_new": "any",  # the news form offers only the units the official may address
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
    "RouteAdminState.create_route": "any",  # a template of the unit the official looks after (or city-wide: admins)
    "RouteAdminState.save_route": "refuse",
    "RouteAdminState.add_step": "refuse",
    "RouteAdminState.remove_step": "refuse",
}
# Routes that anonymous clients may use, and why.
PUBLIC_ROUTES = {
    "/auth/login": "the sign-in form posts here",
    "/auth/logout": "signing out without a session just clears the cookie",
    "/healthz": "load-balancer health check, says nothing about users",
    "/_release": "the name of the running release, which a tab compares with its own (the sign-in page too)",
    "/auth/oidc/start": "single sign-on starts before anyone is signed in",
    "/auth/oidc/callback": "the provider sends the browser back here; without a matching state it refuses",
}
# Route parameters that name an object, and the table of the ward's object they aim at.
ROUTE_OBJECTS = {"file_id": "doc_file", "attachment_id": "attachment"}
# The tables whose object of the ward every id argument aims at, in turn.
ID_TABLES = ("task", "directive", "document", "doc_file", "conversation", "message", "attachment", "notification",
             "reminder", "extension", "route", "route_step", "official", "unit", "division", "position")
MISSING_ID = 2**31 - 1  # an id no object has (and that passes the id checks)
IGNORED = {"AppState.notice"}  # the one var a refusal changes
# Handlers that refuse by a report rather than a notice, and the vars that report is in.
REPORTED: dict[str, set[str]] = {"ImportState.upload": {"ImportState.done", "ImportState.rejected"}}


def not_found_text() -> str:
    return translate("vi", "error.not_found")


@pytest.fixture(scope="module")
def app_db() -> None:
    seed_app_db()


@pytest.fixture(scope="module")
def targets(app_db: None) -> Iterator[Targets]:
    planted = plant_targets()
    install_write_log()
    yield planted
    remove_write_log()


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


# --- what the hostile clients send ------------------------------------------------------------------------

def pages(cls: type, t: Targets) -> list[str]:
    """The pages an attacker would have open for that state: the ward's objects'."""
    return {"TaskState": [f"/tasks/{t.task}"], "DirectiveState": [f"/directives/{t.directive}"],
            "DocumentState": [f"/documents/{t.document}"], "UnitState": [f"/directory/unit/{t.unit}"],
            "OversightUnitState": [f"/oversight/unit/{t.unit}", f"/oversight/unit/{t.division}"],
            "MessagesState": [f"/messages/task/{t.task}", f"/messages/{t.conversation}"]}.get(cls.__name__, ["/"])


def missing_page(path: str) -> str:
    """The same page for an object that does not exist."""
    return re.sub(r"/\d+$", f"/{MISSING_ID}", path)


def is_page_load(cls: type, name: str) -> bool:
    return name == "load" and cls.__name__ in {"TaskState", "DirectiveState", "DocumentState", "UnitState",
                                               "OversightUnitState", "MessagesState"}


def form(t: Targets, state: rx.State) -> dict[str, Any]:
    """A form aimed at the ward: every field any GovHub form has, its ids naming the ward's objects."""
    draft = getattr(state, "draft_key", None) or getattr(state, "route_draft", "")
    return {"full_name": "Bị Sửa", "phone": "0900000000", "email": "x@y.vn", "position_id": t.position,
            "percent": "90", "text": "x", "deadline": "2030-01-01", "decision": "approve",
            "target": f"o:{t.official}", "title": "x", "content": "x", "source": "city_pc", "number": "1/X",
            "priority": "normal", "route": str(t.route), "doc_type": "cong_van", "summary": "x", "draft": draft,
            "body": "x", "kind": "review", "assignee": str(t.official), "stage": "1", "name": "x", "scope": "city",
            "is_default": "on", "active": "on", "at": "2030-01-01T08:00", "instruction": "on"}


def upload(text: str) -> list[rx.UploadFile]:
    return [rx.UploadFile(file=io.BytesIO(text.encode()), path=Path("import.csv"))]


def csv_rows(*rows: str) -> list[Any]:
    return [upload("username,full_name,unit_code,position_code,phone\n" + "\n".join(rows) + "\n")]


# Handlers whose arguments the type hints do not tell well enough: each gives the calls to try.
SPECIAL_ARGS: dict[str, Callable[[Targets, rx.State], list[tuple]]] = {
    "ImportState.upload": lambda t, s: [  # editing a ward official; moving oneself into the ward as its head
        tuple(csv_rows(f"cv.saigon,Bị Sửa,{t.codes['division']},{t.codes['victim_position']},0900000000")),
        tuple(csv_rows(f"{t.outsider},Kẻ Lạ,{t.codes['ward']},{t.codes['chair']},0900000000"))],
    "TaskState.delegate": lambda t, s: [({**form(t, s), "target": f"{k}:{i}"},) for k, i in
                                        (("o", t.official), ("u", t.unit), ("u", t.division))],
    "TaskState.open_dialog": lambda t, s: [(a,) for a in ("accept", "receive", "cancel", "delegate", "remind_me")],
    "DocumentState.open_dialog": lambda t, s: [(a,) for a in ("sign", "approve", "send_back")],
    "AssignState.pick_preset": lambda t, s: [("all_wards",), ("everything",)],
    "MessagesState.open_new": lambda t, s: [("news",)],
    "DocumentsState.pick_box": lambda t, s: [(box,) for box in BOXES],  # every list: none may hold the ward's
    "DocumentsState.search": lambda t, s: [(CANARY,)],
    "InboxState.search": lambda t, s: [(CANARY,)],
    "MessagesState.filter_list": lambda t, s: [(CANARY,)],
    "DirectoryState.search": lambda t, s: [("cv.saigon",), (CANARY,)],
}


def sample(hint: Any, pname: str, t: Targets, state: rx.State) -> list[Any]:
    """The values to try for one parameter: every object of the ward when it is an id."""
    base = getattr(hint, "__args__", (hint,))[0] if not isinstance(hint, type) else hint
    if base is int or pname.endswith("_id"):
        ids = [t.ids[table] for table in ID_TABLES]
        return [str(i) for i in ids] if base is str else ids
    return [{dict: form(t, state), list: ["a"], bool: True, float: 1.0}.get(base, "x")]


def arg_calls(cls: type, name: str, t: Targets, state: rx.State) -> list[tuple]:
    """The calls to try: one per object of the ward for an id parameter (the others get a plausible value)."""
    special = SPECIAL_ARGS.get(_label(cls, name))
    if special:
        return special(t, state)
    fn = inspect.unwrap(cls.event_handlers[name].fn)
    hints = get_type_hints(fn)
    params = [(p, hints.get(p, str)) for p, v in inspect.signature(fn).parameters.items()
              if p != "self" and v.kind not in (v.VAR_POSITIONAL, v.VAR_KEYWORD)]
    calls: list[tuple] = [()]
    for pname, hint in params:
        calls = [(*c, v) for c in calls for v in sample(hint, pname, t, state)]
    return calls


def setvar_calls(cls: type) -> list[tuple]:
    return [(var, "x") for var in cls.base_vars if not var.startswith("rx_")] or [("nothing", "x")]


# --- the checks ------------------------------------------------------------------------------------------

def outsider_root(t: Targets, cls: type, name: str, path: str) -> rx.State:
    """The outsider's browser on ``path``, signed in, with the state's page loaded as it would be."""
    root = make_root(token=t.outsider_token, ip="127.0.0.9", path=path)
    run(call(root, state_class("AppState"), "require_login"))
    assert substate(root, state_class("AppState")).signed_in
    if cls.__name__ == "ContactState" and name != "show":
        run(call(root, cls, "show", t.official))  # any official may open a ward official's contact card
    if "load" in cls.event_handlers and name != "load" and cls.__name__ != "AppState":
        run(call(root, cls, "load"))
    return root


def leaks(t: Targets, *texts: Any) -> list[str]:
    found = " ".join(map(str, texts))
    return sorted(set(re.findall(rf"{CANARY}-[a-z_-]+", found)))


def foreign_writes(t: Targets, writes: list[tuple], *, own_allowed: bool) -> list[tuple]:
    """Writes other than to the caller's own rows (when ``own_allowed``)."""
    return [w for w in writes if not (own_allowed and w[0] in OWNER_COLUMN and w[2] == t.outsider_id)]


def refusal_problems(t: Targets, cls: type, name: str, args: tuple, path: str) -> list[str]:
    """Call ``cls.name(*args)`` as the outsider on ``path``; what is wrong with how it was refused (nothing: [])."""
    root = outsider_root(t, cls, name, path)
    expected = None
    if is_page_load(cls, name):  # the page must look exactly as for an object that does not exist
        absent = outsider_root(t, cls, name, missing_page(path))
        run(call(absent, cls, name, *args))
        expected = state_text(absent)
    before, _, mark = state_text(root), take_writes(), audit_mark()
    notice_before = substate(root, state_class("AppState")).notice
    try:
        events = run(call(root, cls, name, *args))
    except Exception as exc:  # noqa: BLE001  (reported, not raised: the sweep lists every problem)
        return [f"raised {type(exc).__name__}: {exc}"]
    after, writes, refusals = state_text(root), take_writes(), refusals_since(mark)
    notice = substate(root, state_class("AppState")).notice
    problems = [f"returned {events}"] if events else []
    if expected is not None:
        problems += [f"differs from a missing object: {v}" for v in state_diff(expected, after, IGNORED)]
        problems += [] if getattr(substate(root, cls), "missing", False) else ["page not shown as missing"]
        said_not_found = True
    elif _label(cls, name) in REPORTED:  # every row rejected, nothing counted as done
        report_vars = REPORTED[_label(cls, name)]
        problems += [f"state changed: {v}" for v in state_diff(before, after, IGNORED | report_vars)]
        state = substate(root, cls)
        if not state.rejected or state.created or state.updated:
            problems.append("not refused: the report accepts rows")
        said_not_found = False
    else:
        problems += [f"state changed: {v}" for v in state_diff(before, after, IGNORED)]
        if notice.level != "error" or notice.id == notice_before.id:
            problems.append("not refused: no error notice")
        elif notice.text.startswith(translate("vi", "error.generic")):
            problems.append(f"unexpected error: {notice.text}")
        said_not_found = notice.text == not_found_text() and notice.id != notice_before.id
    problems += [f"leaked {c}" for c in leaks(t, after, events)]
    problems += [f"wrote {w}" for w in foreign_writes(t, writes, own_allowed=False)]
    if said_not_found and not [r for r in refusals if r["actor"] == t.outsider_id]:
        problems.append("a 'not found' refusal was not audited")
    return problems


def use_problems(t: Targets, cls: type, name: str, args: tuple, path: str) -> list[str]:
    """Harmless use by the outsider (a handler any official may call): nothing of the ward is read or written."""
    root = outsider_root(t, cls, name, path)
    take_writes()
    try:
        events = run(call(root, cls, name, *args))
    except Exception as exc:  # noqa: BLE001
        return [f"raised {type(exc).__name__}: {exc}"]
    notice = substate(root, state_class("AppState")).notice
    problems = [f"leaked {c}" for c in leaks(t, state_text(root), events)]
    problems += [f"wrote {w}" for w in foreign_writes(t, take_writes(), own_allowed=True)]
    if notice.text.startswith(translate("vi", "error.generic")) and _label(cls, name) != "AppState.unexpected_error":
        problems.append(f"unexpected error: {notice.text}")
    by_name = {c.__name__: substate(root, c) for c in app_states()}
    if by_name["ContactState"].can_edit or by_name["ContactState"].editing:
        problems.append("ContactState may edit a ward official")
    if by_name["UnitState"].can_admin:
        problems.append("UnitState may administer the ward")
    if {t.unit, t.division} & set(by_name["AssignState"].picked):
        problems.append("AssignState picked the ward")
    if {t.unit, t.division} & {w.id for w in by_name["OversightState"].wards}:
        problems.append("Oversight showed the ward's figures")
    if {t.unit, t.division} & {u.id for u in by_name["MessagesState"]._news_offered}:
        problems.append("the news form offers the ward")
    return problems


def report(problems: list[tuple]) -> str:
    """The problems, one a line (long arguments cut)."""
    return "\n".join(" ".join(str(part)[:160] for part in p) for p in problems)


# --- the anonymous client ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("cls", "name"), all_handlers(), ids=_ids)
def test_anonymous_client_is_refused(targets: Targets, cls: type, name: str) -> None:
    if kind_of(cls, name) == "public":
        pytest.skip("works before sign-in (POLICY)")
    problems = []
    for path in pages(cls, targets):
        root = make_root(token=None, path=path)
        calls = setvar_calls(cls) if name == "setvar" else arg_calls(cls, name, targets, substate(root, cls))
        for args in calls:
            before, _ = state_text(root), take_writes()
            try:
                events = run(call(root, cls, name, *args))
            except (AttributeError, TypeError, ValueError):
                assert name == "setvar", (name, args)
                events = ["refused"]  # Reflex refuses setvar on a var without a setter
            if not events or not all(is_login_redirect(e) or e == "refused" for e in events):
                problems.append((args, f"not sent to sign in: {events}"))
            problems += [(args, p) for p in state_diff(before, state_text(root))]
            problems += [(args, f"wrote {w}") for w in take_writes()]
            problems += [(args, f"leaked {c}") for c in leaks(targets, events)]
    assert not problems, report(problems)


# --- the official of another ward -------------------------------------------------------------------------

@pytest.mark.parametrize(("cls", "name"), all_handlers(), ids=_ids)
def test_an_official_of_another_ward_gets_nothing_of_the_ward(targets: Targets, cls: type, name: str) -> None:
    kind = kind_of(cls, name)
    assert kind != "unclassified", f"classify {_label(cls, name)} in POLICY"
    problems = []
    for path in pages(cls, targets):
        if name == "setvar":
            root = outsider_root(targets, cls, name, path)
            for args in setvar_calls(cls):
                before = state_text(root)
                with contextlib.suppress(AttributeError, TypeError, ValueError):
                    run(call(root, cls, name, *args))
                problems += [(args, f"setvar changed {v}") for v in state_diff(before, state_text(root))]
            continue
        shape = substate(outsider_root(targets, cls, name, path), cls)
        check = refusal_problems if kind == "refuse" else use_problems
        for args in arg_calls(cls, name, targets, shape):
            problems += [(path, args, p) for p in check(targets, cls, name, args, path)]
    assert not problems, report(problems)


@pytest.mark.parametrize("way", ["contact editor", "import"])
def test_nobody_makes_himself_head_of_his_unit(targets: Targets, way: str) -> None:
    """B2: the outsider (a unit administrator) gives his own entry the position that heads a ward (the chairman's),
    in the contact editor or with one CSV row for his own unit. Refused, written nowhere."""
    from govhub.models import Official, Unit

    root = make_root(token=targets.outsider_token, ip="127.0.0.9", path="/directory")
    run(call(root, state_class("AppState"), "require_login"))
    with Session(get_engine()) as session:
        me = session.get(Official, targets.outsider_id)
        unit_code, username, saved = session.get(Unit, me.unit_id).code, me.username, me.model_dump()
    take_writes()
    try:
        if way == "import":
            run(call(root, state_class("ImportState"), "upload",
                     *csv_rows(f"{username},Kẻ Lạ,{unit_code},{targets.codes['chair']},0900000000")))
        else:
            contact = state_class("ContactState")
            run(call(root, contact, "show", targets.outsider_id))
            take_writes()
            run(call(root, contact, "save", {"full_name": "Kẻ Lạ", "position_id": targets.chair_position}))
            assert substate(root, state_class("AppState")).notice.level == "error"
        assert not [w for w in take_writes() if w[0] == "official"]
    finally:  # the outsider stays who he was for the rest of the sweep
        with Session(get_engine()) as session:
            me = session.get(Official, targets.outsider_id)
            for key, value in saved.items():
                setattr(me, key, value)
            session.commit()
        take_writes()


def test_a_refusal_of_a_signed_in_official_is_audited(targets: Targets) -> None:
    root = make_root(token=targets.outsider_token, ip="127.0.0.9")
    contact = state_class("ContactState")
    run(call(root, contact, "show", targets.official))
    mark = audit_mark()
    run(call(root, contact, "save", {"full_name": "Bị Sửa", "position_id": targets.position}))
    assert substate(root, state_class("AppState")).notice.text == not_found_text()
    rows = refusals_since(mark)
    assert [(r["actor"], r["detail"]["handler"]) for r in rows] == [(targets.outsider_id, "ContactState.save")]


@pytest.mark.parametrize("state_name", ["TaskState", "DirectiveState", "DocumentState", "OversightUnitState",
                                        "MessagesState"])
def test_a_page_refused_as_not_found_is_audited(targets: Targets, state_name: str) -> None:
    """Opening the ward's task (document, directive, drill-down, case group) shows "not found", and the attempt is
    in the audit trail: who, which page."""
    cls = state_class(state_name)
    path = pages(cls, targets)[0]
    root = outsider_root(targets, cls, "load", path)
    mark = audit_mark()
    run(call(root, cls, "load"))
    assert substate(root, cls).missing
    assert [(r["actor"], r["detail"]) for r in refusals_since(mark)] == [
        (targets.outsider_id, {"handler": f"{state_name}.load", "path": path})]


# --- the sweep can fail -------------------------------------------------------------------------------------

def _planted(kind: str) -> tuple[str, str, Callable]:
    """A handler with a hole, standing in for a real one: (state, handler, the holed function)."""
    from sqlmodel import select as sql_select

    from govhub import clock
    from govhub.models import Message, Task
    from govhub.services.core.errors import NotFound
    from govhub.services.tasks import views as task_views
    from govhub.state.base import guarded
    from govhub.state.directory import _path_id
    from govhub.state.tasks import EMPTY_DETAIL

    @guarded
    async def read_into_page(self, *_args):  # noqa: ANN001, ANN202
        """Reads the task of the address with no access check, then says "not found" (and is audited)."""
        tid = _path_id(self.router.url.path)
        title = await self._call(lambda s, _a: s.get(Task, tid).title)
        self.task = EMPTY_DETAIL.__class__(**{**EMPTY_DETAIL.__dict__, "title": title})
        raise NotFound()

    @guarded
    async def read_into_backend_var(self, *_args):  # noqa: ANN001, ANN202
        """Keeps the ward's newest message in a backend-only var (never sent to the browser), then refuses."""
        body = await self._call(lambda s, _a: s.exec(sql_select(Message.body).order_by(Message.id.desc())).first())
        self._pending = [{"key": "", "name": body}]
        raise NotFound()

    @guarded
    async def silent(self, *_args):  # noqa: ANN001, ANN202
        """Neither refuses nor does anything: the old sweep's ``refused()`` took that for a refusal."""

    @guarded
    async def load_as_someone_else(self):  # noqa: ANN001, ANN202
        """A page load that reads the directive as the ward's head would see it (a wrong actor)."""
        from govhub.models import Directive, Official

        did = _path_id(self.router.url.path)

        def work(s, _a):  # noqa: ANN001, ANN202
            directive = s.get(Directive, did)
            if directive is None:
                raise NotFound()
            return task_views.directive_matrix(s, s.get(Official, directive.created_by_id), did, clock.today())

        try:
            self.matrix, self.missing = await self._call(work), False
        except NotFound:
            self.missing = True

    @guarded
    async def write_and_refuse(self, *_args):  # noqa: ANN001, ANN202
        """Changes the ward's task, then says "not found"."""
        tid = _path_id(self.router.url.path)

        def work(s, _a):  # noqa: ANN001, ANN202
            s.get(Task, tid).progress += 1

        await self._call(work)
        raise NotFound()

    return {"read into the page": ("TaskState", "receive", read_into_page),
            "read into a backend-only var": ("MessagesState", "search", read_into_backend_var),
            "no refusal at all": ("TaskState", "cancel", silent),
            "a page load reading as someone else": ("DirectiveState", "load", load_as_someone_else),
            "a write behind a refusal": ("TaskState", "receive", write_and_refuse)}[kind]


@pytest.mark.parametrize(("kind", "expected"), [
    ("read into the page", ["state changed: TaskState.task", f"leaked {CANARY}-task"]),
    ("read into a backend-only var", ["state changed: MessagesState._pending", f"leaked {CANARY}-message"]),
    ("no refusal at all", ["not refused: no error notice"]),
    ("a page load reading as someone else", ["differs from a missing object: DirectiveState.matrix",
                                             "page not shown as missing", f"leaked {CANARY}-directive"]),
    ("a write behind a refusal", ["wrote ('task'"]),
])
def test_the_sweep_catches_a_planted_leak(targets: Targets, monkeypatch: pytest.MonkeyPatch, kind: str,
                                          expected: list[str]) -> None:
    """A handler with a hole planted where a real one is: the sweep's own check reports it."""
    from types import SimpleNamespace

    state_name, name, fn = _planted(kind)
    cls = state_class(state_name)
    monkeypatch.setitem(cls.event_handlers, name, SimpleNamespace(fn=fn))
    shape = substate(outsider_root(targets, cls, name, pages(cls, targets)[-1]), cls)
    args = arg_calls(cls, name, targets, shape)[0]
    problems = refusal_problems(targets, cls, name, args, pages(cls, targets)[-1])
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    take_writes()


# --- HTTP routes ------------------------------------------------------------------------------------------

def route_params(route: Any) -> list[str]:
    return re.findall(r"\{([^}:]+)", route.path)


def concrete(route: Any, t: Targets) -> str:
    """A route path with each parameter naming the ward's object of its table."""
    return re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: str(t.ids[ROUTE_OBJECTS[m.group(1)]]), route.path)


def test_the_route_sweep_sees_the_routes() -> None:
    paths = {r.path for r in http_routes}
    assert {"/auth/login", "/auth/logout", "/auth/oidc/start", "/auth/oidc/callback", "/files/{file_id}",
            "/files/attachments/{attachment_id}"} <= paths
    unknown = {p for r in http_routes for p in route_params(r)} - ROUTE_OBJECTS.keys()
    assert not unknown, f"say which table these route parameters name in ROUTE_OBJECTS: {unknown}"


def http_client() -> TestClient:
    return TestClient(Starlette(routes=http_routes), follow_redirects=False, base_url="http://testserver",
                      raise_server_exceptions=False)


@pytest.mark.parametrize("route", http_routes, ids=lambda r: r.path)
def test_anonymous_http_routes(targets: Targets, route: Any) -> None:
    client = http_client()
    take_writes()
    for method in route.methods - {"HEAD"}:
        response = client.request(method, concrete(route, targets))
        if route_params(route):
            assert response.status_code == 404, (route.path, response.status_code)
        elif route.path in PUBLIC_ROUTES:
            assert response.status_code < 500
        else:
            assert response.status_code in (302, 303, 401, 403), (route.path, response.status_code)
        assert not leaks(targets, response.text, response.headers)
    assert take_writes() == []


@pytest.mark.parametrize("route", http_routes, ids=lambda r: r.path)
def test_http_routes_called_by_an_official_of_another_ward(targets: Targets, route: Any) -> None:
    """With the outsider's session cookie: a route naming one of the ward's objects answers exactly 404, the
    refusal audited; nothing of the ward changes; sign-in and sign-out refuse cross-site posts."""
    client = http_client()
    client.cookies.set("govhub_session", targets.outsider_token)
    take_writes()
    for method in route.methods - {"HEAD"}:
        mark = audit_mark()
        response = client.request(method, concrete(route, targets), headers={"origin": "https://evil.example"},
                                  params={"state": "x", "code": "y"} if method == "GET" else None,
                                  data={"username": "cv.saigon", "password": "x"} if method == "POST" else None)
        assert not leaks(targets, response.text, response.headers)
        if route_params(route):
            assert response.status_code == 404, (route.path, response.status_code)
            object_id = int(concrete(route, targets).rsplit("/", 1)[-1])
            assert [(r["actor"], r["object_id"]) for r in refusals_since(mark)] == [(targets.outsider_id, object_id)]
        else:
            assert response.status_code < 500
        if method == "POST":
            assert response.status_code == 403, route.path
    assert take_writes() == []

