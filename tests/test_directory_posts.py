"""Who may change a directory entry's post (unit and position) and its sign-on e-mail (issue 12, B2): denial
twins for the unit administrator who made himself ward chairman by a one-row import, for the contact editor that
took any position, and for the e-mail that links an account to single sign-on; grants audited with before/after."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session, select

from govhub.config import get_settings
from govhub.models import AuditEvent, Official, Position, Unit
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.org import directory
from govhub.services.org.directory_import import RejectedRow, do_import_csv
from govhub.services.tasks.access import unit_head

GetOfficial = Callable[[str], Official]
HEADER = "username,full_name,unit_code,position_code,phone,email"
SAIGON = "26740"


def position(session: Session, code: str) -> Position:
    return session.exec(select(Position).where(Position.code == code)).one()


def unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def row(target: Official, unit_code: str, position_code: str, email: str | None = None) -> str:
    return f"{target.username},{target.full_name},{unit_code},{position_code},{target.phone}," \
           f"{target.email if email is None else email}"


def import_rows(session: Session, actor: Official, *rows: str) -> list[RejectedRow]:
    return do_import_csv(session, actor, "\n".join([HEADER, *rows]) + "\n").rejected


def edit(session: Session, actor: Official, target: Official, **changes: object) -> directory.OfficialCard:
    fields: dict = {"version": target.version, "full_name": target.full_name, "phone": target.phone,
                    "email": target.email, "position_id": target.position_id}
    return directory.do_update_contact(session, actor, target.id, **(fields | changes))


def posts(session: Session) -> list[tuple[int, int]]:
    return list(session.exec(select(Official.unit_id, Official.position_id).order_by(Official.id)).all())


def audits(session: Session, action: str) -> list[dict]:
    rows = session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
    return [json.loads(e.detail) | {"_object": e.object_id, "_actor": e.actor_id} for e in rows]


# --------------------------------------------------------------------------------------------------------------
# B2: the one-row import and the contact editor
# --------------------------------------------------------------------------------------------------------------


def test_a_unit_admin_cannot_import_himself_into_the_ward_as_its_chairman(session: Session,
                                                                         official: GetOfficial) -> None:
    me, ward = official("tp1.saigon"), unit(session, SAIGON)
    before = posts(session)
    for unit_code, pos in ((SAIGON, "chu_tich"), (SAIGON, "chanh_vp"), (f"{SAIGON}-P1", "chu_tich"),
                           (f"{SAIGON}-P2", "chanh_vp")):
        assert import_rows(session, me, row(me, unit_code, pos)) == [
            RejectedRow(2, "tp1.saigon", "directory.error.own_post")], (unit_code, pos)
    assert posts(session) == before
    assert unit_head(session, ward.id).username == "ct.saigon"
    # the same row for his own contact details only (post unchanged) goes through
    assert import_rows(session, me, row(me, f"{SAIGON}-P1", "chanh_vp", email="tp1.new@tphcm.gov.vn")) == []


def test_nobody_edits_their_own_position(session: Session, official: GetOfficial) -> None:
    for username in ("tp1.saigon", "admin"):
        me = official(username)
        with pytest.raises(Invalid) as err:
            edit(session, me, me, position_id=position(session, "chu_tich").id)
        assert err.value.key == "directory.error.own_post"
    assert edit(session, official("admin"), official("admin"), phone="028 0000 0001").phone == "028 0000 0001"


@pytest.mark.parametrize("code", ["chu_tich", "pho_chu_tich", "truong_phong", "pho_truong_phong", "chanh_vp",
                                  "pho_chanh_vp", "chu_tich_tp", "giam_doc"])
def test_a_unit_admin_grants_no_leading_or_equal_post(session: Session, official: GetOfficial, code: str) -> None:
    actor, target = official("tp1.saigon"), official("cv.saigon")
    before = posts(session)
    with pytest.raises(Invalid) as err:
        edit(session, actor, target, position_id=position(session, code).id)
    assert err.value.key == "directory.error.post_reserved"
    assert import_rows(session, actor, row(target, SAIGON, code), f"new.head,Trần Văn Mới,{SAIGON}-P2,{code},,") == [
        RejectedRow(2, "cv.saigon", "directory.error.post_reserved"),
        RejectedRow(3, "new.head", "directory.error.post_reserved")]
    assert posts(session) == before
    assert code not in {p.code for p in session.exec(select(Position)).all()
                        if p.id in {i for i, _ in directory.edit_options(session, actor, target.id).positions}}


def test_a_unit_admin_does_not_move_or_demote_the_wards_leaders(session: Session, official: GetOfficial) -> None:
    actor = official("tp1.saigon")
    before = posts(session)
    for username, unit_code, code in (("ct.saigon", SAIGON, "chuyen_vien"), ("pct1.saigon", f"{SAIGON}-P2",
                                                                              "pho_chu_tich"),
                                      ("tp2.saigon", f"{SAIGON}-P3", "chuyen_vien")):
        target = official(username)
        assert import_rows(session, actor, row(target, unit_code, code)) == [
            RejectedRow(2, username, "directory.error.post_reserved")]
    with pytest.raises(Invalid):
        edit(session, actor, official("ct.saigon"), position_id=position(session, "chuyen_vien").id)
    assert posts(session) == before
    # contact details of a leader stay theirs to keep
    assert edit(session, actor, official("ct.saigon"), phone="028 3829 0009").phone == "028 3829 0009"


def test_a_unit_admin_still_moves_and_retitles_staff(session: Session, official: GetOfficial) -> None:
    actor, target = official("tp1.saigon"), official("cv.saigon")
    assert import_rows(session, actor, row(target, f"{SAIGON}-P3", "chuyen_vien_chinh"),
                       f"new.staff,Trần Văn Mới,{SAIGON}-P2,can_su,,") == []
    moved = official("cv.saigon")
    assert (moved.unit_id, moved.position_id) == (unit(session, f"{SAIGON}-P3").id,
                                                  position(session, "chuyen_vien_chinh").id)


def test_a_unit_admin_does_not_edit_a_system_administrators_entry(session: Session, official: GetOfficial) -> None:
    actor, admin = official("tp1.vpubnd"), official("admin")
    assert directory.can_administer_unit(session, actor, admin.unit_id)  # same unit, yet:
    with pytest.raises(NotFound):
        edit(session, actor, admin, phone="0909 000 000")
    assert directory.contact_for(session, actor, admin.id)[1] is False
    assert import_rows(session, actor, row(admin, "S-VP", "quan_tri", email="me@evil.example")) == [
        RejectedRow(2, "admin", "import.error.unit")]


def test_a_system_administrator_appoints_a_chairman_and_it_is_audited(session: Session,
                                                                     official: GetOfficial) -> None:
    admin, target = official("admin"), official("cv.saigon")
    old_position, chairman = target.position_id, position(session, "chu_tich")
    edit(session, admin, target, position_id=chairman.id, client_ip="10.0.0.7")
    [event] = audits(session, "directory.post_changed")
    assert event["before"] == {"position_id": old_position} and event["after"] == {"position_id": chairman.id}
    assert (event["_object"], event["_actor"], event["via"]) == (target.id, admin.id, "edit")


# --------------------------------------------------------------------------------------------------------------
# The import's audit: before and after per changed row
# --------------------------------------------------------------------------------------------------------------


def test_the_import_audits_each_changed_row_with_before_and_after(session: Session, official: GetOfficial) -> None:
    actor, cv, same = official("tp1.saigon"), official("cv.saigon"), official("tp2.saigon")
    old_phone = cv.phone
    rejected = import_rows(session, actor, row(cv, f"{SAIGON}-P3", "chuyen_vien_chinh").replace(
        old_phone, "0909 777 888"), row(same, f"{SAIGON}-P2", "truong_phong"),
        f"new.staff,Trần Văn Mới,{SAIGON}-P2,can_su,,")
    assert rejected == []
    [summary] = session.exec(select(AuditEvent).where(AuditEvent.action == "directory.imported")).all()
    assert json.loads(summary.detail) == {"created": 1, "updated": 2}
    [changed] = audits(session, "directory.post_changed")
    assert changed["_object"] == cv.id and changed["import"] == summary.id and changed["via"] == "import"
    assert changed["before"] == {"phone": old_phone, "unit_id": unit(session, f"{SAIGON}-P1").id,
                                 "position_id": position(session, "chuyen_vien").id}
    assert changed["after"] == {"phone": "0909 777 888", "unit_id": unit(session, f"{SAIGON}-P3").id,
                                "position_id": position(session, "chuyen_vien_chinh").id}
    [created] = audits(session, "directory.official_created")
    assert created["before"] is None and created["after"]["full_name"] == "Trần Văn Mới"
    assert not [e for e in audits(session, "directory.official_updated") if e["_object"] == same.id]


# --------------------------------------------------------------------------------------------------------------
# Single sign-on: the linking e-mail
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def sso_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GOVHUB_OIDC_ISSUER", "https://id.tphcm.gov.vn")
    monkeypatch.setenv("GOVHUB_OIDC_CLIENT_ID", "govhub")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("GOVHUB_OIDC_ISSUER")
    monkeypatch.delenv("GOVHUB_OIDC_CLIENT_ID")
    get_settings.cache_clear()


def test_with_sso_a_unit_admin_cannot_change_the_linking_email(session: Session, official: GetOfficial,
                                                              sso_on: None) -> None:
    actor, target = official("tp1.saigon"), official("cv.saigon")
    email = target.email
    with pytest.raises(Invalid) as err:
        edit(session, actor, target, email="attacker@example.com")
    assert err.value.key == "directory.error.email_linked"
    assert import_rows(session, actor, row(target, f"{SAIGON}-P1", "chuyen_vien", email="attacker@example.com")) \
        == [RejectedRow(2, "cv.saigon", "directory.error.email_linked")]
    assert official("cv.saigon").email == email
    assert directory.edit_options(session, actor, target.id).email_locked
    # the rest of the entry stays editable, the same address in other letter case is no change
    assert edit(session, actor, target, phone="0909 111 000", email=email.upper()).phone == "0909 111 000"
    assert edit(session, official("admin"), official("cv.saigon"), email="new@tphcm.gov.vn").email == \
        "new@tphcm.gov.vn"
    assert not directory.edit_options(session, official("admin"), target.id).email_locked
    # nor give a new entry an address the directory already holds (its owner's sign-in would become ambiguous)
    assert import_rows(session, actor, f"new.one,Trần Văn Mới,{SAIGON}-P2,can_su,,CT.SAIGON@tphcm.gov.vn") == [
        RejectedRow(2, "new.one", "directory.error.email_taken")]
    assert import_rows(session, actor, f"new.one,Trần Văn Mới,{SAIGON}-P2,can_su,,new.one@tphcm.gov.vn") == []


def test_without_sso_the_unit_admin_keeps_the_email(session: Session, official: GetOfficial) -> None:
    actor, target = official("tp1.saigon"), official("cv.saigon")
    assert not directory.edit_options(session, actor, target.id).email_locked
    assert edit(session, actor, target, email="moi@tphcm.gov.vn").email == "moi@tphcm.gov.vn"
