"""The file-download route and the document handlers, against the app's own database: the author downloads,
another unit's official and anonymous clients get "not found", and the handlers refuse a stranger."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from govhub.api.file_routes import routes as file_routes
from govhub.db import get_engine, session_scope
from govhub.demo.city import DEMO_PASSWORD, seed_demo
from govhub.demo.documents import demo_pdf
from govhub.migrations import upgrade
from govhub.models import Document, Official
from govhub.services.core import storage
from govhub.services.documents import workflow as D
from govhub.services.identity import auth
from govhub.services.identity.auth import COOKIE_NAME
from govhub.state.documents import DocumentsState, DocumentState, RouteAdminState
from tests.statekit import call, make_root, run, substate

PDF = demo_pdf("Tai ve")


@pytest.fixture(scope="module")
def app_doc(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The app database, migrated and seeded, with one submitted công văn of Phường Sài Gòn and live sessions."""
    saved = storage._store
    storage._store = storage.LocalFileStore(tmp_path_factory.mktemp("files"))
    upgrade()
    with Session(get_engine()) as s:
        seed_demo(s)
        s.commit()
    with session_scope() as s:
        cv = s.exec(select(Official).where(Official.username == "cv.saigon")).one()
        doc = D.do_create(s, cv, D.DraftSpec(doc_type="cong_van", summary="Công văn tải về"))
        f = D.do_add_file(s, cv, doc.id, doc.version, "Công văn số 1.pdf", PDF)
        D.do_submit(s, cv, doc.id, doc.version)
        info = {"doc": doc.id, "file": f.id}
    with session_scope() as s:
        for user in ("cv.saigon", "ct.bencat", "ct.saigon"):
            info[user] = auth.do_sign_in(s, user, DEMO_PASSWORD).token
    yield info
    storage._store = saved


def client(token: str | None = None) -> TestClient:
    c = TestClient(Starlette(routes=file_routes), follow_redirects=False)
    if token:
        c.cookies.set(COOKIE_NAME, token)
    return c


def test_download_and_preview_for_who_may_see(app_doc: dict) -> None:
    r = client(app_doc["cv.saigon"]).get(f"/files/{app_doc['file']}")
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;") and "UTF-8''C%C3%B4ng" in \
        r.headers["content-disposition"]
    r = client(app_doc["ct.saigon"]).get(f"/files/{app_doc['file']}?inline=1")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("inline;")


@pytest.mark.parametrize("who", [None, "ct.bencat", "forged"])
def test_others_get_not_found(app_doc: dict, who: str | None) -> None:
    token = app_doc.get(who) if who != "forged" else "not-a-session"
    for path in (f"/files/{app_doc['file']}", "/files/999999", "/files/../../etc/passwd", "/files/abc"):
        r = client(token).get(path)
        assert r.status_code == 404, (who, path, r.status_code)
        assert r.content in (b"not found", b"Not Found")


def _root_at(token: str, path: str):  # noqa: ANN202
    root = make_root(token)
    data = {**root.router_data, "pathname": path, "asPath": path}
    root.router_data = data
    root._update_router_vars(data, {})
    return root


def test_document_handlers_refuse_another_units_official(app_doc: dict) -> None:
    path = f"/documents/{app_doc['doc']}"
    stranger = _root_at(app_doc["ct.bencat"], path)
    run(call(stranger, DocumentState, "load"))
    state = substate(stranger, DocumentState)
    assert state.missing and state.doc.id == 0
    for name, args in (("submit_doc", ()), ("sign", ({"text": ""},)), ("approve", ({"text": ""},)),
                       ("send_back", ({"text": "x"},)), ("make_directive", ()), ("open_dialog", ("sign",))):
        run(call(stranger, DocumentState, name, *args))
    with Session(get_engine()) as s:
        assert s.get(Document, app_doc["doc"]).state == "in_route"
    routes = _root_at(app_doc["ct.bencat"], "/admin/routes")
    run(call(routes, RouteAdminState, "load"))
    assert not substate(routes, RouteAdminState).allowed and substate(routes, RouteAdminState).routes == []
    lists = _root_at(app_doc["ct.bencat"], "/documents")
    run(call(lists, DocumentsState, "load"))
    assert app_doc["doc"] not in {r.id for r in substate(lists, DocumentsState).rows}


def test_the_signer_loads_and_signs_through_the_state(app_doc: dict) -> None:
    root = _root_at(app_doc["ct.saigon"], f"/documents/{app_doc['doc']}")
    run(call(root, DocumentState, "load"))
    state = substate(root, DocumentState)
    assert "sign" in state.doc.actions and "approve" not in state.doc.actions
    run(call(root, DocumentState, "sign", {"text": "Đồng ý ban hành."}))
    assert state.doc.state == "issued" and state.doc.symbol.endswith("/UBND-VP")


def test_storage_folder_is_configured_and_ignored() -> None:
    from govhub.config import PROJECT_DIR, Settings

    assert Settings().files_dir == str(PROJECT_DIR / "files")
    assert "/files/" in (PROJECT_DIR / ".gitignore").read_text()
    assert Path(Settings(files_dir="/srv/govhub-files").files_dir) == Path("/srv/govhub-files")
