"""CSV import of directory entries: all rows or none."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from govhub.models import AuditEvent, Official, Unit
from govhub.services.core.errors import Invalid
from govhub.services.org.directory import search
from govhub.services.org.directory_import import ImportReport, RejectedRow, do_import_csv

GetOfficial = Callable[[str], Official]
HEADER = "username,full_name,unit_code,position_code,phone,email"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def count_officials(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Official)).one()


def find(session: Session, username: str) -> Official | None:
    return session.exec(select(Official).where(Official.username == username)).first()


def unit_code(session: Session, official: Official) -> str:
    return session.get(Unit, official.unit_id).code


def imports(session: Session) -> list[AuditEvent]:
    return session.exec(select(AuditEvent).where(AuditEvent.action == "directory.imported")).all()


GOOD = csv_text(
    "new.one,Trần Thị Mới,26740-P1,chuyen_vien,0909 111 222,new.one@tphcm.gov.vn",
    "New.Two,  Lê   Văn Hai ,26740-P1,can_su,,",
    "cv.saigon,Nguyễn Đức Đạt,26740-P1,chuyen_vien_chinh,0909 333 444,dat@tphcm.gov.vn",
)


def test_admin_imports_new_and_updated_officials(session: Session, official: GetOfficial) -> None:
    before = count_officials(session)
    version = official("cv.saigon").version
    report = do_import_csv(session, official("admin"), GOOD, client_ip="10.0.0.2")
    assert report == ImportReport(created=2, updated=1, rejected=[]) and report.ok
    assert count_officials(session) == before + 2
    one, two = find(session, "new.one"), find(session, "new.two")
    assert one is not None and two is not None
    assert (one.full_name, one.phone, one.email) == ("Trần Thị Mới", "0909 111 222", "new.one@tphcm.gov.vn")
    assert (two.full_name, two.roles, two.password_hash) == ("Lê Văn Hai", "staff", None)
    assert unit_code(session, one) == "26740-P1"
    updated = official("cv.saigon")
    assert (updated.phone, updated.email, updated.version) == ("0909 333 444", "dat@tphcm.gov.vn", version + 1)
    assert search(session, "tran thi moi").rows[0].id == one.id  # searchable, name match first
    [event] = imports(session)
    assert event.actor_id == official("admin").id and event.client_ip == "10.0.0.2"
    assert json.loads(event.detail) == {"created": 2, "updated": 1}


def test_update_keeps_concurrent_posts_searchable(session: Session, official: GetOfficial) -> None:
    """pct1.saigon also heads the ward's economic division; an import must not drop that from search."""
    deputy = official("pct1.saigon")

    def found() -> bool:
        return deputy.id in {c.id for c in search(session, "kinh te dat", page_size=1000).rows}

    assert found()
    text = csv_text(f"pct1.saigon,{deputy.full_name},26740,pho_chu_tich,0909 555 666,")
    assert do_import_csv(session, official("admin"), text).updated == 1
    assert found()


def test_bad_rows_import_nothing_and_are_all_reported(session: Session, official: GetOfficial) -> None:
    before = count_officials(session)
    phone = official("cv.saigon").phone
    text = csv_text(
        "fine.row,Trần Văn Ổn,26740-P1,chuyen_vien,,",  # line 2: fine on its own
        "bad.unit,Trần Văn Ba,99999-P9,chuyen_vien,,",  # line 3
        "bad user!,Trần Văn Bốn,26740-P1,chuyen_vien,,",  # line 4
        "fine.row,Trần Văn Năm,26740-P1,chuyen_vien,,",  # line 5: duplicate of line 2
        "bad.mail,Trần Văn Sáu,26740-P1,chuyen_vien,,not-an-email",  # line 6
        "bad.phone,Trần Văn Bảy,26740-P1,chuyen_vien,call me,",  # line 7
        "bad.position,Trần Văn Tám,26740-P1,no_such_position,,",  # line 8
        "bad.name,X,26740-P1,chuyen_vien,,",  # line 9
        ",Không Tên,26740-P1,chuyen_vien,,",  # line 10
        "cv.saigon,Nguyễn Đức Đạt,26740-P1,chuyen_vien,0909 999 999,",  # line 11: a fine update
    )
    report = do_import_csv(session, official("admin"), text)
    assert not report.ok and (report.created, report.updated) == (0, 0)
    assert report.rejected == [
        RejectedRow(3, "bad.unit", "import.error.unit"),
        RejectedRow(4, "bad user!", "import.error.username"),
        RejectedRow(5, "fine.row", "import.error.duplicate"),
        RejectedRow(6, "bad.mail", "directory.error.email"),
        RejectedRow(7, "bad.phone", "directory.error.phone"),
        RejectedRow(8, "bad.position", "directory.error.position"),
        RejectedRow(9, "bad.name", "directory.error.name"),
        RejectedRow(10, "", "import.error.username"),
    ]
    assert count_officials(session) == before
    assert find(session, "fine.row") is None
    assert official("cv.saigon").phone == phone
    assert imports(session) == []


def test_line_numbers_count_blank_lines(session: Session, official: GetOfficial) -> None:
    text = HEADER + "\n\nfine.row,Trần Văn Ổn,26740-P1,chuyen_vien,,\n\nbad.unit,Trần Văn Ba,nope,chuyen_vien,,\n"
    report = do_import_csv(session, official("admin"), text)
    assert report.rejected == [RejectedRow(5, "bad.unit", "import.error.unit")]


def test_short_rows_are_rejected_not_crashing(session: Session, official: GetOfficial) -> None:
    report = do_import_csv(session, official("admin"), csv_text("short.row,Trần Văn Ngắn", "only.name"))
    assert [(r.line, r.reason) for r in report.rejected] == [(2, "import.error.unit"), (3, "directory.error.name")]


def test_header_and_values_may_have_spaces_and_a_bom(session: Session, official: GetOfficial) -> None:
    text = "\ufeff" + csv_text(" New.Spaced , Trần Văn Cách ,26740-P1 , chuyen_vien ",
                               header=" username , full_name , unit_code , position_code ")
    assert do_import_csv(session, official("admin"), text).created == 1
    assert find(session, "new.spaced").full_name == "Trần Văn Cách"


def test_unit_admin_imports_into_their_own_unit(session: Session, official: GetOfficial) -> None:
    report = do_import_csv(session, official("tp1.saigon"), GOOD)
    assert (report.created, report.updated, report.rejected) == (2, 1, [])


def test_unit_admin_cannot_import_into_another_ward(session: Session, official: GetOfficial) -> None:
    before = count_officials(session)
    text = csv_text(
        "new.one,Trần Thị Mới,26740-P1,chuyen_vien,,",  # their own division: fine
        "new.two,Lê Văn Hai,27004-P1,chuyen_vien,,",  # another ward's office
        "new.three,Lê Văn Ba,27004,chuyen_vien,,",  # another ward
        "new.four,Lê Văn Bốn,26740,chuyen_vien,,",  # their own ward (they keep its directory): fine
    )
    report = do_import_csv(session, official("tp1.saigon"), text)
    assert [(r.line, r.reason) for r in report.rejected] == [(3, "import.error.unit"), (4, "import.error.unit")]
    assert count_officials(session) == before


def test_unit_admin_cannot_take_over_someone_elses_official(session: Session, official: GetOfficial) -> None:
    """An existing username from another ward cannot be moved into the admin's unit by import."""
    victim = official("ct.tanphu")
    home = victim.unit_id
    text = csv_text("ct.tanphu,Kẻ Mạo Danh,26740-P1,chuyen_vien,,")
    report = do_import_csv(session, official("tp1.saigon"), text)
    assert report.rejected == [RejectedRow(2, "ct.tanphu", "import.error.unit")]
    assert (victim.unit_id, victim.full_name) == (home, official("ct.tanphu").full_name)
    assert victim.full_name != "Kẻ Mạo Danh"


def test_staff_cannot_import(session: Session, official: GetOfficial) -> None:
    report = do_import_csv(session, official("cv.saigon"), csv_text("new.one,Trần Thị Mới,26740-P1,chuyen_vien,,"))
    assert report.rejected == [RejectedRow(2, "new.one", "import.error.unit")]
    assert find(session, "new.one") is None


@pytest.mark.parametrize(
    "header",
    ["username,full_name,unit_code", "user,full_name,unit_code,position_code", "full_name,unit_code,position_code"],
)
def test_missing_columns_are_invalid(session: Session, official: GetOfficial, header: str) -> None:
    with pytest.raises(Invalid) as err:
        do_import_csv(session, official("admin"), csv_text("a,b,c,d", header=header))
    assert err.value.key == "import.error.columns"


def test_empty_file_is_invalid(session: Session, official: GetOfficial) -> None:
    with pytest.raises(Invalid) as err:
        do_import_csv(session, official("admin"), "")
    assert err.value.key == "import.error.columns"


def test_optional_columns_may_be_left_out(session: Session, official: GetOfficial) -> None:
    text = csv_text("new.one,Trần Thị Mới,26740-P1,chuyen_vien", header="username,full_name,unit_code,position_code")
    assert do_import_csv(session, official("admin"), text).created == 1


def test_header_only_imports_nothing(session: Session, official: GetOfficial) -> None:
    report = do_import_csv(session, official("admin"), csv_text())
    assert report == ImportReport() and report.ok


def test_too_big_or_too_long_files_are_invalid(
    session: Session, official: GetOfficial, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govhub.services.org import directory_import

    monkeypatch.setattr(directory_import, "MAX_ROWS", 2)
    rows = [f"new.{i},Trần Văn Số,26740-P1,chuyen_vien,," for i in range(3)]
    with pytest.raises(Invalid) as err:
        do_import_csv(session, official("admin"), csv_text(*rows))
    assert err.value.key == "import.error.too_many"
    assert do_import_csv(session, official("admin"), csv_text(*rows[:2])).created == 2
    monkeypatch.setattr(directory_import, "MAX_BYTES", 100)
    with pytest.raises(Invalid) as err:
        do_import_csv(session, official("admin"), csv_text(*rows))
    assert err.value.key == "import.error.too_big"
