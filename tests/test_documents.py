"""Documents: every step kind with its denial twin, routes as data, numbering, hostile uploads, the inbox, the
lists, and who may see a document or download its files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from govhub import clock
from govhub.demo.documents import demo_pdf
from govhub.models import DocFile, DocRoute, DocSignature, DocStep, Document, Notification, Official, Position, Unit
from govhub.routes import document_url
from govhub.services.core import storage
from govhub.services.core.errors import Conflict, GovHubError, Invalid, NotFound
from govhub.services.documents import route_templates as doc_routes
from govhub.services.documents import workflow as D
from govhub.services.documents.registers import drafting_code, format_symbol, series_for
from govhub.services.tasks import inbox
from tests.test_authz_sweep import app_db  # noqa: F401  (fixture: the app's own database, seeded)
from tests.test_file_checks import png as real_png

PDF = demo_pdf("Du thao van ban")


@pytest.fixture(autouse=True)
def file_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> storage.LocalFileStore:
    """Each test stores files in its own folder."""
    store = storage.LocalFileStore(tmp_path / "files")
    monkeypatch.setattr(storage, "_store", store)
    return store


def stored(store: storage.LocalFileStore) -> int:
    return sum(1 for p in store.root.rglob("*") if p.is_file()) if store.root.exists() else 0


def docx_bytes(kind: str = "docx") -> bytes:
    main = {"docx": "wordprocessingml.document", "xlsx": "spreadsheetml.sheet"}[kind]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<Types><Override PartName="/x" ContentType="application/'
                   f'vnd.openxmlformats-officedocument.{main}.main+xml"/></Types>')
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def refused(session: Session, fn: Callable[..., Any], *args: Any, error: type = GovHubError,
            key: str | None = None, **kwargs: Any) -> GovHubError:
    """``fn`` refuses with ``error`` (and ``key``), and nothing was written."""
    before = {m.__name__: session.exec(select(func.count()).select_from(m)).one()
              for m in (Document, DocStep, DocFile, DocSignature, Notification)}
    with pytest.raises(error) as info, session.begin_nested():
        fn(session, *args, **kwargs)
    after = {m.__name__: session.exec(select(func.count()).select_from(m)).one()
             for m in (Document, DocStep, DocFile, DocSignature, Notification)}
    assert after == before
    if key:
        assert info.value.key == key, info.value.key
    return info.value


def new_doc(session: Session, author: Official, doc_type: str = "cong_van", *, submit: bool = True,
            recipients: list[int] | None = None, route_id: int | None = None) -> Document:
    doc = D.do_create(session, author, D.DraftSpec(doc_type=doc_type, summary=f"Dự thảo {doc_type} kiểm thử",
                                                   recipients=recipients or [], route_id=route_id))
    D.do_add_file(session, author, doc.id, doc.version, "du-thao.pdf", PDF)
    if submit:
        D.do_submit(session, author, doc.id, doc.version)
    return doc


def pending(session: Session, doc: Document) -> set[str]:
    rows = session.exec(select(Official.username).join(DocStep, DocStep.assignee_id == Official.id).where(
        DocStep.document_id == doc.id, DocStep.round == doc.round, DocStep.state == "pending")).all()
    return set(rows)


def unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


# ---------------------------------------------------------------------------------------------------------------
# The route: review (parallel, by position, by name), return, revise, sign, issue
# ---------------------------------------------------------------------------------------------------------------


def test_decision_goes_through_parallel_review_then_deputies_then_signature(session: Session, official) -> None:
    cv, tp1, tp2, pct1, pct2, ct = (official(u) for u in (
        "cv.saigon", "tp1.saigon", "tp2.saigon", "pct1.saigon", "pct2.saigon", "ct.saigon"))
    ward = unit(session, "26740")
    doc = new_doc(session, cv, "quyet_dinh", recipients=[unit(session, "26740-P2").id])
    assert doc.state == "in_route" and doc.stage == 1
    assert pending(session, doc) == {"tp1.saigon", "tp2.saigon"}
    # denial twins: not on this stage, signing a review step, the author approving their own draft
    refused(session, D.do_approve, pct1, doc.id, doc.version, error=Invalid, key="doc.error.not_your_turn")
    refused(session, D.do_sign, tp1, doc.id, doc.version, error=Invalid, key="doc.error.not_your_turn")
    refused(session, D.do_approve, cv, doc.id, doc.version, error=Invalid, key="doc.error.not_your_turn")
    refused(session, D.do_approve, tp1, doc.id, doc.version - 1, error=Conflict)
    D.do_approve(session, tp1, doc.id, doc.version, "Đồng ý.")
    assert doc.stage == 1 and pending(session, doc) == {"tp2.saigon"}  # parallel: both must approve
    refused(session, D.do_approve, tp1, doc.id, doc.version, error=Invalid, key="doc.error.not_your_turn")
    D.do_approve(session, tp2, doc.id, doc.version)
    assert doc.stage == 2 and pending(session, doc) == {"pct1.saigon", "pct2.saigon"}  # a position held by two
    D.do_approve(session, pct2, doc.id, doc.version)
    assert doc.stage == 3 and pending(session, doc) == {"ct.saigon"}
    refused(session, D.do_approve, pct1, doc.id, doc.version, error=Invalid)  # the slot was done by pct2
    refused(session, D.do_approve, ct, doc.id, doc.version, error=Invalid, key="doc.error.not_your_turn")
    sig = D.do_sign(session, ct, doc.id, doc.version, "")
    assert doc.state == "issued" and doc.number is not None and doc.issued_on == clock.today()
    assert doc.symbol == f"{doc.number:02d}/QĐ-UBND"
    main = D.main_file(session, doc.id)
    assert sig.sha256 == main.sha256 == D.storage.check_upload("x.pdf", PDF).sha256
    assert sig.signer_id == ct.id and sig.method == "govhub-approval" and D.verify_signature(session, sig)
    sig.sha256 = "0" * 64  # a changed hash no longer matches the seal
    assert not D.verify_signature(session, sig)
    session.expire(sig)
    refused(session, D.do_sign, ct, doc.id, doc.version, error=Invalid, key="doc.error.not_your_turn")
    link = document_url(doc.id)
    kinds = {n.kind for n in session.exec(select(Notification).where(Notification.link == link)).all()}
    assert {"doc_review", "doc_sign", "doc_issued", "doc_received"} <= kinds
    actions = [e.action for e in D.document_detail(session, cv, doc.id).history]
    assert actions.count("approved") == 3 and {"created", "file_added", "submitted", "signed", "issued"} <= set(actions)
    assert ward.id == doc.issuing_unit_id


def test_return_revise_resubmit_sign(session: Session, official) -> None:
    cv, ct, bencat = official("cv.saigon"), official("ct.saigon"), official("ct.bencat")
    doc = new_doc(session, cv)
    assert pending(session, doc) == {"ct.saigon"}
    assert "sign" in D.document_detail(session, ct, doc.id).actions
    refused(session, D.do_return, ct, doc.id, doc.version, "", error=Invalid, key="doc.error.comment")
    refused(session, D.do_return, bencat, doc.id, doc.version, "Không", error=NotFound)
    refused(session, D.do_return, cv, doc.id, doc.version, "Tự trả", error=Invalid)
    D.do_return(session, ct, doc.id, doc.version, "Bổ sung căn cứ pháp lý.")
    assert doc.state == "returned" and not pending(session, doc)
    assert session.exec(select(Notification).where(Notification.recipient_id == cv.id,
                                                   Notification.kind == "doc_returned")).first() is not None
    refused(session, D.do_submit, cv, doc.id, doc.version, error=Invalid, key="doc.error.revise_first")
    refused(session, D.do_submit, ct, doc.id, doc.version, error=Invalid, key="doc.error.not_author")
    clock_offset = clock._offset
    try:
        from datetime import timedelta
        clock._offset = (clock_offset or timedelta(0)) + timedelta(seconds=5)
        D.do_add_file(session, cv, doc.id, doc.version, "du-thao-sua.pdf", demo_pdf("Ban sua"))
        D.do_submit(session, cv, doc.id, doc.version)
    finally:
        clock._offset = clock_offset
    assert doc.round == 2 and pending(session, doc) == {"ct.saigon"}
    main = D.main_file(session, doc.id)
    assert main.version == 2
    sig = D.do_sign(session, ct, doc.id, doc.version)
    assert sig.file_id == main.id and doc.state == "issued"
    assert doc.symbol.endswith("/UBND-VP")  # a công văn of the ward's office: issuing body - drafting unit
    detail = D.document_detail(session, cv, doc.id)
    assert [f.version for f in detail.files if f.main] == [2, 1] and detail.signatures[0].valid


def test_submit_needs_a_file_and_the_author(session: Session, official) -> None:
    cv, tp1 = official("cv.saigon"), official("tp1.saigon")
    doc = D.do_create(session, cv, D.DraftSpec(doc_type="cong_van", summary="Không có tệp"))
    refused(session, D.do_submit, cv, doc.id, doc.version, error=Invalid, key="doc.error.no_file")
    refused(session, D.do_add_file, tp1, doc.id, doc.version, "x.pdf", PDF, error=Invalid, key="doc.error.not_author")
    refused(session, D.do_create, cv, D.DraftSpec(doc_type="sac_lenh", summary="x"), error=Invalid,
            key="doc.error.type")
    refused(session, D.do_create, cv, D.DraftSpec(doc_type="cong_van", summary="  "), error=Invalid,
            key="doc.error.summary")


def test_signing_by_a_named_deputy(session: Session, official) -> None:
    cv, tp1, pct1, ct = official("cv.saigon"), official("tp1.saigon"), official("pct1.saigon"), official("ct.saigon")
    doc = new_doc(session, cv, "to_trinh")
    D.do_approve(session, tp1, doc.id, doc.version)
    assert pending(session, doc) == {"pct1.saigon"}
    refused(session, D.do_sign, ct, doc.id, doc.version, error=Invalid)  # the chairman delegated this one
    D.do_sign(session, pct1, doc.id, doc.version)
    assert doc.state == "issued" and "/TTr-UBND" in doc.symbol


# ---------------------------------------------------------------------------------------------------------------
# Routes as data
# ---------------------------------------------------------------------------------------------------------------


def test_editing_a_route_changes_the_next_document_only(session: Session, official) -> None:
    cv, tp1, admin, other = official("cv.saigon"), official("tp1.saigon"), official("admin"), official("tp1.bencat")
    route = session.exec(select(DocRoute).where(DocRoute.name == "Công văn — Chủ tịch ký")).one()
    before = new_doc(session, cv)
    chanh_vp = session.exec(select(Position).where(Position.code == "chanh_vp")).one()
    # denial twins: a specialist, another ward's unit admin
    refused(session, doc_routes.do_add_step, cv, route.id, route.version, stage=1, kind="review",
            assignee_kind="position", position_id=chanh_vp.id, error=NotFound)
    refused(session, doc_routes.do_add_step, other, route.id, route.version, stage=1, kind="review",
            assignee_kind="position", position_id=chanh_vp.id, error=NotFound)
    assert route.id not in {r.id for r in doc_routes.manageable_routes(session, other)}
    assert route.id in {r.id for r in doc_routes.manageable_routes(session, tp1)}
    # a review by the office chief at stage 1: signing moves after it
    doc_routes.do_add_step(session, admin, route.id, route.version, stage=1, kind="review",
                           assignee_kind="position", position_id=chanh_vp.id)
    detail = doc_routes.route_detail(session, tp1, route.id)
    assert detail.problem == "" and [(st.stage, st.kind) for st in detail.steps] == [(1, "review"), (2, "sign")]
    after = new_doc(session, cv)
    assert pending(session, after) == {"tp1.saigon"}
    assert pending(session, before) == {"ct.saigon"}  # already on its way: keeps its steps


def test_route_rules(session: Session, official) -> None:
    tp1, ct = official("tp1.saigon"), official("ct.saigon")
    route = doc_routes.do_create_route(session, tp1, "Chỉ cho ý kiến", "thong_bao")
    assert route.unit_id == unit(session, "26740").id
    assert doc_routes.route_detail(session, tp1, route.id).problem == "doc.route.problem.empty"
    doc_routes.do_add_step(session, tp1, route.id, route.version, stage=1, kind="sign", assignee_kind="unit_head")
    doc_routes.do_add_step(session, tp1, route.id, route.version, stage=2, kind="sign",
                           assignee_kind="official", official_id=ct.id)
    assert doc_routes.route_detail(session, tp1, route.id).problem == "doc.route.problem.sign_last"
    assert route.id not in {r.id for r in doc_routes.available_routes(session, "thong_bao", route.unit_id)}
    stranger = official("ct.bencat")
    refused(session, doc_routes.do_add_step, tp1, route.id, route.version, stage=1, kind="review",
            assignee_kind="official", official_id=stranger.id, error=Invalid, key="doc.route.error.assignee")
    refused(session, doc_routes.do_add_step, tp1, route.id, route.version, stage=0, kind="review",
            assignee_kind="unit_head", error=Invalid, key="doc.route.error.stage")
    refused(session, doc_routes.do_add_step, tp1, route.id, route.version, stage=1, kind="approve",
            assignee_kind="unit_head", error=Invalid, key="doc.route.error.step")
    refused(session, doc_routes.do_add_step, tp1, route.id, route.version - 1, stage=1, kind="review",
            assignee_kind="unit_head", error=Conflict)
    refused(session, doc_routes.do_create_route, official("cv.saigon"), "x", error=NotFound)
    cv = official("cv.saigon")
    refused(session, D.do_create, cv, D.DraftSpec(doc_type="thong_bao", summary="x", route_id=route.id),
            error=Invalid, key="doc.error.route")


# ---------------------------------------------------------------------------------------------------------------
# Numbering
# ---------------------------------------------------------------------------------------------------------------


def test_symbols_follow_decree_30() -> None:
    assert format_symbol(123, "quyet_dinh", "UBND") == "123/QĐ-UBND"
    assert format_symbol(123, "cong_van", "UBND", "VP") == "123/UBND-VP"
    assert format_symbol(5, "to_trinh", "STC") == "05/TTr-STC"
    assert format_symbol(7, "cong_van", "UBND") == "07/UBND"
    assert drafting_code(Unit(code="x", kind="division", name="Văn phòng HĐND và UBND")) == "VP"
    assert drafting_code(Unit(code="x", kind="division", name="Phòng Văn hóa - Xã hội")) == "VHXH"
    assert series_for("quyet_dinh") != series_for("cong_van")


def test_numbers_are_sequential_per_register(session: Session, official) -> None:
    cv, ct = official("cv.saigon"), official("ct.saigon")
    numbers = []
    for _ in range(3):
        doc = new_doc(session, cv)
        D.do_sign(session, ct, doc.id, doc.version)
        numbers.append(doc.number)
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    qd = new_doc(session, official("ct.saigon"), "cong_van")  # the chairman drafts in the ward itself
    D.do_sign(session, ct, qd.id, qd.version)
    assert qd.number == numbers[-1] + 1 and qd.symbol == f"{qd.number:02d}/UBND"


# ---------------------------------------------------------------------------------------------------------------
# Hostile uploads
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "key"), [
    ("du-thao.pdf", b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024), "doc.error.file_too_large"),
    ("du-thao.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "doc.error.file_content"),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 200, "doc.error.file_type"),
    ("../../etc/du-thao.pdf", PDF, "doc.error.file_name"),
    ("..\\du-thao.pdf", PDF, "doc.error.file_name"),
    ("du-thao.pdf", b"", "doc.error.file_empty"),
    ("bang.xlsx", docx_bytes("docx"), "doc.error.file_content"),
    ("anh.png", b"\xff\xd8\xff\xe0" + b"0" * 50, "doc.error.file_content"),
])
def test_hostile_uploads_are_refused_and_nothing_is_stored(session: Session, official, file_store, name: str,
                                                          data: bytes, key: str) -> None:
    cv = official("cv.saigon")
    doc = D.do_create(session, cv, D.DraftSpec(doc_type="cong_van", summary="Tệp độc hại"))
    err = refused(session, D.do_add_file, cv, doc.id, doc.version, name, data, error=Invalid, key=key)
    assert err.key.startswith("doc.error.file_")
    assert stored(file_store) == 0


def test_good_uploads_are_stored_under_generated_names(session: Session, official, file_store) -> None:
    cv = official("cv.saigon")
    doc = D.do_create(session, cv, D.DraftSpec(doc_type="bao_cao", summary="Báo cáo có phụ lục"))
    main = D.do_add_file(session, cv, doc.id, doc.version, "Báo cáo tháng 11.docx", docx_bytes("docx"))
    sheet = D.do_add_file(session, cv, doc.id, doc.version, "phu-luc.xlsx", docx_bytes("xlsx"), main=False)
    png = D.do_add_file(session, cv, doc.id, doc.version, "so-do.png", real_png(), main=False)
    assert (main.slot, sheet.slot, png.slot) == (1, 2, 3) and stored(file_store) == 3
    for row in (main, sheet, png):
        assert storage.KEY.match(row.storage_key) and row.name not in row.storage_key
    assert main.name == "Báo cáo tháng 11.docx" and main.mime.endswith("wordprocessingml.document")
    with pytest.raises(FileNotFoundError):
        file_store.get("../../etc/passwd")


# ---------------------------------------------------------------------------------------------------------------
# Inbox, lists, access
# ---------------------------------------------------------------------------------------------------------------


def test_inbox_shows_documents_awaiting_review_and_signature(session: Session, official) -> None:
    cv, tp1, ct = official("cv.saigon"), official("tp1.saigon"), official("ct.saigon")
    doc = new_doc(session, cv, "quyet_dinh")
    page = inbox.inbox(session, tp1, clock.today(), kind="doc_review")
    assert doc.id in {i.ref_id for i in page.items} and all(i.task_id == 0 for i in page.items)
    assert page.counts["doc_review"] >= 1
    before = inbox.inbox(session, ct, clock.today()).counts["doc_sign"]
    sign_doc = new_doc(session, cv)
    after = inbox.inbox(session, ct, clock.today(), query="cong_van kiem thu")
    assert after.counts["doc_sign"] == before + 1
    assert (sign_doc.id, "doc_sign") in {(i.ref_id, i.kind) for i in after.items}
    D.do_sign(session, ct, sign_doc.id, sign_doc.version)
    assert inbox.inbox(session, ct, clock.today()).counts["doc_sign"] == before


def test_lists_and_search(session: Session, official) -> None:
    cv, ct = official("cv.saigon"), official("ct.saigon")
    bt = unit(session, "26743")
    doc = new_doc(session, cv, recipients=[bt.id])
    assert doc.id in {r.id for r in D.list_documents(session, cv, "mine").rows}
    assert doc.id in {r.id for r in D.list_documents(session, ct, "progress").rows}
    D.do_sign(session, ct, doc.id, doc.version)
    issued = D.list_documents(session, cv, "issued", query=doc.symbol).rows
    assert [r.id for r in issued] == [doc.id]
    bt_head = session.exec(select(Official).where(Official.username == "ct.benthanh")).first()
    if bt_head is not None:
        assert doc.id in {r.id for r in D.list_documents(session, bt_head, "received").rows}
        assert D.document_detail(session, bt_head, doc.id).symbol == doc.symbol
    assert doc.id in {r.id for r in D.list_documents(session, cv, "mine", doc_type="cong_van").rows}
    assert doc.id not in {r.id for r in D.list_documents(session, cv, "mine", doc_type="quyet_dinh").rows}
    with pytest.raises(ValueError):
        D.list_documents(session, cv, "everything")


def test_another_units_official_gets_not_found(session: Session, official) -> None:
    cv, stranger, chutich = official("cv.saigon"), official("ct.bencat"), official("chutich")
    doc = new_doc(session, cv)
    file_id = D.main_file(session, doc.id).id
    for fn, args in ((D.document_detail, (doc.id,)), (D.access_file, (file_id,)), (D.read_file, (file_id,))):
        with pytest.raises(NotFound):
            fn(session, stranger, *args)
    with pytest.raises(NotFound):
        D.read_file(session, stranger, 10**9)
    assert doc.id not in {r.id for b in D.BOXES for r in D.list_documents(session, stranger, b).rows}
    assert D.document_detail(session, chutich, doc.id).actions == []  # a leader above sees, but does not act
    assert D.read_file(session, cv, file_id)[1] == PDF


def test_a_refused_route_template_stays_in_the_form_and_a_created_one_empties_it(app_db: None) -> None:  # noqa: F811
    """The new-template form is emptied by the server, and only once the template is created (the form is redrawn
    under a new draft key; the page no longer resets it on submit): a template refused for a blank name, or because
    the official lost the unit administrator's role meanwhile, keeps its draft key (what was typed stays) and
    stores nothing. A second submit of a draft already created (a double click) is ignored."""
    from govhub.db import session_scope
    from govhub.i18n import translate
    from govhub.services.identity.auth import do_start_session
    from govhub.state.base import AppState
    from govhub.state.documents import RouteAdminState
    from tests.statekit import call, make_root, run, substate

    name = "Thông báo — Trưởng phòng cho ý kiến, Chủ tịch ký"
    with session_scope() as s:
        editor = s.exec(select(Official).where(Official.username == "tp1.saigon")).one()
        editor_id, roles = editor.id, editor.roles
        token = do_start_session(s, editor, client_ip="127.0.0.1")

    def templates() -> int:
        with session_scope() as s:
            return s.exec(select(func.count()).select_from(DocRoute).where(DocRoute.name == name)).one()

    root = make_root(token, path="/admin/routes")
    run(call(root, RouteAdminState, "load"))
    state, app = substate(root, RouteAdminState), substate(root, AppState)
    assert state.allowed and state.route.id == 0
    draft = state.route_draft
    form = {"draft": draft, "name": name, "doc_type": "thong_bao", "is_default": "on"}

    # A blank name (the browser's "required" lets spaces through): refused, the draft and its key stay.
    run(call(root, RouteAdminState, "create_route", {**form, "name": "   "}))
    assert (app.notice.level, app.notice.text) == ("error", translate("vi", "doc.route.error.name"))
    assert state.route_draft == draft and state.route.id == 0 and templates() == 0
    # The official is no longer a unit administrator by the time they press "create": refused too, kept too.
    with session_scope() as s:
        s.get(Official, editor_id).roles = " ".join(r for r in roles.split() if r != "unit_admin") or "staff"
    run(call(root, RouteAdminState, "create_route", form))
    assert (app.notice.level, app.notice.text) == ("error", translate("vi", "error.not_found"))
    assert state.route_draft == draft and state.route.id == 0 and templates() == 0
    with session_scope() as s:
        s.get(Official, editor_id).roles = roles

    # Created: a new draft key (the form is drawn afresh, empty), the template opened in the editor.
    run(call(root, RouteAdminState, "create_route", form))
    assert (app.notice.level, app.notice.text) == ("success", translate("vi", "doc.route.done.created"))
    assert state.route_draft != draft and templates() == 1
    assert state.route.name == name and state.route.doc_type == "thong_bao" and state.route.is_default
    created = app.notice.id
    # The same submit again (a double click): ignored, no second template, no new message.
    run(call(root, RouteAdminState, "create_route", form))
    assert templates() == 1 and app.notice.id == created
    # The page leaves the form as typed on submit; the draft key names it (React redraws it when the key changes)
    # and travels in a hidden field.
    from govhub.pages.documents import _new_route_form

    page_form = _new_route_form().children[0]
    assert page_form.reset_on_submit._var_value is False and "route_draft" in str(page_form.key)
    hidden = page_form.children[0].children[0]
    assert (str(hidden.name), str(hidden.type)) == ('"draft"', '"hidden"') and "route_draft" in str(hidden.value)
