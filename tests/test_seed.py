"""The demo city: its shape, its demo accounts, and that seeding is idempotent and deterministic."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from govhub.db import make_engine
from govhub.demo.city import DEMO_PASSWORD, seed_demo
from govhub.migrations import upgrade
from govhub.models import Official, OfficialPost, Position, Unit
from govhub.services.identity.auth import do_sign_in
from govhub.services.org.structure import LEADING_KINDS, LOCAL_KINDS

DEMO_USERS = ["chutich", "pct1", "gd.taichinh", "ct.saigon", "cv.saigon", "admin"]
Roster = list[tuple[str, str]]


def count(session: Session, model: type, *where: object) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def roster(session: Session) -> Roster:
    return [tuple(r) for r in session.exec(select(Official.username, Official.full_name).order_by(Official.username))]


def fresh_roster(path: Path) -> Roster:
    """Migrate and seed a new SQLite database; return its (username, full_name) list."""
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            report = seed_demo(session)
            session.commit()
            assert not report.skipped and report.officials == count(session, Official)
            return roster(session)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def first_roster(tmp_path_factory: pytest.TempPathFactory) -> Roster:
    return fresh_roster(tmp_path_factory.mktemp("seed") / "first.db")


def test_second_seed_is_skipped(session: Session) -> None:
    counts = [count(session, m) for m in (Unit, Position, Official, OfficialPost)]
    report = seed_demo(session)
    assert report.skipped and (report.units, report.officials) == (0, 0)
    assert [count(session, m) for m in (Unit, Position, Official, OfficialPost)] == counts


def test_local_units(session: Session) -> None:
    kinds = Counter(session.exec(select(Unit.kind).where(Unit.kind.in_(LOCAL_KINDS))).all())
    assert kinds == {"ward": 113, "commune": 54, "special_zone": 1}


def test_agencies(session: Session) -> None:
    kinds = Counter(session.exec(select(Unit.kind).where(Unit.kind.in_(LEADING_KINDS))).all())
    assert kinds == {"department": 14, "office": 1, "inspectorate": 1}
    assert count(session, Unit, Unit.kind == "city") == 1


def test_every_agency_and_local_unit_has_exactly_one_head(session: Session) -> None:
    heads = Counter(session.exec(
        select(Unit.code)
        .join(Official, Official.unit_id == Unit.id)
        .join(Position, Position.id == Official.position_id)
        .where(Unit.kind.in_((*LEADING_KINDS, *LOCAL_KINDS)), Position.is_head.is_(True))
    ).all())
    codes = session.exec(select(Unit.code).where(Unit.kind.in_((*LEADING_KINDS, *LOCAL_KINDS)))).all()
    assert len(codes) == 184
    assert {code: heads[code] for code in codes} == dict.fromkeys(codes, 1)


def test_every_division_belongs_to_an_agency_or_local_unit(session: Session) -> None:
    parent = Unit.__table__.alias("parent")
    kinds = set(session.exec(
        select(parent.c.kind).select_from(Unit).join(parent, parent.c.id == Unit.parent_id)
        .where(Unit.kind == "division")
    ).all())
    assert kinds <= {*LEADING_KINDS, *LOCAL_KINDS}


def test_usernames_are_unique_and_search_text_is_filled(session: Session) -> None:
    assert count(session, Official) == len(set(session.exec(select(Official.username)).all()))
    assert count(session, Official, (Official.search_text == "") | (Official.name_folded == "")) == 0


@pytest.mark.parametrize("username", DEMO_USERS)
def test_demo_accounts_sign_in(session: Session, username: str) -> None:
    assert do_sign_in(session, username, DEMO_PASSWORD).token


def test_demo_accounts_refuse_another_password(session: Session) -> None:
    assert do_sign_in(session, "admin", DEMO_PASSWORD + "!").error == "auth.error.invalid"


def test_demo_roles(official: Callable[[str], Official]) -> None:
    assert "admin" in official("admin").role_set()
    assert "unit_admin" in official("tp1.saigon").role_set()
    assert official("cv.saigon").role_set() == {"staff"}
    assert official("chutich").full_name == "Nguyễn Văn Được"


def test_names_are_deterministic(first_roster: Roster, tmp_path: Path) -> None:
    again = fresh_roster(tmp_path / "second.db")
    assert again == first_roster
    assert len(first_roster) > 2000


def test_seeded_backend_has_the_same_names(session: Session, first_roster: Roster) -> None:
    """The database each test runs on (SQLite or PostgreSQL) holds the very same people."""
    assert roster(session) == first_roster
