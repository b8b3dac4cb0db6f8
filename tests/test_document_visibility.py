"""Who may see a document (issue 12, B1): denial twins for what the city issues or receives, on the page, in
the lists and through ``GET /files/<id>``. Before the fix any ancestor of the official's unit counted as theirs,
and the City People's Committee is an ancestor of every department and ward."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from govhub import clock
from govhub.api.file_routes import routes as file_routes
from govhub.db import get_engine, session_scope
from govhub.demo.city import DEMO_PASSWORD, seed_demo
from govhub.demo.documents import demo_pdf
from govhub.migrations import upgrade
from govhub.models import DocFile, DocRecipient, Document, Official, Position, Unit
from govhub.services.core import storage
from govhub.services.core.errors import NotFound
from govhub.services.core.text import fold
from govhub.services.documents import workflow as D
from govhub.services.identity import auth
from govhub.services.identity.auth import COOKIE_NAME

PDF = demo_pdf("Cong van mat")
CITY, STC, SAIGON, THUDAUMOT = "UBND-TP", "S-STC", "26740", "25747"


def unit_id(session: Session, code: str) -> int:
    return session.exec(select(Unit.id).where(Unit.code == code)).one()


def staff_of(session: Session, code: str) -> Official:
    """A specialist (no leading role) in a division of the unit ``code``."""
    return session.exec(
        select(Official).join(Unit, Unit.id == Official.unit_id).join(Position, Position.id == Official.position_id)
        .where(Unit.parent_id == unit_id(session, code), Official.roles == "staff", Position.code.like("chuyen_vien%"))
        .order_by(Official.id)).first()


def issued(session: Session, author: Official, issuing: str, to: list[str], *, store: bool = False) -> Document:
    """An issued document of ``issuing`` sent to the units ``to``, with its main file."""
    summary = f"Văn bản của {issuing} gửi {', '.join(to)}"
    doc = Document(doc_type="cong_van", summary=summary, summary_folded=fold(summary), state="issued",
                   drafting_unit_id=author.unit_id, issuing_unit_id=unit_id(session, issuing), author_id=author.id,
                   symbol=f"{author.id}/UBND-KT", issued_at=clock.now(), issued_on=clock.today())
    session.add(doc)
    session.flush()
    for code in to:
        session.add(DocRecipient(document_id=doc.id, unit_id=unit_id(session, code)))
    key = storage.get_store().put(PDF) if store else "not-stored"
    session.add(DocFile(document_id=doc.id, name="cong-van.pdf", mime="application/pdf", size=len(PDF),
                        sha256="0" * 64, storage_key=key, uploaded_by_id=author.id))
    session.flush()
    return doc


def sees(session: Session, who: Official, doc: Document) -> bool:
    """Whether ``who`` opens the page of ``doc`` and its file; the two must agree, and so must the lists."""
    file_id = D.main_file(session, doc.id).id
    try:
        D.document_detail(session, who, doc.id)
        page = True
    except NotFound:
        page = False
    try:
        D.access_file(session, who, file_id)
        file = True
    except NotFound:
        file = False
    assert page == file, (who.username, page, file)
    listed = any(doc.id in {r.id for r in D.list_documents(session, who, box, page_size=1000).rows}
                 for box in D.BOXES)
    assert not listed or page, (who.username, "listed but not visible")
    return page


def test_a_city_memo_to_one_department_is_not_read_by_wards_or_other_departments(session: Session,
                                                                                   official) -> None:
    memo = issued(session, official("pct1"), CITY, [STC])
    for stranger in (staff_of(session, THUDAUMOT), staff_of(session, SAIGON), official("cv.saigon"),
                     official("ct.thudaumot"), official("tp1.saigon"), staff_of(session, "S-SXD"),
                     official("gd.xaydung")):
        assert not sees(session, stranger, memo), stranger.username
    for reader in (official("pct1"), official("chutich"), official("gd.taichinh"), staff_of(session, STC)):
        assert sees(session, reader, memo), reader.username
    assert memo.id in {r.id for r in D.list_documents(session, staff_of(session, STC), "received").rows}


def test_a_wards_document_to_the_city_is_not_read_by_another_ward_or_a_department(session: Session,
                                                                                  official) -> None:
    doc = issued(session, official("cv.saigon"), SAIGON, [CITY])
    for stranger in (official("cv.thudaumot"), official("ct.thudaumot"), official("tp1.thudaumot"),
                     official("gd.taichinh"), staff_of(session, STC), official("cvp.vpubnd")):
        assert not sees(session, stranger, doc), stranger.username
    for reader in (official("cv.saigon"), official("ct.saigon"), staff_of(session, SAIGON), official("chutich"),
                   official("pct2")):
        assert sees(session, reader, doc), reader.username


def test_an_inactive_official_sees_nothing(session: Session, official) -> None:
    author = official("cv.saigon")
    doc = issued(session, author, SAIGON, [])
    assert sees(session, author, doc)
    author.active = False
    session.flush()
    assert not sees(session, author, doc)


# --------------------------------------------------------------------------------------------------------------
# The same through the file route, against the app's own database
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city_memo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A memo of the city to Sở Tài chính only, with its file stored, and live sessions of officials."""
    saved = storage._store
    storage._store = storage.LocalFileStore(Path(tmp_path_factory.mktemp("files")))
    upgrade()
    with Session(get_engine()) as s:
        seed_demo(s)
        s.commit()
    users = ("cv.saigon", "cv.thudaumot", "gd.taichinh", "pct1")
    with session_scope() as s:
        pct1 = s.exec(select(Official).where(Official.username == "pct1")).one()
        memo = issued(s, pct1, CITY, [STC], store=True)
        to_city = issued(s, s.exec(select(Official).where(Official.username == "cv.saigon")).one(), SAIGON, [CITY],
                         store=True)
        info = {"memo": D.main_file(s, memo.id).id, "to_city": D.main_file(s, to_city.id).id}
        specialist = staff_of(s, THUDAUMOT)
        info["specialist"] = auth.do_sign_in(s, specialist.username, DEMO_PASSWORD).token
        for user in users:
            info[user] = auth.do_sign_in(s, user, DEMO_PASSWORD).token
    yield info
    storage._store = saved


def get_file(token: str, file_id: int) -> int:
    c = TestClient(Starlette(routes=file_routes), follow_redirects=False)
    c.cookies.set(COOKIE_NAME, token)
    return c.get(f"/files/{file_id}").status_code


def test_the_file_route_follows_the_rule(city_memo: dict) -> None:
    for who in ("cv.saigon", "cv.thudaumot", "specialist"):
        assert get_file(city_memo[who], city_memo["memo"]) == 404, who
    for who in ("gd.taichinh", "pct1"):
        assert get_file(city_memo[who], city_memo["memo"]) == 200, who
    for who in ("cv.thudaumot", "specialist", "gd.taichinh"):
        assert get_file(city_memo[who], city_memo["to_city"]) == 404, who
    for who in ("cv.saigon", "pct1"):
        assert get_file(city_memo[who], city_memo["to_city"]) == 200, who
