"""The directory: search and its ranking, the unit tree and pages, contact cards and their upkeep."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from govhub.models import AuditEvent, Official, Position, Unit
from govhub.services.core.errors import Conflict, Invalid, NotFound
from govhub.services.core.text import fold, search_words
from govhub.services.org import directory
from govhub.services.org.directory import OfficialCard, do_update_contact, search

GetOfficial = Callable[[str], Official]
ALL = 10_000  # a page size that holds every result


def unit_by_code(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def position_by_code(session: Session, code: str) -> Position:
    return session.exec(select(Position).where(Position.code == code)).one()


def found_ids(session: Session, query: str) -> set[int]:
    return {card.id for card in search(session, query, page_size=ALL).rows}


def match_class(card: OfficialCard, query: str) -> int:
    """0: the name starts or ends with the phrase; 1: the name holds every word; 2: another field matched."""
    name, words = fold(card.full_name), search_words(query)
    phrase = " ".join(words)
    if name.startswith(phrase) or name.endswith(" " + phrase):
        return 0
    return 1 if all(w in name for w in words) else 2


# --- search ------------------------------------------------------------------------------------------------


def test_search_by_name_without_diacritics(session: Session) -> None:
    result = search(session, "nguyen van", page_size=ALL)
    assert result.total == len(result.rows) > 0
    assert all(fold(card.full_name).startswith("nguyen van") for card in result.rows[:10])
    assert {"Nguyễn Văn Được"} <= {card.full_name for card in result.rows}


def test_search_with_and_without_diacritics_agree(session: Session) -> None:
    assert found_ids(session, "Nguyễn Văn") == found_ids(session, "nguyen van") == found_ids(session, "NGUYEN VAN")


def test_plain_d_finds_names_with_d_stroke(session: Session, official: GetOfficial) -> None:
    names = [card.full_name for card in search(session, "dang", page_size=ALL).rows]
    assert any(name.startswith("Đặng") for name in names)
    assert official("cv.saigon").id in found_ids(session, "duc dat")  # Nguyễn Đức Đạt
    assert found_ids(session, "Đạt") == found_ids(session, "dat")


def test_search_words_must_all_match(session: Session, official: GetOfficial) -> None:
    assert official("cv.saigon").id in found_ids(session, "dat saigon")
    assert official("cv.saigon").id not in found_ids(session, "dat taichinh")


def test_search_by_phone_digits(session: Session, official: GetOfficial) -> None:
    person = official("cv.saigon")
    digits = person.phone.replace(" ", "")
    assert found_ids(session, digits) == {person.id}
    assert person.id in found_ids(session, person.phone)  # with the spaces too
    assert person.id in found_ids(session, digits[-6:])
    assert found_ids(session, "0000000000") == set()


def test_search_by_email(session: Session, official: GetOfficial) -> None:
    person = official("ct.saigon")
    assert found_ids(session, person.email) == {person.id}


def test_search_by_unit_name(session: Session, official: GetOfficial) -> None:
    result = search(session, "sai gon", page_size=ALL)
    ward = unit_by_code(session, "26740")
    assert {official("ct.saigon").id, official("pct1.saigon").id, official("pct2.saigon").id} <= {
        card.id for card in result.rows
    }
    assert any(card.unit_id == ward.id for card in result.rows)
    assert official("gd.taichinh").id not in {card.id for card in result.rows}


def test_search_names_the_ward_of_a_division(session: Session, official: GetOfficial) -> None:
    """Every ward has divisions of the same names: a division's official comes with the ward it belongs to (a
    ward's own leaders and the city's agencies need nothing more)."""
    cards = {c.id: c for c in search(session, "sai gon", page_size=ALL).rows}
    specialist, chairman = cards[official("cv.saigon").id], cards[official("ct.saigon").id]
    assert specialist.unit_name != "Phường Sài Gòn" and specialist.within == "Phường Sài Gòn"
    assert chairman.unit_name == "Phường Sài Gòn" and chairman.within == ""
    director = search(session, official("gd.taichinh").full_name, page_size=ALL).rows
    assert any(c.id == official("gd.taichinh").id and c.within == "" for c in director)


def test_search_leaves_out_inactive_officials(session: Session, official: GetOfficial) -> None:
    person = official("cv.saigon")
    assert person.id in found_ids(session, "duc dat")
    person.active = False
    session.flush()
    assert person.id not in found_ids(session, "duc dat")


@pytest.mark.parametrize("query", ["", "   ", "%%%", "___", "%", "\t"])
def test_empty_query_finds_nothing(session: Session, query: str) -> None:
    assert search(session, query) == directory.SearchPage(total=0, page=1, pages=0, rows=[])


def test_wildcards_are_not_wildcards(session: Session) -> None:
    """'%' and '_' split words instead of matching anything."""
    assert search(session, "ng%yen").total == search(session, "ng yen").total
    assert search(session, "zz%zz").total == 0


def test_search_pages(session: Session) -> None:
    size = 7
    first, second = search(session, "nguyen", 1, size), search(session, "nguyen", 2, size)
    assert first.total == second.total > 3 * size
    assert first.pages == second.pages == -(-first.total // size)
    assert (first.page, second.page) == (1, 2)
    assert len(first.rows) == len(second.rows) == size
    assert not {c.id for c in first.rows} & {c.id for c in second.rows}
    everything = search(session, "nguyen", page_size=ALL).rows
    assert [c.id for c in everything[:2 * size]] == [c.id for c in first.rows + second.rows]
    last = search(session, "nguyen", first.pages, size)
    assert len(last.rows) == first.total - (first.pages - 1) * size
    big = search(session, "nguyen", 1, 100)
    pages = [search(session, "nguyen", p, 100).rows for p in range(1, big.pages + 1)]
    assert [c.id for rows in pages for c in rows] == [c.id for c in everything]


def test_search_page_out_of_range(session: Session) -> None:
    total = search(session, "nguyen").total
    beyond = search(session, "nguyen", 10_000)
    assert beyond.total == total and beyond.rows == []
    assert search(session, "nguyen", 10**9).page == 10_000  # clamped, never a huge OFFSET
    for page in (0, -5):
        clamped = search(session, "nguyen", page)
        assert clamped.page == 1 and clamped.rows == search(session, "nguyen", 1).rows


@pytest.mark.parametrize("query", ["nguyen van", "hoa", "long", "an", "thanh", "sai gon", "dat"])
def test_search_ranking_is_name_first_then_rank(session: Session, query: str) -> None:
    rows = search(session, query, page_size=ALL).rows
    order = [(match_class(card, query), card.rank) for card in rows]
    assert order == sorted(order)


def test_name_match_ranks_before_unit_match(session: Session) -> None:
    """'long': people called Long come before staff of Phường Long Bình who are not."""
    rows = search(session, "long", page_size=ALL).rows
    named = [i for i, c in enumerate(rows) if "long" in fold(c.full_name).split()]
    by_unit = [i for i, c in enumerate(rows) if "long" not in fold(c.full_name) and "long" in fold(c.unit_name)]
    assert named and by_unit
    assert max(named) < min(by_unit)


def test_same_match_class_ranks_by_position(session: Session, official: GetOfficial) -> None:
    """Everybody matches 'sai gon' only by unit; the chairman comes first, then the vice chairmen."""
    rows = search(session, "sai gon", page_size=ALL).rows
    assert rows[0].id == official("ct.saigon").id
    assert {rows[1].id, rows[2].id} == {official("pct1.saigon").id, official("pct2.saigon").id}
    assert [c.rank for c in rows] == sorted(c.rank for c in rows)


# --- the tree and unit pages -------------------------------------------------------------------------------


def test_unit_groups(session: Session) -> None:
    groups = directory.unit_groups(session)
    assert {k: len(v) for k, v in groups.items()} == {"city": 1, "agencies": 16, "local": 168}
    assert groups["city"][0].kind == "city"
    assert {u.kind for u in groups["agencies"]} == {"office", "department", "inspectorate"}
    assert {u.kind for u in groups["local"]} == {"ward", "commune", "special_zone"}
    assert all(u.officials >= 1 for rows in groups.values() for u in rows)


def test_unit_groups_count_only_active_officials(session: Session, official: GetOfficial) -> None:
    def ward_count() -> int:
        return next(u.officials for u in directory.unit_groups(session)["local"] if u.code == "26740")

    before = ward_count()
    official("ct.saigon").active = False
    session.flush()
    assert ward_count() == before - 1


def test_unit_detail_of_a_ward(session: Session, official: GetOfficial) -> None:
    ward = unit_by_code(session, "26740")
    detail = directory.unit_detail(session, ward.id)
    assert (detail.code, detail.name, detail.kind) == ("26740", "Phường Sài Gòn", "ward")
    assert [row.kind for row in detail.breadcrumb] == ["city"]
    assert [row.code for row in detail.children] == ["26740-P1", "26740-P2", "26740-P3"]
    assert detail.officials[0].id == official("ct.saigon").id
    assert detail.officials[0].position == "Chủ tịch UBND"
    assert [c.rank for c in detail.officials] == sorted(c.rank for c in detail.officials)


def test_unit_detail_shows_concurrent_posts(session: Session, official: GetOfficial) -> None:
    division = unit_by_code(session, "26740-P2")
    deputy = official("pct1.saigon")
    detail = directory.unit_detail(session, division.id)
    assert [row.code for row in detail.breadcrumb] == ["UBND-TP", "26740"]
    posts = [c for c in detail.officials if c.id == deputy.id]
    assert len(posts) == 1
    assert posts[0].position == "Trưởng phòng" and posts[0].unit_id == division.id
    # Not in a division where they hold no post.
    p3 = directory.unit_detail(session, unit_by_code(session, "26740-P3").id)
    assert deputy.id not in {c.id for c in p3.officials}


def test_unit_detail_of_unknown_or_inactive_unit(session: Session) -> None:
    with pytest.raises(NotFound):
        directory.unit_detail(session, 999_999)
    ward = unit_by_code(session, "26740")
    ward.active = False
    session.flush()
    with pytest.raises(NotFound):
        directory.unit_detail(session, ward.id)


# --- contact cards -----------------------------------------------------------------------------------------


def test_contact_card(session: Session, official: GetOfficial) -> None:
    person = official("ct.saigon")
    card = directory.contact(session, person.id)
    assert (card.full_name, card.phone, card.email) == (person.full_name, person.phone, person.email)
    assert card.unit_name == "Phường Sài Gòn" and card.position == "Chủ tịch UBND"
    assert card.initials == directory.initials(person.full_name) and len(card.initials) == 2
    assert card.extra_posts == []


def test_contact_card_lists_concurrent_posts(session: Session, official: GetOfficial) -> None:
    card = directory.contact(session, official("pct1.saigon").id)
    assert card.extra_posts == ["Trưởng phòng, Phòng Kinh tế, Hạ tầng và Đô thị"]


def test_contact_of_unknown_or_inactive_official(session: Session, official: GetOfficial) -> None:
    with pytest.raises(NotFound):
        directory.contact(session, 999_999)
    person = official("cv.saigon")
    person.active = False
    session.flush()
    with pytest.raises(NotFound):
        directory.contact(session, person.id)


def test_initials() -> None:
    assert directory.initials("Nguyễn Đức Đạt") == "ĐN"
    assert directory.initials("An") == "A"
    assert directory.initials("  ") == "?"


# --- editing a contact -------------------------------------------------------------------------------------


def edit(session: Session, actor: Official, target: Official, **changes: object) -> OfficialCard:
    """do_update_contact with the target's current values, overridden by ``changes``."""
    fields: dict = {"version": target.version, "full_name": target.full_name, "phone": target.phone,
                    "email": target.email, "position_id": target.position_id}
    return do_update_contact(session, actor, target.id, **(fields | changes))


def test_unit_admin_edits_an_official_of_their_unit(session: Session, official: GetOfficial) -> None:
    actor, target = official("tp1.saigon"), official("cv.saigon")
    version = target.version
    card = edit(session, actor, target, full_name="  Trịnh   Công Sơn ", phone="0909 123 456",
                email="son@tphcm.gov.vn", client_ip="10.0.0.1")
    assert (card.full_name, card.phone, card.email) == ("Trịnh Công Sơn", "0909 123 456", "son@tphcm.gov.vn")
    assert card.version == version + 1
    session.expire_all()
    stored = session.get(Official, target.id)
    assert stored.full_name == "Trịnh Công Sơn" and stored.version == version + 1
    assert stored.name_folded == "trinh cong son"


def test_edit_refreshes_the_search_text(session: Session, official: GetOfficial) -> None:
    target = official("cv.saigon")
    assert target.id not in found_ids(session, "trinh cong son")
    edit(session, official("tp1.saigon"), target, full_name="Trịnh Công Sơn", phone="0909 123 456")
    assert found_ids(session, "trinh cong son") == {target.id}
    assert found_ids(session, "0909123456") == {target.id}
    assert target.id not in found_ids(session, "nguyen duc dat")
    assert target.id in found_ids(session, "trinh van phong hdnd")  # the unit is still part of it


def test_edit_keeps_concurrent_posts_searchable(session: Session, official: GetOfficial) -> None:
    target = official("pct1.saigon")
    edit(session, official("admin"), target, full_name="Lê Xuân Đạt Mới")
    assert target.id in found_ids(session, "dat moi kinh te")


def test_edit_writes_an_audit_event(session: Session, official: GetOfficial) -> None:
    actor, target = official("tp1.saigon"), official("cv.saigon")
    old_name = target.full_name
    edit(session, actor, target, full_name="Trịnh Công Sơn", client_ip="10.0.0.1")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "directory.official_updated")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (actor.id, "official", target.id)
    assert event.client_ip == "10.0.0.1"
    assert json.loads(event.detail)["before"]["full_name"] == old_name


def test_admin_edits_anybody(session: Session, official: GetOfficial) -> None:
    card = edit(session, official("admin"), official("gd.taichinh"), phone="028 1234 5678")
    assert card.phone == "028 1234 5678"


def test_position_can_change(session: Session, official: GetOfficial) -> None:
    target = official("cv.saigon")
    senior = position_by_code(session, "chuyen_vien_chinh")
    card = edit(session, official("tp1.saigon"), target, position_id=senior.id)
    assert card.position == senior.title and card.rank == senior.rank


def assert_refused(session: Session, actor: Official, target: Official) -> None:
    """The edit is refused as NotFound, and nothing changes or is audited."""
    name, version = target.full_name, target.version
    with pytest.raises(NotFound):
        edit(session, actor, target, full_name="Someone Else")
    session.expire_all()
    stored = session.get(Official, target.id)
    assert (stored.full_name, stored.version) == (name, version)
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "directory.official_updated")).first() is None


def test_unit_admin_cannot_edit_another_ward(session: Session, official: GetOfficial) -> None:
    assert_refused(session, official("tp1.saigon"), official("tp1.tanphu"))


def test_unit_admin_cannot_edit_an_agency(session: Session, official: GetOfficial) -> None:
    assert_refused(session, official("tp1.saigon"), official("gd.taichinh"))


def test_unit_admin_keeps_the_whole_ward(session: Session, official: GetOfficial) -> None:
    """The ward office's administrator keeps the whole ward's directory: its leaders and every division."""
    actor = official("tp1.saigon")
    assert edit(session, actor, official("ct.saigon"), phone="028 3829 0001").phone == "028 3829 0001"
    assert edit(session, actor, official("tp2.saigon"), phone="028 3829 0002").phone == "028 3829 0002"


def test_unit_admin_of_a_ward_cannot_edit_the_city(session: Session, official: GetOfficial) -> None:
    assert_refused(session, official("tp1.saigon"), official("chutich"))


def test_staff_cannot_edit(session: Session, official: GetOfficial) -> None:
    actor = official("cv.saigon")
    assert_refused(session, actor, official("cv.saigon"))
    assert_refused(session, actor, official("tp1.saigon"))


def test_leaders_without_the_role_cannot_edit(session: Session, official: GetOfficial) -> None:
    assert_refused(session, official("ct.saigon"), official("cv.saigon"))
    assert_refused(session, official("chutich"), official("cv.saigon"))


def test_inactive_admin_cannot_edit(session: Session, official: GetOfficial) -> None:
    actor = official("admin")
    actor.active = False
    session.flush()
    assert_refused(session, actor, official("cv.saigon"))


def test_unknown_official_is_not_found(session: Session, official: GetOfficial) -> None:
    with pytest.raises(NotFound):
        do_update_contact(session, official("admin"), 999_999, version=1, full_name="Ai Đó", phone="", email="",
                          position_id=official("cv.saigon").position_id)


def test_stale_version_conflicts_and_changes_nothing(session: Session, official: GetOfficial) -> None:
    actor, target = official("tp1.saigon"), official("cv.saigon")
    stale = target.version
    edit(session, actor, target, phone="0909 000 001")
    with pytest.raises(Conflict):
        edit(session, actor, target, version=stale, full_name="Lost Update", phone="0909 000 002")
    session.expire_all()
    stored = session.get(Official, target.id)
    assert stored.phone == "0909 000 001" and stored.full_name != "Lost Update"
    assert stored.version == stale + 1
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "directory.official_updated")).all()
    assert len(events) == 1


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"phone": "call me"}, "directory.error.phone"),
        ({"phone": "0909-abc"}, "directory.error.phone"),
        ({"email": "no-at-sign"}, "directory.error.email"),
        ({"email": "@tphcm.gov.vn"}, "directory.error.email"),
        ({"email": "a b@tphcm.gov.vn"}, "directory.error.email"),
        ({"email": "someone@"}, "directory.error.email"),
        ({"full_name": "X"}, "directory.error.name"),
        ({"full_name": "   "}, "directory.error.name"),
        ({"position_id": 999_999}, "directory.error.position"),
    ],
)
def test_invalid_edit_is_refused(session: Session, official: GetOfficial, changes: dict, key: str) -> None:
    target = official("cv.saigon")
    before = (target.full_name, target.phone, target.email, target.version)
    with pytest.raises(Invalid) as err:
        edit(session, official("tp1.saigon"), target, **changes)
    assert err.value.key == key
    session.expire_all()
    stored = session.get(Official, target.id)
    assert (stored.full_name, stored.phone, stored.email, stored.version) == before


@pytest.mark.parametrize("phone", ["", "+84 28 3829 6052", "(028) 3829.6052", "0909-123-456"])
def test_valid_phone_forms(session: Session, official: GetOfficial, phone: str) -> None:
    assert edit(session, official("tp1.saigon"), official("cv.saigon"), phone=phone).phone == phone


def test_contact_for_and_unit_page_for_tell_who_may_edit(session: Session, official: GetOfficial) -> None:
    target = official("cv.saigon")
    assert directory.contact_for(session, official("tp1.saigon"), target.id)[1] is True
    assert directory.contact_for(session, official("cv.saigon"), target.id)[1] is False
    assert directory.contact_for(session, official("tp1.tanphu"), target.id)[1] is False
    division = unit_by_code(session, "26740-P1")
    assert directory.unit_page_for(session, official("tp1.saigon"), division.id)[1] is True
    assert directory.unit_page_for(session, official("tp1.tanphu"), division.id)[1] is False
