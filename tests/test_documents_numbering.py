"""Concurrent issuing in one register never duplicates or skips a number: many threads sign the last step of
different documents of one ward at the same moment, on PostgreSQL, in a database of their own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from govhub.db import make_engine
from govhub.demo.documents import demo_pdf
from govhub.migrations import upgrade
from govhub.models import DocRoute, DocRouteStep, Document, Official, Position, Unit
from govhub.services.core import storage
from govhub.services.documents import workflow as D
from tests.conftest import PG_URL
from tests.pgkit import create_database, drop_database
from tests.serverkit import NO_POSTGRES

THREADS = 12


@pytest.fixture
def pg_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A fresh PostgreSQL database (created and dropped here) with one ward, its head and a drafter."""
    if not PG_URL:
        pytest.skip(NO_POSTGRES)
    monkeypatch.setattr(storage, "_store", storage.LocalFileStore(tmp_path / "files"))
    url = create_database("govhub_docnum")
    engine = None
    try:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as s:
            ward = Unit(code="W1", kind="ward", name="Phường Thử", abbrev="UBND")
            head = Position(code="chu_tich", title="Chủ tịch", rank=10, is_head=True)
            staff = Position(code="chuyen_vien", title="Chuyên viên", rank=31)
            s.add_all([ward, head, staff])
            s.flush()
            s.add_all([Official(username="head", full_name="Trần Văn Chủ", unit_id=ward.id, position_id=head.id,
                                roles="leader unit_head"),
                       Official(username="drafter", full_name="Lê Thị Soạn", unit_id=ward.id, position_id=staff.id)])
            route = DocRoute(name="Chủ tịch ký", unit_id=None, doc_type="", is_default=True)
            s.add(route)
            s.flush()
            s.add(DocRouteStep(route_id=route.id, stage=1, kind="sign", assignee_kind="unit_head"))
            s.commit()
        yield engine
    finally:
        if engine is not None:
            engine.dispose()
        drop_database(url)


def _person(s: Session, username: str) -> Official:
    return s.exec(select(Official).where(Official.username == username)).one()


def test_concurrent_issuing_never_duplicates_or_skips(pg_engine: Engine) -> None:
    ids = []
    with Session(pg_engine, expire_on_commit=False) as s:
        drafter = _person(s, "drafter")
        for i in range(THREADS + 1):
            doc = D.do_create(s, drafter, D.DraftSpec(doc_type="quyet_dinh", summary=f"Quyết định số {i}"))
            D.do_add_file(s, drafter, doc.id, doc.version, "qd.pdf", demo_pdf(f"QD {i}"))
            D.do_submit(s, drafter, doc.id, doc.version)
            ids.append((doc.id, doc.version))
        s.commit()
    # the register's first number is taken alone; then every thread races for the next ones
    first = ids.pop(0)
    with Session(pg_engine) as s:
        D.do_sign(s, _person(s, "head"), *first)
        s.commit()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def sign(doc_id: int, version: int) -> None:
        try:
            with Session(pg_engine) as s:
                head = _person(s, "head")
                barrier.wait(timeout=30)
                D.do_sign(s, head, doc_id, version)
                s.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=pair) for pair in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with Session(pg_engine) as s:
        numbers = sorted(s.exec(select(Document.number).where(Document.state == "issued")).all())
        symbols = {d.symbol for d in s.exec(select(Document)).all()}
    assert numbers == list(range(1, THREADS + 2))
    assert len(symbols) == THREADS + 1 and "01/QĐ-UBND" in symbols and f"{THREADS + 1:02d}/QĐ-UBND" in symbols
