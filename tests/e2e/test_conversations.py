"""Conversations in the browser: a group opened with chosen officials talks live and the list counts what a member
has not read yet; search inside a conversation, with or without Vietnamese diacritics; a long history opens on
its newest page and brings older pages without jumping or repeating; the list shows a page at a time and its
search finds any conversation, however old; and a delegated specialist finds the task's case group among their
conversations, told apart from the sub-task's group of the same name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from govhub import clock
from govhub.db import make_engine, session_scope
from govhub.models import Conversation, Official, Task, Unit
from govhub.services.messaging import conversations as messages
from govhub.services.tasks import actions as tasks
from tests.e2e.conftest import Browsers, full_name, shot, sign_in, wait_hydrated
from tests.e2e.test_attachments import assert_inside, assert_no_sideways_scroll


@contextmanager
def database(e2e_db: Path) -> Iterator[Session]:
    """A session on the test server's database, for setting the scene quickly through the services."""
    engine = make_engine(f"sqlite:///{e2e_db}")
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def who(session: Session, username: str) -> Official:
    return session.exec(select(Official).where(Official.username == username)).one()


def open_messages(page: Page, path: str = "/messages") -> None:
    page.goto(path)
    wait_hydrated(page)


def row(page: Page, title: str):  # noqa: ANN201
    return page.locator(".conv-row:visible", has_text=title)


def message(page: Page, body: str):  # noqa: ANN201
    """The message whose text is exactly ``body``."""
    return page.locator("#msg-list .message").filter(
        has=page.locator(".msg-body", has_text=re.compile(f"^{re.escape(body)}$")))


def visible_messages(page: Page) -> list[str]:
    return page.locator("#msg-list .message .msg-body").all_inner_texts()


def assert_lines_at_most(text, lines: int) -> None:  # noqa: ANN001
    """``text`` (a Locator) takes at most ``lines`` lines."""
    height, line = text.evaluate("e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]")
    assert height <= lines * line + 1, (height, line)


def test_group_with_chosen_officials_live_and_unread(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    title = f"Tổ công tác liên ngành rà soát phương án phòng chống ngập úng, chỉnh trang đô thị ({viewport})"
    deputy_name, specialist_name = full_name(e2e_db, "pct1.saigon"), full_name(e2e_db, "cv.saigon")

    creator = browsers.new_page()
    sign_in(creator, "ct.saigon")
    open_messages(creator)
    creator.click("#new-group")
    dialog = creator.get_by_role("dialog")
    creator.fill("#group-title", title)
    # Many officials share a name, and every ward has divisions of the same names: the ward tells them apart.
    for name, detail in ((deputy_name, "Phó Chủ tịch UBND — Phường Sài Gòn"),
                         (specialist_name, "Chuyên viên — Văn phòng HĐND và UBND, Phường Sài Gòn")):
        creator.fill("#people-search", name)
        creator.locator(".person-option", has_text=name).filter(has_text=detail).first.click()
        expect(dialog.locator(".chosen-person", has_text=name)).to_be_visible()
    assert_no_sideways_scroll(creator)
    shot(creator, "group-new")
    creator.click("#group-create")
    creator.wait_for_url(re.compile(r"/messages/\d+$"))
    expect(creator.locator("#conv-title")).to_have_text(title)
    group_path = re.search(r"/messages/\d+$", creator.url).group(0)

    # The deputy has the group open; the specialist is on the list and has not opened it.
    deputy = browsers.new_page()
    sign_in(deputy, "pct1.saigon")
    open_messages(deputy, group_path)
    expect(deputy.locator("#conv-title")).to_have_text(title)
    specialist = browsers.new_page()
    sign_in(specialist, "cv.saigon")
    open_messages(specialist)
    expect(row(specialist, title)).to_be_visible()
    expect(row(specialist, title).locator(".conv-unread")).to_have_count(0)
    expect(specialist.locator("#msg-body")).to_have_count(0)  # nothing open: nowhere to write to
    if viewport == "desktop":
        expect(specialist.locator("#conv-none")).to_contain_text("Chọn một cuộc trao đổi")

    first = "Đề nghị các đồng chí rà soát danh sách điểm ngập trước thứ Năm."
    creator.fill("#msg-body", first)
    creator.click("#msg-send")
    expect(creator.locator(".message:visible", has_text=first)).to_be_visible()
    expect(deputy.locator(".message:visible", has_text=first)).to_be_visible(timeout=3000)  # live, no reload
    expect(row(specialist, title).locator(".conv-unread")).to_have_text("1", timeout=3000)
    creator.fill("#msg-body", "Phòng Quản lý đô thị chủ trì tổng hợp.")
    creator.click("#msg-send")
    expect(row(specialist, title).locator(".conv-unread")).to_have_text("2", timeout=3000)
    assert_inside(row(specialist, title).locator(".conv-title"), row(specialist, title))
    assert_lines_at_most(row(specialist, title).locator(".conv-title"), 2)
    assert_no_sideways_scroll(specialist)
    shot(specialist, "group-unread")
    shot(deputy, "group-live")

    # Opening it reads it: the count is gone from the list.
    row(specialist, title).click()
    expect(specialist.locator("#conv-title")).to_have_text(title)
    expect(specialist.locator(".message:visible", has_text=first)).to_be_visible()
    assert_no_sideways_scroll(specialist)
    shot(specialist, "group-opened")
    if viewport == "phone":
        specialist.get_by_role("button", name="Quay lại danh sách").click()
        specialist.wait_for_url(re.compile(r"/messages$"))
    expect(row(specialist, title)).to_be_visible()
    expect(row(specialist, title).locator(".conv-unread")).to_have_count(0)
    specialist.reload()
    wait_hydrated(specialist)
    expect(row(specialist, title)).to_be_visible()
    expect(row(specialist, title).locator(".conv-unread")).to_have_count(0)


SEARCHED = ["Đề nghị phường khẩn trương giải phóng mặt bằng tuyến đường Nguyễn Huệ.",
            "Kế hoạch tiêm chủng mở rộng quý III đã gửi Sở Y tế.",
            "Biên bản giải phóng mặt bằng khu Thủ Thiêm, đợt 2.",
            "Họp giao ban sáng thứ Hai lúc 7 giờ 30."]


def test_search_within_a_conversation(page: Page, viewport: str, e2e_db: Path) -> None:
    with database(e2e_db) as session:
        chairman, deputy = who(session, "ct.saigon"), who(session, "pct1.saigon")
        group = messages.do_create_group(session, chairman, f"Giải phóng mặt bằng ({viewport})", [deputy.id])
        for i, text in enumerate(SEARCHED):
            messages.do_send(session, (chairman, deputy)[i % 2], group.id, text)
        cid = group.id
    sign_in(page, "ct.saigon")
    open_messages(page, f"/messages/{cid}")
    expect(page.locator("#msg-list .message")).to_have_count(4)

    for query in ("giải phóng", "giai phong", "GIAI PHÓNG"):
        page.fill("#msg-search", query)
        expect(page.locator("#msg-found")).to_contain_text("2 kết quả")
        expect(page.locator(".message:visible")).to_have_count(2)
        texts = page.locator(".message:visible .msg-body").all_inner_texts()
        assert sorted(texts) == sorted([SEARCHED[0], SEARCHED[2]]), texts
    assert_no_sideways_scroll(page)
    shot(page, "search-found")
    page.fill("#msg-search", "tiem chung")
    expect(page.locator(".message:visible")).to_have_count(1)
    expect(page.locator(".message:visible")).to_contain_text("tiêm chủng")
    page.fill("#msg-search", "ngân sách")
    expect(page.locator("#msg-found")).to_contain_text("0 kết quả")
    expect(page.locator(".message:visible")).to_have_count(0)
    shot(page, "search-none")
    page.fill("#msg-search", "")
    expect(page.locator("#msg-found")).to_have_count(0)
    expect(page.locator(".message:visible")).to_have_count(4)
    assert visible_messages(page) == SEARCHED


HISTORY = 75  # two and a half pages


def test_long_history_pages_back_without_jumping(page: Page, viewport: str, e2e_db: Path) -> None:
    with database(e2e_db) as session:
        chairman, deputy = who(session, "ct.saigon"), who(session, "pct1.saigon")
        group = messages.do_create_group(session, deputy, f"Theo dõi tiến độ giải ngân ({viewport})", [chairman.id])
        for i in range(HISTORY):
            messages.do_send(session, (chairman, deputy)[i % 2], group.id, f"Báo cáo tiến độ số {i + 1}")
        cid = group.id
    sign_in(page, "ct.saigon")
    open_messages(page, f"/messages/{cid}")
    listed = page.locator("#msg-list .message")
    expect(listed).to_have_count(messages.PAGE)
    newest = message(page, f"Báo cáo tiến độ số {HISTORY}")
    expect(newest).to_be_in_viewport()  # the conversation opens on its newest message
    expect(page.locator("#msg-body")).to_be_in_viewport()
    assert_no_sideways_scroll(page)
    shot(page, "history-newest")

    expected = [f"Báo cáo tiến độ số {i}" for i in range(HISTORY - messages.PAGE + 1, HISTORY + 1)]
    assert visible_messages(page) == expected
    for _ in range(2):
        top_text = expected[0]
        page.locator("#msg-older").scroll_into_view_if_needed()
        before = message(page, top_text).bounding_box()
        page.click("#msg-older")
        first = max(int(top_text.rsplit(" ", 1)[1]) - messages.PAGE, 1)
        expected = [f"Báo cáo tiến độ số {i}" for i in range(first, HISTORY + 1)]
        expect(listed).to_have_count(len(expected))
        assert visible_messages(page) == expected  # in order, nothing twice, nothing missing
        after = message(page, top_text).bounding_box()
        assert before and after and abs(after["y"] - before["y"]) < 4, (before, after)  # the reader stays put
    expect(page.locator("#msg-older")).to_have_count(0)
    shot(page, "history-older")
    page.fill("#msg-body", "Đã xem hết lịch sử.")
    page.click("#msg-send")
    expect(page.locator(".message", has_text="Đã xem hết lịch sử.")).to_be_in_viewport()
    assert_no_sideways_scroll(page)


def test_delegated_specialist_finds_the_case_group(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    title = f"Kiểm tra vệ sinh an toàn thực phẩm bếp ăn tập thể trường học ({viewport})"
    with database(e2e_db) as session:
        chairman = who(session, "ct.saigon")
        task = tasks.do_assign(session, who(session, "chutich"), tasks.NewTask(
            title=title, deadline=clock.today() + timedelta(days=12)), unit_id=chairman.unit_id)
        session.flush()
        task_id = task.id
        group_id = session.exec(select(Conversation.id).where(Conversation.task_id == task_id)).one()
    specialist_name = full_name(e2e_db, "cv.saigon")

    specialist = browsers.new_page()
    sign_in(specialist, "cv.saigon")
    open_messages(specialist)
    expect(specialist.locator("#conv-list")).to_be_visible()
    expect(row(specialist, title)).to_have_count(0)

    ward = browsers.new_page()
    sign_in(ward, "ct.saigon")
    ward.goto(f"/tasks/{task_id}")
    wait_hydrated(ward)
    expect(ward.locator("#task-title")).to_have_text(title)
    ward.click("#action-receive")
    expect(ward.locator("#task-state")).to_have_text("Đã tiếp nhận")
    ward.click("#action-delegate")
    ward.click("#f-target")
    ward.get_by_role("option", name=re.compile(specialist_name)).click()
    ward.click("#confirm-delegate")
    expect(ward.locator("#task-children")).to_contain_text(specialist_name)

    open_messages(specialist)
    expect(row(specialist, title)).to_have_count(2)  # the task's group, and the sub-task's own
    with database(e2e_db) as session:
        ward = session.get(Unit, who(session, "ct.saigon").unit_id).name
        division = session.get(Unit, who(session, "cv.saigon").unit_id).name
        child_id = session.exec(select(Conversation.id).join(Task, Task.id == Conversation.task_id)
                                .where(Task.parent_id == task_id)).one()
    # Told apart: the lead unit of each task, and the sub-task marked as such.
    parent = specialist.locator(f'.conv-row:visible[href="/messages/{group_id}"]')
    child = specialist.locator(f'.conv-row:visible[href="/messages/{child_id}"]')
    expect(parent.locator(".conv-unit")).to_have_text(ward)
    expect(parent.locator(".conv-sub-task")).to_have_count(0)
    expect(child.locator(".conv-sub-task")).to_have_text("Nhiệm vụ con")
    expect(child.locator(".conv-unit")).to_have_text(division)
    for r in (parent, child):
        assert_inside(r.locator(".conv-title"), r)
        assert_inside(r.locator(".conv-detail"), r)
        assert_lines_at_most(r.locator(".conv-title"), 2)  # the long Vietnamese title stops at two lines
        assert_lines_at_most(r.locator(".conv-unit"), 1)
    assert_no_sideways_scroll(specialist)
    shot(specialist, "case-group-delegated")
    child.click()
    expect(specialist.locator("#conv-title")).to_have_text(title)
    head = specialist.locator(".conv-head-detail")
    expect(head.locator(".conv-sub-task")).to_have_text("Nhiệm vụ con")
    expect(head.locator(".conv-unit")).to_have_text(division)
    assert_lines_at_most(specialist.locator("#conv-title"), 2)
    assert_no_sideways_scroll(specialist)
    shot(specialist, "case-group-sub-task-open")
    if viewport == "phone":
        specialist.get_by_role("button", name="Quay lại danh sách").click()
        specialist.wait_for_url(re.compile(r"/messages$"))
    parent = specialist.locator(f'.conv-row:visible[href="/messages/{group_id}"]')
    parent.click()
    expect(specialist.locator("#conv-title")).to_have_text(title)
    expect(specialist.locator(".conv-head-detail .conv-unit")).to_have_text(ward)
    expect(specialist.locator(".conv-head-detail .conv-sub-task")).to_have_count(0)
    expect(specialist.get_by_role("link", name="Mở nhiệm vụ")).to_be_visible()


def test_the_list_pages_and_its_search_finds_old_conversations(page: Page, viewport: str, e2e_db: Path) -> None:
    """An official with more conversations than a page: "more" brings the older ones, and the search box finds
    any of them by name (the other person's for a direct one), with or without diacritics."""
    old_title = f"Quyết toán ngân sách năm trước ({viewport})"
    with database(e2e_db) as session:
        me, colleague = who(session, "gd.taichinh"), who(session, "pct1")
        old = messages.do_create_group(session, me, old_title, [colleague.id])
        person = session.exec(select(Official).where(Official.active.is_(True), Official.id.not_in(
            [me.id, colleague.id])).order_by(Official.id.desc())).first()
        direct = messages.do_direct(session, me, person.id)
        for conversation, days in ((old, 400), (direct, 390)):
            conversation.last_message_at = clock.now() - timedelta(days=days)
            session.add(conversation)
        for i in range(messages.LIST_PAGE + 5):
            messages.do_create_group(session, colleague, f"Rà soát chi thường xuyên số {i} ({viewport})", [me.id])
        old_id, direct_id, person_name = old.id, direct.id, person.full_name
    sign_in(page, "gd.taichinh")
    open_messages(page)
    rows = page.locator(".conv-row:visible")
    expect(rows).to_have_count(messages.LIST_PAGE)
    expect(page.locator(f'.conv-row[href="/messages/{old_id}"]')).to_have_count(0)
    expect(page.locator("#conv-more")).to_be_visible()
    page.locator("#conv-more").scroll_into_view_if_needed()
    assert_no_sideways_scroll(page)
    shot(page, "list-more")

    # (the phone and desktop runs share the database: the viewport's name tells their groups apart)
    for query in (f"quyết toán ngân sách {viewport}", f"quyet toan ngan sach {viewport}",
                  f"NGAN SACH nam truoc {viewport.upper()}"):
        page.fill("#conv-filter", query)
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("href", f"/messages/{old_id}")
    expect(page.locator("#conv-more")).to_have_count(0)
    assert_no_sideways_scroll(page)
    shot(page, "list-search-old")
    from govhub.services.core.text import fold

    page.fill("#conv-filter", fold(person_name))
    expect(page.locator(f'.conv-row:visible[href="/messages/{direct_id}"]')).to_have_text(re.compile(person_name))
    page.fill("#conv-filter", "khong co cuoc nao nhu vay")
    expect(rows).to_have_count(0)
    expect(page.locator("#conv-empty")).to_have_text("Không có cuộc trao đổi nào khớp.")

    # Back to the whole list: a page, then the rest with "more", down to the oldest.
    page.fill("#conv-filter", "")
    expect(rows).to_have_count(messages.LIST_PAGE)
    oldest = page.locator(f'.conv-row:visible[href="/messages/{old_id}"]')
    while page.locator("#conv-more").count():  # (the phone run's groups are there too on desktop)
        before = rows.count()
        page.click("#conv-more")
        expect(rows).not_to_have_count(before)
    expect(oldest).to_be_visible()
    assert rows.count() > messages.LIST_PAGE
    assert_no_sideways_scroll(page)
    # The search box keeps what was typed across pages: open a found conversation, come back, still found.
    page.fill("#conv-filter", f"quyet toan {viewport}")
    expect(rows).to_have_count(1)
    rows.first.click()
    page.wait_for_url(re.compile(rf"/messages/{old_id}$"))
    expect(page.locator("#conv-title")).to_have_text(old_title)
    if viewport == "phone":
        page.get_by_role("button", name="Quay lại danh sách").click()
        page.wait_for_url(re.compile(r"/messages$"))
    expect(page.locator("#conv-filter:visible")).to_have_value(f"quyet toan {viewport}")
    expect(rows).to_have_count(1)
