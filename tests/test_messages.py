"""Case groups, conversations, instructions, attachments and news: who belongs, who may read and write, and the
denial twin of every success."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from govhub import clock
from govhub.models import AuditEvent, Conversation, ConversationMember, Notification, Official, Unit
from govhub.routes import conversation_url
from govhub.services.core.errors import Invalid, NotFound
from govhub.services.core.text import fold
from govhub.services.messaging import conversations as messages
from govhub.services.messaging.conversations import Upload
from govhub.services.tasks import actions as tasks
from govhub.services.tasks import quick_assign
from govhub.services.tasks.quick_assign import DirectiveSpec
from tests.test_authz_sweep import app_db  # noqa: F401  (fixture: the app's own database, seeded)

PDF = b"%PDF-1.4 test document\n%%EOF\n"


@pytest.fixture(autouse=True)
def _uploads(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from govhub.config import get_settings

    monkeypatch.setattr(get_settings(), "upload_dir", str(tmp_path / "uploads"))


def members(session: Session, conversation_id: int) -> set[str]:
    return set(session.exec(select(Official.username).join(
        ConversationMember, ConversationMember.official_id == Official.id).where(
        ConversationMember.conversation_id == conversation_id)).all())


def assign_to_saigon(session: Session, official, title: str = "Rà soát hồ sơ đất đai") -> int:  # noqa: ANN001
    unit = session.get(Official, official("ct.saigon").id).unit_id
    task = tasks.do_assign(session, official("chutich"), tasks.NewTask(
        title=title, deadline=clock.today() + timedelta(days=10)), unit_id=unit)
    session.flush()
    return task.id


def group_of(session: Session, task_id: int) -> int:
    return session.exec(select(Conversation.id).where(Conversation.task_id == task_id)).one()


def test_a_new_task_opens_its_case_group_with_the_people_of_the_case(session, official) -> None:  # noqa: ANN001
    task_id = assign_to_saigon(session, official)
    cid = group_of(session, task_id)
    assert members(session, cid) == {"chutich", "ct.saigon"}
    # Delegation: the specialist joins the parent's case group and has the sub-task's own group.
    child = tasks.do_delegate(session, official("ct.saigon"), task_id, 1, tasks.NewTask(title="Phần việc"),
                              official_id=official("cv.saigon").id)
    assert "cv.saigon" in members(session, cid)
    # The sub-task's group: the delegator, the specialist, and the head of the specialist's division.
    assert members(session, group_of(session, child.id)) == {"ct.saigon", "cv.saigon", "tp1.saigon"}


def test_quick_assign_opens_all_case_groups_in_a_fixed_number_of_statements(session, official) -> None:  # noqa: ANN001
    actor = official("chutich")
    wards = quick_assign.preset_ids(session, actor, "all")
    assert len(wards) >= 184

    def run(units: list[int]) -> int:
        statements = []
        def listener(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
            if "conversation" in statement:
                statements.append(statement)

        event.listen(session.get_bind(), "before_cursor_execute", listener)
        try:
            quick_assign.do_quick_assign(session, actor, DirectiveSpec(source="city_pc", number="9/TB-VP"),
                                         tasks.NewTask(title="Kiểm tra"), units)
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", listener)
        return len(statements)

    few, many = run(wards[:5]), run(wards[:184])
    assert many == few == 3  # batched inserts and one select, never a query per task
    made = session.exec(select(func.count()).select_from(Conversation).where(Conversation.kind == "case")).one()
    assert made >= 189
    saigon_task = session.exec(select(Conversation).where(Conversation.title == "Kiểm tra").join(
        ConversationMember, ConversationMember.conversation_id == Conversation.id).where(
        ConversationMember.official_id == official("ct.saigon").id)).first()
    assert saigon_task is not None and members(session, saigon_task.id) == {"chutich", "ct.saigon"}


def test_members_talk_and_strangers_get_not_found(session, official) -> None:  # noqa: ANN001
    cid = group_of(session, assign_to_saigon(session, official))
    messages.do_send(session, official("chutich"), cid, "Đề nghị phường báo cáo trước thứ Sáu.")
    assert messages.unread_total(session, official("ct.saigon")) == 1
    rows = messages.history(session, official("ct.saigon"), cid)
    assert [r.body for r in rows] == ["Đề nghị phường báo cáo trước thứ Sáu."]
    messages.do_mark_read(session, official("ct.saigon"), cid)
    assert messages.unread_total(session, official("ct.saigon")) == 0
    # The denial twins: another ward's chairman and a Sài Gòn specialist outside the case.
    for stranger in ("ct.tandinh", "cv.saigon"):
        other = session.exec(select(Official).where(Official.username == stranger)).first()
        if other is None:
            continue
        with pytest.raises(NotFound):
            messages.history(session, other, cid)
        with pytest.raises(NotFound):
            messages.do_send(session, other, cid, "xin chào")
        assert stranger not in members(session, cid)
    with pytest.raises(NotFound):
        messages.history(session, official("ct.saigon"), 10_000_000)


def how_joined(session: Session, conversation_id: int) -> dict[str, tuple[str, str | None]]:
    """Each member's username → (how they joined, who added them)."""
    adder = aliased(Official)
    return {name: (how, by) for name, how, by in session.exec(
        select(Official.username, ConversationMember.joined_how, adder.username)
        .join(ConversationMember, ConversationMember.official_id == Official.id)
        .outerjoin(adder, adder.id == ConversationMember.added_by_id)
        .where(ConversationMember.conversation_id == conversation_id)).all()}


def test_a_leader_above_who_may_see_the_task_reads_its_group_and_joins_only_by_writing(session, official) -> None:  # noqa: ANN001
    task_id = assign_to_saigon(session, official)
    pct = official("pct1.saigon")
    conversation = messages.access_task_group(session, pct, task_id)
    messages.do_send(session, official("chutich"), conversation.id, "Phường báo cáo tiến độ.", instruction=True)
    # Opening and reading make nobody a member: no unread count, no place in the list, no acknowledgement owed.
    assert [r.body for r in messages.history(session, pct, conversation.id)] == ["Phường báo cáo tiến độ."]
    messages.do_mark_read(session, pct, conversation.id)
    assert "pct1.saigon" not in members(session, conversation.id)
    assert not messages.is_member(session, pct, conversation)
    assert conversation.id not in [r.id for r in messages.conversations(session, pct).rows]
    instruction = messages.history(session, pct, conversation.id)[0]
    assert instruction.ack_total == 1  # the chairman of the ward only
    with pytest.raises(Invalid):
        messages.do_acknowledge(session, pct, instruction.id)
    # Writing joins, recorded as joining on their own and audited; those placed by the task say so.
    messages.do_send(session, pct, conversation.id, "Tôi theo dõi việc này.")
    assert how_joined(session, conversation.id) == {"chutich": ("task", None), "ct.saigon": ("task", None),
                                                    "pct1.saigon": ("self", "pct1.saigon")}
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "conversation.joined",
                                                 AuditEvent.object_id == conversation.id)).one().actor_id == pct.id
    with pytest.raises(NotFound):
        messages.access_task_group(session, official("cv.saigon"), task_id)


def test_a_group_records_who_opened_it_and_who_was_invited(session, official) -> None:  # noqa: ANN001
    group = messages.do_create_group(session, official("ct.saigon"), "Tổ công tác",
                                     [official("cv.saigon").id, official("tp1.saigon").id])
    assert how_joined(session, group.id) == {"ct.saigon": ("created", None),
                                             "cv.saigon": ("invited", "ct.saigon"),
                                             "tp1.saigon": ("invited", "ct.saigon")}
    direct = messages.do_direct(session, official("cv.saigon"), official("tp1.saigon").id)
    assert how_joined(session, direct.id) == {"cv.saigon": ("created", None), "tp1.saigon": ("invited", "cv.saigon")}


def test_instruction_acknowledgement_reaches_its_sender(session, official) -> None:  # noqa: ANN001
    cid = group_of(session, assign_to_saigon(session, official))
    msg = messages.do_send(session, official("chutich"), cid, "Triển khai ngay.", instruction=True)
    status = messages.ack_status(session, official("chutich"), msg.id)
    assert [(p.read, p.acked) for p in status] == [(False, False)]
    with pytest.raises(Invalid):  # the sender does not acknowledge their own instruction
        messages.do_acknowledge(session, official("chutich"), msg.id)
    with pytest.raises(NotFound):  # nor does a stranger
        messages.do_acknowledge(session, official("cv.saigon"), msg.id)
    messages.do_acknowledge(session, official("ct.saigon"), msg.id)
    messages.do_acknowledge(session, official("ct.saigon"), msg.id)  # twice is once
    status = messages.ack_status(session, official("chutich"), msg.id)
    assert [(p.read, p.acked) for p in status] == [(True, True)]
    row = messages.history(session, official("chutich"), cid)[-1]
    assert (row.ack_count, row.ack_total) == (1, 1)
    told = session.exec(select(Notification).where(Notification.recipient_id == official("chutich").id,
                                                   Notification.kind == "instruction_ack")).all()
    assert len(told) == 1
    plain = messages.do_send(session, official("chutich"), cid, "Cảm ơn.")
    with pytest.raises(Invalid):
        messages.do_acknowledge(session, official("ct.saigon"), plain.id)


def test_search_and_paging(session, official) -> None:  # noqa: ANN001
    cid = group_of(session, assign_to_saigon(session, official))
    for i in range(45):
        messages.do_send(session, official("chutich" if i % 2 else "ct.saigon"), cid, f"Tin số {i} về đất đai")
    messages.do_send(session, official("chutich"), cid, "Kết luận: giải phóng mặt bằng")
    page = messages.history(session, official("ct.saigon"), cid)
    assert len(page) == messages.PAGE and page[-1].body.startswith("Kết luận")
    older = messages.history(session, official("ct.saigon"), cid, before_id=page[0].id)
    assert len(older) == 16 and older[-1].id < page[0].id
    found = messages.search(session, official("ct.saigon"), cid, "giai phong")  # accents ignored
    assert [r.body for r in found] == ["Kết luận: giải phóng mặt bằng"]
    with pytest.raises(NotFound):
        messages.search(session, official("cv.saigon"), cid, "giai phong")


def test_search_takes_wildcards_literally(session, official) -> None:  # noqa: ANN001
    """``%`` and ``_`` in a search are the characters themselves, not SQL LIKE wildcards."""
    cid = group_of(session, assign_to_saigon(session, official))
    for text in ("Giải ngân đạt 100% kế hoạch", "Đã hỗ trợ 100 hộ dân", "Mã hồ sơ HS_2025", "Hồ sơ HSX2025"):
        messages.do_send(session, official("chutich"), cid, text)

    def found(query: str) -> list[str]:
        return [r.body for r in messages.search(session, official("ct.saigon"), cid, query)]

    assert found("100%") == ["Giải ngân đạt 100% kế hoạch"]
    assert found("hs_2025") == ["Mã hồ sơ HS_2025"]
    assert found("%%") == [] and found("__") == []
    assert found("100") == ["Đã hỗ trợ 100 hộ dân", "Giải ngân đạt 100% kế hoạch"]


def _tab(token: str, path: str):  # noqa: ANN202
    """A signed-in browser tab's state tree, on ``path``, its page loaded."""
    from govhub.state.messages import MessagesState
    from tests.statekit import call, make_root, run

    root = make_root(token)
    _go(root, path)
    run(call(root, MessagesState, "load"))
    return root


def _go(root, path: str) -> None:  # noqa: ANN001
    """The tab moves to another page (the router data every event carries)."""
    data = {**root.router_data, "pathname": path, "asPath": path}
    root.router_data = data
    root._update_router_vars(data, {})


def test_live_messages_update_the_list_and_read_only_what_the_tab_shows(app_db: None) -> None:  # noqa: F811
    """What the realtime layer does to a tab when a message arrives: on the messages list the conversation's unread
    count shows at once; a tab showing the conversation gets the message and has read it; a tab that has left for
    another page marks nothing read (the bell tells) and its list is not reloaded for nothing."""
    from govhub.db import session_scope
    from govhub.services.identity.auth import do_start_session
    from govhub.state.messages import MessagesState
    from tests.statekit import run, substate

    with session_scope() as s:
        chairman, deputy, specialist = (s.exec(select(Official).where(Official.username == u)).one()
                                        for u in ("ct.saigon", "pct1.saigon", "cv.saigon"))
        cid = messages.do_create_group(s, chairman, "Tổ công tác chỉnh trang đô thị", [deputy.id, specialist.id]).id
        deputy_id, specialist_id = deputy.id, specialist.id
        tokens = [do_start_session(s, who, client_ip="127.0.0.1") for who in (deputy, specialist, specialist)]
    link = conversation_url(cid)

    def say(text: str) -> None:
        with session_scope() as s:
            messages.do_send(s, s.get(Official, chairman.id), cid, text)

    def unread(official_id: int) -> int:
        with session_scope() as s:
            return messages.unread_total(s, s.get(Official, official_id))

    reading = substate(_tab(tokens[0], link), MessagesState)
    on_list = substate(_tab(tokens[1], "/messages"), MessagesState)
    assert reading.conv_id == cid and on_list.conv_id == 0
    assert {c.id: c.unread for c in on_list.convs}[cid] == 0
    say("Đề nghị rà soát danh sách điểm ngập.")
    run(reading._on_push(deputy_id, {link}))
    run(on_list._on_push(specialist_id, {link}))
    assert [r.body for r in reading.rows] == ["Đề nghị rà soát danh sách điểm ngập."]
    assert unread(deputy_id) == 0
    assert {c.id: c.unread for c in on_list.convs}[cid] == 1 and on_list.convs[0].id == cid
    assert on_list.rows == [] and unread(specialist_id) == 1

    # The specialist opened it in another tab, then went on to the inbox: the next message stays unread.
    elsewhere_root = _tab(tokens[2], link)
    elsewhere = substate(elsewhere_root, MessagesState)
    assert unread(specialist_id) == 0
    _go(elsewhere_root, "/")
    say("Phòng Quản lý đô thị chủ trì tổng hợp.")
    shown, listed = list(elsewhere.rows), list(elsewhere.convs)
    run(elsewhere._on_push(specialist_id, {link}))
    assert elsewhere.rows == shown and elsewhere.convs == listed
    assert unread(specialist_id) == 1


def test_a_live_message_keeps_every_older_page_read_back(app_db: None) -> None:  # noqa: F811
    """Far back in a long history (more than the 200 rows one re-read returns), a new message or an acknowledgement
    adds to what is shown: nothing shown is lost, nothing twice."""
    from govhub.db import session_scope
    from govhub.services.identity.auth import do_start_session
    from govhub.state.messages import MessagesState
    from tests.statekit import call, run, substate

    with session_scope() as s:
        chairman, deputy = (s.exec(select(Official).where(Official.username == u)).one()
                            for u in ("ct.saigon", "pct1.saigon"))
        cid = messages.do_create_group(s, chairman, "Theo dõi giải ngân", [deputy.id]).id
        messages.do_send(s, chairman, cid, "Chỉ đạo: báo cáo hằng tuần.", instruction=True)
        for i in range(250):
            messages.do_send(s, chairman, cid, f"Tiến độ số {i + 1}")
        token, deputy_id = do_start_session(s, deputy, client_ip="127.0.0.1"), deputy.id
    root = _tab(token, conversation_url(cid))
    state = substate(root, MessagesState)
    while state.has_older:
        run(call(root, MessagesState, "older"))
    assert len(state.rows) == 251 and state.rows[0].kind == "instruction"
    with session_scope() as s:
        messages.do_send(s, s.get(Official, chairman.id), cid, "Tin mới nhất")
    run(state._on_push(deputy_id, {conversation_url(cid)}))
    ids = [r.id for r in state.rows]
    assert len(ids) == 252 and ids == sorted(set(ids)) and state.rows[-1].body == "Tin mới nhất"
    run(call(root, MessagesState, "acknowledge", state.rows[0].id))
    ids = [r.id for r in state.rows]
    assert len(ids) == 252 and ids == sorted(set(ids)) and state.rows[0].acked


def test_direct_and_group_conversations(session, official) -> None:  # noqa: ANN001
    a, b = official("ct.saigon"), official("cv.saigon")
    direct = messages.do_direct(session, a, b.id)
    assert messages.do_direct(session, b, a.id).id == direct.id
    messages.do_send(session, b, direct.id, "Báo cáo anh")
    rows = messages.conversations(session, a).rows
    assert any(r.id == direct.id and r.unread == 1 and r.title == b.full_name for r in rows)
    with pytest.raises(NotFound):
        messages.do_direct(session, a, a.id)
    group = messages.do_create_group(session, a, "Tổ công tác", [b.id, official("pct1.saigon").id])
    assert members(session, group.id) == {"ct.saigon", "cv.saigon", "pct1.saigon"}
    with pytest.raises(NotFound):
        messages.history(session, official("chutich"), group.id)
    with pytest.raises(Invalid):
        messages.do_create_group(session, a, "", [b.id])
    with pytest.raises(Invalid):
        messages.do_create_group(session, a, "Nhóm", [99_999_999])


def statements_of(session: Session, fn) -> int:  # noqa: ANN001
    """How many statements ``fn()`` sends to the database."""
    sent: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        sent.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listener)
    return len(sent)


def test_the_list_is_one_statement_whatever_the_number_of_direct_conversations(session, official) -> None:  # noqa: ANN001
    """No query per conversation: the other person's name of every direct conversation comes in the same statement,
    for 1 direct conversation as for 30, with or without a search."""
    me = official("gd.taichinh")
    people = session.exec(select(Official).where(Official.active.is_(True), Official.id != me.id)
                          .order_by(Official.id).limit(30)).all()
    counts = {}
    for n in (1, 30):
        for person in people[:n]:
            messages.do_direct(session, me, person.id)
        session.flush()
        listed = messages.conversations(session, me).rows
        counts[n] = statements_of(session, lambda: messages.conversations(session, me))
        counts[f"{n} searched"] = statements_of(session, lambda: messages.conversations(session, me, "nguyen"))
        directs = {r.title for r in listed if r.kind == "direct"}
        assert directs == {p.full_name for p in people[:n]}
    assert counts == {1: 1, "1 searched": 1, 30: 1, "30 searched": 1}


def _backdate(session: Session, conversation_id: int, days: int) -> None:
    conversation = session.get(Conversation, conversation_id)
    conversation.last_message_at = clock.now() - timedelta(days=days)
    session.add(conversation)
    session.flush()


def test_the_list_search_reaches_every_conversation(session, official) -> None:  # noqa: ANN001
    """The list shows a page at a time, with more behind it; a search looks through all my conversations (not only
    those shown), with or without diacritics, each word anywhere in the name, and finds direct conversations by
    the other person's name."""
    me, deputy = official("ct.saigon"), official("pct1.saigon")
    old = messages.do_create_group(session, me, "Phòng chống ngập úng mùa mưa 2024", [deputy.id])
    _backdate(session, old.id, 400)
    for i in range(messages.LIST_PAGE + 10):
        messages.do_create_group(session, me, f"Tổ công tác số {i}", [deputy.id])
    first = messages.conversations(session, me)
    assert len(first.rows) == messages.LIST_PAGE and first.more
    assert old.id not in {r.id for r in first.rows}
    everything = messages.conversations(session, me, limit=messages.LIST_MAX)
    assert everything.rows[-1].id == old.id and not everything.more  # the oldest comes last
    for query in ("Phòng chống ngập", "phong chong ngap", "NGẬP ÚNG 2024", "mua mua ngap", "  ngập   úng  "):
        found = messages.conversations(session, me, query)
        assert [r.id for r in found.rows] == [old.id] and not found.more, query
    assert messages.conversations(session, me, "ngap lut").rows == []  # every word must be there
    # Matches come a page at a time too.
    page = messages.conversations(session, me, "to cong tac", limit=20)
    assert len(page.rows) == 20 and page.more and all(r.title.startswith("Tổ công tác số") for r in page.rows)
    rest = messages.conversations(session, me, "to cong tac", limit=messages.LIST_PAGE + 10)
    assert len(rest.rows) == messages.LIST_PAGE + 10 and not rest.more
    # A direct conversation is found by the other person's name, never by mine.
    direct = messages.do_direct(session, me, official("cv.saigon").id)
    _backdate(session, direct.id, 500)
    found = messages.conversations(session, me, fold(official("cv.saigon").full_name))
    assert direct.id in {r.id for r in found.rows}
    mine = {r.id for r in messages.conversations(session, me, me.full_name, limit=messages.LIST_MAX).rows}
    assert direct.id not in mine
    # Wildcards are characters; a search of nothing searchable finds nothing.
    pct = messages.do_create_group(session, me, "Giải ngân đạt 100% kế hoạch", [deputy.id])
    assert [r.id for r in messages.conversations(session, me, "100%").rows] == [pct.id]
    assert messages.conversations(session, me, "%%").rows == []
    assert messages.conversations(session, me, "_").rows == []
    # Somebody else's conversation is never found.
    assert messages.conversations(session, official("chutich"), "phong chong ngap").rows == []
    assert len(messages.conversations(session, me, limit=10**6).rows) <= messages.LIST_MAX


def test_a_sub_task_group_tells_itself_from_its_parent(session, official) -> None:  # noqa: ANN001
    """After a delegation the specialist has two groups of the same name: the list gives each its task's lead unit,
    and marks the sub-task's."""
    title = "Kiểm tra an toàn thực phẩm"
    task_id = assign_to_saigon(session, official, title)
    specialist = official("cv.saigon")
    child = tasks.do_delegate(session, official("ct.saigon"), task_id, 1, tasks.NewTask(title=title),
                              official_id=specialist.id)
    rows = {r.id: r for r in messages.conversations(session, specialist).rows if r.title == title}
    parent_group, child_group = group_of(session, task_id), group_of(session, child.id)
    assert set(rows) == {parent_group, child_group}
    ward = session.get(Unit, official("ct.saigon").unit_id).name
    division = session.get(Unit, specialist.unit_id).name
    assert (rows[parent_group].sub_task, rows[parent_group].unit) == (False, ward)
    assert (rows[child_group].sub_task, rows[child_group].unit) == (True, division)
    assert ward != division
    assert messages.case_detail(session, session.get(Conversation, child_group)) == (True, division)
    assert messages.case_detail(session, session.get(Conversation, parent_group)) == (False, ward)
    group = messages.do_create_group(session, specialist, "Nhóm", [official("ct.saigon").id])
    assert messages.case_detail(session, group) == (False, "")
    assert {r.id: (r.sub_task, r.unit) for r in messages.conversations(session, specialist).rows}[group.id] == (
        False, "")


def test_the_page_pages_and_searches_the_list_on_the_server(app_db: None, monkeypatch) -> None:  # noqa: F811, ANN001
    """The list's "more" brings the next page and stays as long as there are more, up to the most the list shows
    (then a note says to search); a search starts again at the first page of the matches; a live update reloads as
    many rows as are shown."""
    from govhub.db import session_scope
    from govhub.services.identity.auth import do_start_session
    from govhub.state.messages import MessagesState
    from tests.statekit import call, run, substate

    with session_scope() as s:
        me, other = (s.exec(select(Official).where(Official.username == u)).one() for u in ("gd.taichinh", "pct1"))
        old = messages.do_create_group(s, me, "Quyết toán ngân sách năm trước", [other.id])
        _backdate(s, old.id, 300)
        for i in range(messages.LIST_PAGE + 5):
            messages.do_create_group(s, me, f"Rà soát chi thường xuyên {i}", [other.id])
        cid = messages.do_create_group(s, other, "Nhóm mới nhất", [me.id]).id
        token, me_id = do_start_session(s, me, client_ip="127.0.0.1"), me.id
    root = _tab(token, "/messages")
    state = substate(root, MessagesState)
    assert len(state.convs) == messages.LIST_PAGE and state.convs_more and not state.convs_capped
    assert old.id not in {c.id for c in state.convs}
    run(call(root, MessagesState, "more_conversations"))
    assert len(state.convs) > messages.LIST_PAGE and state.convs[-1].id == old.id and not state.convs_more
    with session_scope() as s:
        messages.do_send(s, s.get(Official, other.id), cid, "Đề nghị gửi số liệu.")
    run(state._on_push(me_id, {conversation_url(cid)}))
    assert state.convs[0].id == cid and state.convs[0].unread == 1 and state.convs[-1].id == old.id
    run(call(root, MessagesState, "filter_list", "quyet toan NGÂN SÁCH"))
    assert [c.id for c in state.convs] == [old.id] and not state.convs_more
    run(call(root, MessagesState, "filter_list", "ra soat chi"))
    assert len(state.convs) == messages.LIST_PAGE and state.convs_more
    run(call(root, MessagesState, "filter_list", ""))
    assert len(state.convs) == messages.LIST_PAGE and old.id not in {c.id for c in state.convs}
    monkeypatch.setattr(messages, "LIST_MAX", messages.LIST_PAGE + 2)  # a list as long as it may be
    run(call(root, MessagesState, "more_conversations"))
    assert len(state.convs) == messages.LIST_PAGE + 2 and not state.convs_more and state.convs_capped
    run(call(root, MessagesState, "filter_list", "quyet toan"))
    assert [c.id for c in state.convs] == [old.id] and not state.convs_more and not state.convs_capped


def test_attachments_checked_stored_safely_and_served_to_members_only(session, official, monkeypatch) -> None:  # noqa: ANN001
    from govhub.api import message_files

    cid = group_of(session, assign_to_saigon(session, official))
    msg = messages.do_send(session, official("chutich"), cid, "", uploads=[
        Upload(filename="../../etc/Báo cáo tháng 11.pdf", data=PDF)])
    row = messages.history(session, official("ct.saigon"), cid)[-1]
    assert row.attachments[0].name == "Báo cáo tháng 11.pdf"
    from govhub.models import MessageAttachment

    stored = session.exec(select(MessageAttachment).where(MessageAttachment.message_id == msg.id)).one()
    assert stored.stored_name.endswith(".pdf") and "/" not in stored.stored_name and ".." not in stored.stored_name
    assert messages.read_attachment(stored.stored_name) == PDF
    for bad in (Upload("virus.exe", b"MZ..."), Upload("trang.html", b"<script>"), Upload("gia.pdf", b"MZ not pdf"),
                Upload("rong.pdf", b"")):
        with pytest.raises(Invalid):
            messages.do_send(session, official("chutich"), cid, "x", uploads=[bad])
    from govhub.config import get_settings

    monkeypatch.setattr(get_settings(), "attachment_max_mb", 1)
    with pytest.raises(Invalid):
        messages.do_send(session, official("chutich"), cid, "x", uploads=[Upload("lon.pdf", PDF + b"0" * 1_100_000)])
    with pytest.raises(Invalid):
        messages.do_send(session, official("chutich"), cid, "x", uploads=[Upload(f"{i}.pdf", PDF) for i in range(6)])

    # The download route decides by the session's official (its session lookup is faked here, the rest is real).
    people = {"tok-member": official("ct.saigon"), "tok-stranger": official("cv.saigon")}
    monkeypatch.setattr(message_files, "official_for_token", lambda _s, tok: people.get(tok))
    monkeypatch.setattr(message_files, "session_scope", _same_session(session))
    assert message_files.find_attachment("tok-member", stored.id)[1] == "Báo cáo tháng 11.pdf"
    assert message_files.find_attachment("tok-stranger", stored.id) is None
    assert message_files.find_attachment(None, stored.id) is None
    assert message_files.find_attachment("tok-member", 99_999_999) is None


def test_the_page_explains_a_refused_file_and_sends_an_accepted_one(app_db: None) -> None:  # noqa: F811
    """Through the state, as the browser calls it: a refused file becomes a translated error notice (page state,
    not a script from the server, which the page's Content-Security-Policy would refuse to run) and nothing is kept
    aside; an accepted file waits beside the composer and goes out with the message."""
    import io
    from pathlib import Path

    import reflex as rx

    from govhub.db import session_scope
    from govhub.i18n import translate
    from govhub.services.identity.auth import do_start_session
    from govhub.state.base import AppState
    from govhub.state.messages import MessagesState
    from tests.statekit import call, make_root, run, substate

    with session_scope() as s:
        chairman = s.exec(select(Official).where(Official.username == "ct.saigon")).one()
        deputy = s.exec(select(Official).where(Official.username == "pct1.saigon")).one()
        cid = messages.do_direct(s, chairman, deputy.id).id
        tokens = [do_start_session(s, who, client_ip="127.0.0.1") for who in (chairman, deputy)]

    def opened(token: str) -> rx.State:
        root = make_root(token)
        data = {**root.router_data, "pathname": f"/messages/{cid}", "asPath": f"/messages/{cid}"}
        root.router_data = data
        root._update_router_vars(data, {})
        run(call(root, MessagesState, "load"))
        assert substate(root, MessagesState).conv_id == cid
        return root

    root = opened(tokens[0])
    state, app = substate(root, MessagesState), substate(root, AppState)

    def upload(name: str, data: bytes) -> rx.UploadFile:
        return rx.UploadFile(file=io.BytesIO(data), path=Path(name))

    events = run(call(root, MessagesState, "attach", [upload("cai-dat.exe", b"MZ\x90\x00")]))
    assert events == []  # no script for the browser to eval
    assert app.notice.level == "error"
    assert app.notice.text == translate("vi", "messages.error.file_type", name="cai-dat.exe")
    assert state.pending_files == []
    refused = app.notice.id
    run(call(root, MessagesState, "attach", [upload("Báo cáo tháng 11.pdf", PDF)]))
    assert state.pending_files == ["Báo cáo tháng 11.pdf"] and app.notice.id == refused
    run(call(root, MessagesState, "send", {"body": "Gửi anh báo cáo."}))
    assert state.pending_files == []
    assert state.rows[-1].body == "Gửi anh báo cáo." and [a.name for a in state.rows[-1].attachments] == [
        "Báo cáo tháng 11.pdf"]
    # The deputy opens it: the message with its file, and the list beside it counts the open conversation read.
    seen = substate(opened(tokens[1]), MessagesState)
    assert [a.name for a in seen.rows[-1].attachments] == ["Báo cáo tháng 11.pdf"]
    assert {c.id: c.unread for c in seen.convs}[cid] == 0


def test_a_refused_message_stays_in_the_box_and_a_stored_one_empties_it(app_db: None) -> None:  # noqa: F811
    """The composer is emptied by the server, and only once the message is stored (the form is redrawn under a new
    draft key, in the same update that shows the message): a message refused because the sender lost their place
    in the conversation, or too long, keeps its draft key (the typed text stays) and its files. A second submit
    of a draft already sent (a double click) is ignored: one message, no error."""
    import io
    from pathlib import Path

    import reflex as rx

    from govhub.db import session_scope
    from govhub.i18n import translate
    from govhub.models import Message
    from govhub.services.identity.auth import do_start_session
    from govhub.state.base import AppState
    from govhub.state.messages import MessagesState
    from tests.statekit import call, make_root, run, substate

    with session_scope() as s:
        sender = s.exec(select(Official).where(Official.username == "tp1.saigon")).one()
        other = s.exec(select(Official).where(Official.username == "cv.saigon")).one()
        cid, sender_id = messages.do_direct(s, sender, other.id).id, sender.id
        token = do_start_session(s, sender, client_ip="127.0.0.1")

    def stored() -> int:
        with session_scope() as s:
            return s.exec(select(func.count()).select_from(Message).where(Message.conversation_id == cid)).one()

    root = make_root(token)
    data = {**root.router_data, "pathname": f"/messages/{cid}", "asPath": f"/messages/{cid}"}
    root.router_data = data
    root._update_router_vars(data, {})
    run(call(root, MessagesState, "load"))
    state, app = substate(root, MessagesState), substate(root, AppState)
    draft = state.draft_key
    run(call(root, MessagesState, "attach", [rx.UploadFile(file=io.BytesIO(PDF), path=Path("Biên bản.pdf"))]))
    form = {"draft": draft, "body": "Anh xem giúp biên bản họp tổ dân phố.", "instruction": "on"}

    # The sender is taken out of the conversation meanwhile: refused, and nothing of the draft is lost.
    with session_scope() as s:
        membership = s.get(ConversationMember, (cid, sender_id))
        kept = ConversationMember(**membership.model_dump())
        s.delete(membership)
    assert run(call(root, MessagesState, "send", form)) == []
    assert (app.notice.level, app.notice.text) == ("error", translate("vi", "error.not_found"))
    assert state.draft_key == draft and state.pending_files == ["Biên bản.pdf"] and stored() == 0
    with session_scope() as s:
        s.add(kept)
    # A validation error keeps the draft too.
    run(call(root, MessagesState, "send", {**form, "body": "x" * (messages.MAX_BODY + 1)}))
    assert app.notice.text == translate("vi", "messages.error.body")
    assert state.draft_key == draft and state.pending_files == ["Biên bản.pdf"] and stored() == 0

    # Stored: a new draft key (the box is emptied), no files waiting, the message shown.
    refused = app.notice.id
    run(call(root, MessagesState, "send", form))
    assert state.draft_key != draft and state.pending_files == [] and stored() == 1
    assert state.rows[-1].body == form["body"] and state.rows[-1].kind == "instruction"
    assert app.notice.id == refused  # no new message for the reader
    # The same submit again (a double click): ignored.
    run(call(root, MessagesState, "send", form))
    assert stored() == 1 and app.notice.id == refused
    # The next draft goes out under its own key.
    run(call(root, MessagesState, "send", {"draft": state.draft_key, "body": "Cảm ơn anh."}))
    assert stored() == 2 and state.rows[-1].body == "Cảm ơn anh." and state.rows[-1].kind == "text"


def _same_session(session: Session):  # noqa: ANN202
    from contextlib import contextmanager

    @contextmanager
    def scope():  # noqa: ANN202
        nested = session.begin_nested()
        try:
            yield session
        finally:
            if nested.is_active:
                nested.commit()

    return scope


def test_news_for_chosen_units_is_pinned_for_them_only(session, official) -> None:  # noqa: ANN001
    chair = official("ct.saigon")
    saigon = chair.unit_id
    news = messages.do_broadcast(session, chair, "Lịch tiếp dân tuần sau", "Thứ Năm, 8 giờ.", [saigon])
    assert [n.title for n in messages.pinned_news(session, official("cv.saigon"))] == ["Lịch tiếp dân tuần sau"]
    other_ward = session.exec(select(Official).join(Unit, Unit.id == Official.unit_id).where(
        Unit.kind == "ward", Unit.id != saigon)).first()
    assert news.id not in {n.id for n in messages.pinned_news(session, other_ward)}
    assert session.exec(select(func.count()).select_from(Notification).where(
        Notification.kind == "news", Notification.recipient_id == official("cv.saigon").id)).one() == 1
    # Denial twins: a ward chairman cannot address the whole city or another ward; a specialist cannot publish.
    with pytest.raises(Invalid):
        messages.do_broadcast(session, chair, "Tin", "", None)
    with pytest.raises(Invalid):
        messages.do_broadcast(session, chair, "Tin", "", [other_ward.unit_id])
    with pytest.raises(NotFound):
        messages.do_broadcast(session, official("cv.saigon"), "Tin", "", [saigon])
    everyone = messages.do_broadcast(session, official("chutich"), "Toàn thành phố", "", None)
    assert everyone.id in {n.id for n in messages.pinned_news(session, other_ward)}
    clock_offset = clock._offset
    try:
        clock._offset = timedelta(days=8)
        assert messages.pinned_news(session, other_ward) == []
    finally:
        clock._offset = clock_offset
