"""Live communication, two officials at once: the City chairman assigns, the ward chairman's bell rings within
2 seconds without a reload; they talk in the task's case group, live both ways; an instruction's
acknowledgement shows up for its sender."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsers, shot, sign_in, wait_hydrated
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
