"""Live communication, two officials at once: the City chairman assigns, the ward chairman's bell rings within
2 seconds without a reload; they talk in the task's case group, live both ways; an instruction's
acknowledgement shows up for its sender."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from govhub.demo.documents import demo_pdf
from tests.e2e.conftest import Browsers, full_name, shot, sign_in, wait_hydrated
from tests.e2e.test_attachments import choose_file, open_direct, toast
from tests.e2e.test_tasks import quick_assign


def bell(page: Page):  # noqa: ANN201
    return page.locator(".bell:visible")


def open_case_group(page: Page, title: str) -> None:
    page.goto("/messages")
    wait_hydrated(page)
    page.locator(".conv-row", has_text=title).first.click()
    expect(page.locator("#conv-title")).to_have_text(title)


def send(page: Page, text: str, instruction: bool = False) -> None:
    page.fill("#msg-body", text)
    if instruction:
        page.click("#msg-instruction")
    page.click("#msg-send")
    expect(page.locator(".message:visible", has_text=text)).to_be_visible()


def test_assignment_rings_the_bell_and_the_case_group_talks_live(browsers: Browsers, viewport: str) -> None:
    title = f"Rà soát phương án chống ngập ({viewport})"
    chairman = browsers.new_page()
    sign_in(chairman, "ct.saigon")
    wait_hydrated(chairman)
    bell(chairman).click()
    chairman.locator("[id^=bell-read-all]:visible").click()
    expect(chairman.locator(".bell-count:visible")).to_have_count(0)
    chairman.keyboard.press("Escape")

    leader = browsers.new_page()
    sign_in(leader, "chutich")
    quick_assign(leader, title, [], date.today() + timedelta(days=14), units=["Phường Sài Gòn"])
    leader.click("#assign-confirm")
    leader.wait_for_url(re.compile(r"/directives/\d+"))
    started = time.monotonic()
    expect(chairman.locator(".bell-count:visible")).to_have_text("1", timeout=2000)  # no reload
    assert time.monotonic() - started < 2.0
    bell(chairman).click()
    expect(chairman.locator(".bell-item", has_text=title).first).to_be_visible()
    shot(chairman, "bell-live")
    chairman.keyboard.press("Escape")

    # The case group: both open it; an instruction from the City reaches the ward live.
    open_case_group(leader, title)
    open_case_group(chairman, title)
    send(leader, "Đề nghị báo cáo phương án trước 17 giờ thứ Sáu.", instruction=True)
    instruction = chairman.locator(".message:visible", has_text="trước 17 giờ thứ Sáu")
    expect(instruction).to_be_visible()
    shot(chairman, "instruction-received")
    instruction.locator(".ack-button").click()
    expect(instruction.locator(".ack-button")).to_have_count(0)
    # The sender sees the acknowledgement without reloading, and who it was.
    sent = leader.locator(".message:visible", has_text="trước 17 giờ thứ Sáu")
    expect(sent.locator(".ack-count")).to_contain_text("1/1")
    sent.locator(".ack-count").click()
    expect(leader.locator(".ack-person")).to_contain_text("Đã xác nhận")
    shot(leader, "instruction-acknowledged")
    leader.keyboard.press("Escape")

    # And the other way round: the ward answers, the City sees it live.
    send(chairman, "Phường đã nhận, sẽ báo cáo đúng hạn.")
    expect(leader.locator(".message:visible", has_text="sẽ báo cáo đúng hạn")).to_be_visible()
    shot(leader, "case-group")


def test_a_refused_message_stays_in_the_box(browsers: Browsers, viewport: str, e2e_db: Path) -> None:
    """The sender is taken out of the conversation while typing: the refusal is explained and the text, the
    instruction mark and the file all stay; put back, the same draft goes out and the box empties at once, in the
    same update that shows the message; a double click on Send sends once."""
    sender = browsers.new_page()
    sign_in(sender, "cv.saigon")
    open_direct(sender, full_name(e2e_db, "tp1.saigon"))
    cid = int(sender.url.rstrip("/").rsplit("/", 1)[1])
    text = f"Em gửi chị biên bản họp tổ dân phố số 3 ({viewport})."
    box, mark = sender.locator("#msg-body"), sender.locator("#msg-instruction")
    box.fill(text)
    mark.click()
    choose_file(sender, "bien-ban-to-3.pdf", demo_pdf("Bien ban to 3"), "application/pdf")
    expect(sender.locator(".pending-file")).to_have_count(1)

    with sqlite3.connect(e2e_db) as db:
        me = db.execute("SELECT id FROM official WHERE username = 'cv.saigon'").fetchone()[0]
        kept = db.execute("SELECT * FROM conversation_member WHERE conversation_id = ? AND official_id = ?",
                          (cid, me)).fetchone()
        db.execute("DELETE FROM conversation_member WHERE conversation_id = ? AND official_id = ?", (cid, me))
    sender.click("#msg-send")
    expect(toast(sender, "Không tìm thấy hoặc bạn không có quyền xem.")).to_have_css("opacity", "1")
    shot(sender, "message-refused-kept")
    expect(box).to_have_value(text)
    expect(mark).to_have_attribute("data-state", "checked")
    expect(sender.locator(".pending-file")).to_have_count(1)
    expect(sender.locator(".message:visible", has_text=text)).to_have_count(0)

    with sqlite3.connect(e2e_db) as db:
        db.execute(f"INSERT INTO conversation_member VALUES ({', '.join('?' * len(kept))})", kept)
    started = time.monotonic()
    sender.click("#msg-send")
    expect(box).to_have_value("", timeout=3000)
    emptied = time.monotonic() - started
    sent = sender.locator(".message:visible", has_text=text)
    assert sent.is_visible()  # shown by the same update that emptied the box
    expect(sent.locator(".attachment")).to_contain_text("bien-ban-to-3.pdf")
    expect(sent).to_contain_text("Chỉ đạo")
    expect(mark).to_have_attribute("data-state", "unchecked")
    expect(sender.locator(".pending-file")).to_have_count(0)
    print(f"box emptied {emptied * 1000:.0f} ms after Send ({viewport})")
    assert emptied < 2.0
    shot(sender, "message-sent-cleared")

    thanks = f"Chị nhận giúp em nhé ({viewport})."
    box.fill(thanks)
    sender.dblclick("#msg-send")
    expect(sender.locator(".message:visible", has_text=thanks)).to_have_count(1)
    sender.wait_for_timeout(1000)
    expect(sender.locator(".message:visible", has_text=thanks)).to_have_count(1)
    expect(sender.locator("[data-sonner-toast]", has_text="Hãy nhập nội dung")).to_have_count(0)
